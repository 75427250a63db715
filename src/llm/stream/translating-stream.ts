// The skeleton every translating stream shares: frames in through the native framer, one
// state-machine step per frame, one output buffer per push, and the failure rules:
// - an upstream `error` event, a malformed frame, a dropped connection (`fail`) or an upstream
//   that ends before its terminal event becomes ONE error event in the client's dialect and no
//   clean terminator, never a silent clean end;
// - after the terminal event or an error, nothing more is emitted.
import { GatewayError } from '../../errors.js';
import type { StreamTransducer } from '../convert/types.js';
import type { ErrorDialect } from '../formats/errors.js';
import type { ProviderError } from '../formats/provider-errors.js';
import { SseReader, type SseFrames } from '../../http/sse-reader.js';
import { SseOutput } from './sse-writer.js';

export type StreamPhase = 'open' | 'done' | 'failed';

export abstract class TranslatingStream implements StreamTransducer {
  protected readonly out = new SseOutput();
  protected phase: StreamPhase = 'open';
  private readonly reader = new SseReader();

  constructor(private readonly dialect: ErrorDialect) {}

  push(chunk: Uint8Array): Uint8Array {
    if (this.phase !== 'open') return this.out.take();
    try {
      const frames = this.reader.push(chunk);
      for (let i = 0; i < frames.count && this.phase === 'open'; i++) this.onFrame(frames, i);
    } catch (err) {
      this.abort(malformed(err));
    }
    return this.out.take();
  }

  end(): Uint8Array {
    const pending = this.reader.end();
    if (this.phase === 'open') this.onUpstreamEnd(pending);
    return this.out.take();
  }

  fail(err: GatewayError): Uint8Array {
    if (this.phase === 'open') this.abort(err);
    return this.out.take();
  }

  /** One upstream frame. Throwing aborts the stream as malformed. */
  protected abstract onFrame(frames: SseFrames, i: number): void;

  /**
   * The upstream body ended while the stream was still open. By default that is a truncated
   * stream; a subclass may decide the stream was in fact complete (see OpenAI's `[DONE]`).
   */
  protected onUpstreamEnd(_pending: boolean): void {
    this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before it was complete'));
  }

  /** Emits the client-dialect error event and closes the stream. */
  protected abort(e: GatewayError | ProviderError): void {
    this.out.error(this.dialect, e);
    this.phase = 'failed';
  }
}

/** A frame the framer or a state machine could not read: the upstream's fault. */
export function malformed(err: unknown): GatewayError {
  return new GatewayError('upstream_bad_response', `malformed upstream stream: ${err instanceof Error ? err.message : String(err)}`);
}
