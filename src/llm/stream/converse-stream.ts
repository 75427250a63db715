// The skeleton both Bedrock stream translators share: AWS event-stream messages in (framing and
// checksums checked by eventstream.ts), one state-machine step per event, client SSE out, and the
// failure rules of every translating stream: an exception message, a malformed message, a dropped
// connection or a stream that ends before messageStop becomes ONE error event in the client's
// dialect and no clean terminator.
import type { StreamTransducer } from '../convert/types.js';
import type { GatewayError } from '../../errors.js';
import { streamException } from '../formats/converse-errors.js';
import type { ErrorDialect } from '../formats/errors.js';
import type { ProviderError } from '../formats/provider-errors.js';
import { type EventStreamMessage, EventStreamReader, headerString } from './eventstream.js';
import { SseOutput } from './sse-writer.js';
import { malformed, type StreamPhase } from './translating-stream.js';

type Payload = Record<string, unknown>;

export abstract class ConverseStream implements StreamTransducer {
  protected readonly out = new SseOutput();
  protected phase: StreamPhase = 'open';
  private readonly reader = new EventStreamReader();

  constructor(private readonly dialect: ErrorDialect) {}

  push(chunk: Uint8Array): Uint8Array {
    if (this.phase !== 'open') return this.out.take();
    try {
      for (const m of this.reader.push(chunk)) {
        if (this.phase !== 'open') break;
        this.onMessage(m);
      }
    } catch (err) {
      this.abort(malformed(err));
    }
    return this.out.take();
  }

  end(): Uint8Array {
    this.reader.end();
    if (this.phase === 'open') this.onUpstreamEnd();
    return this.out.take();
  }

  fail(err: GatewayError): Uint8Array {
    if (this.phase === 'open') this.abort(err);
    return this.out.take();
  }

  /** One Converse event (`:event-type` and its JSON payload). Throwing aborts the stream as malformed. */
  protected abstract onEvent(type: string, payload: Payload): void;

  /** The upstream ended while the stream was open; complete only if the subclass says so. */
  protected abstract onUpstreamEnd(): void;

  /** Emits the client-dialect error event and closes the stream. */
  protected abort(e: GatewayError | ProviderError): void {
    this.out.error(this.dialect, e);
    this.phase = 'failed';
  }

  private onMessage(m: EventStreamMessage): void {
    const kind = headerString(m, ':message-type') ?? 'event';
    if (kind === 'exception') {
      const e = streamException(headerString(m, ':exception-type') ?? 'exception', m.body);
      this.abort(e);
      return;
    }
    if (kind === 'error') {
      const code = headerString(m, ':error-code') ?? 'error';
      // Bedrock's own error event: the provider's error, carried as one (no gateway code).
      this.abort({ status: 502, type: 'api_error', message: `${code}: ${headerString(m, ':error-message') ?? 'upstream stream error'}` });
      return;
    }
    const type = headerString(m, ':event-type');
    if (type === undefined) throw new Error('event without an :event-type header');
    const payload: unknown = JSON.parse(Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength).toString('utf8'));
    if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new Error(`${type} payload is not a JSON object`);
    this.onEvent(type, payload as Payload);
  }
}

/** A content block index from an event payload; a missing one is a protocol error. */
export function blockIndex(p: Payload): number {
  const i = p.contentBlockIndex;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0) throw new Error('event without a contentBlockIndex');
  return i;
}
