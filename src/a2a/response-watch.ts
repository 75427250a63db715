// Reading an agent's answer to a call while it is relayed byte for byte: a JSON body is
// collected (up to a limit) and read when it ends; an SSE stream (message/stream,
// tasks/resubscribe, SendStreamingMessage, SubscribeToTask) is framed as it passes, each
// event's data read as a JSON-RPC response, so the stream itself is never held back. The
// gateway's own frame parser (native addon or its TS twin) does the framing.
import { rawHeaderValue } from '../http/header-lists.js';
import { SseReader } from '../http/sse-reader.js';
import type { A2aExchange } from './exchange.js';
import { errorEnvelope, INTERNAL_ERROR, readResponse } from './jsonrpc.js';

/** JSON responses larger than this are relayed without being read (outcome stays unknown). */
const MAX_JSON_BYTES = 4 * 1024 * 1024;

export class A2aResponseWatcher {
  private chunks: Buffer[] | null = null;
  private size = 0;
  private sse: SseReader | null = null;
  private sawResult = false;
  private status = 0;

  constructor(private readonly x: A2aExchange) {}

  headers(status: number, raw: Buffer[]): void {
    this.status = status;
    const encoding = rawHeaderValue(raw, 'content-encoding');
    // A2A requests go upstream without Accept-Encoding; an agent compressing anyway is relayed unread.
    if (encoding !== undefined && encoding !== 'identity') return;
    const type = (rawHeaderValue(raw, 'content-type') ?? '').toLowerCase();
    if (type.startsWith('text/event-stream')) {
      this.x.streaming = true;
      this.sse = new SseReader();
    } else if (type.includes('json')) {
      this.chunks = [];
    }
  }

  data(chunk: Buffer): void {
    if (this.sse !== null) return this.frames(chunk);
    if (this.chunks === null) return;
    this.size += chunk.length;
    if (this.size > MAX_JSON_BYTES) this.chunks = null;
    else this.chunks.push(chunk);
  }

  end(): void {
    const x = this.x;
    if (this.sse !== null) {
      // A stream cut inside an event did not end well, whatever came before.
      const truncated = this.sse.end();
      if (x.outcome === undefined) x.outcome = this.sawResult && !truncated ? 'success' : 'unknown';
      return;
    }
    // Unread (not JSON, too large) or unreadable: an HTTP+JSON error status still says error.
    const unread = this.x.binding === 'rest' && this.status >= 300 ? 'error' : 'unknown';
    if (this.chunks === null) {
      x.outcome = unread;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(Buffer.concat(this.chunks, this.size).toString('utf8'));
    } catch {
      x.outcome = unread;
      return;
    }
    const kind = this.read(value);
    x.outcome = kind === 'error' ? 'error' : kind === 'result' ? 'success' : unread;
  }

  /**
   * JSON-RPC answers are envelopes; HTTP+JSON answers are the result itself (a Task, or v1.0's
   * `{task}` / `{message}` / update events) with errors as `{error: {...}}` and an error status.
   */
  private read(value: unknown): 'result' | 'error' | null {
    if (this.x.binding !== 'rest') return readResponse(this.x, value);
    if (this.status >= 300 || (value !== null && typeof value === 'object' && 'error' in value)) return 'error';
    return readResponse(this.x, { result: value });
  }

  /**
   * The upstream failed after the stream started: the last bytes to send the client, a JSON-RPC
   * error event as the SDK servers write one, so the client sees an error rather than a clean
   * end. Undefined when the stream stopped inside an event (appending would corrupt it) or
   * this is not a stream: the caller then closes the connection uncleanly.
   */
  failure(message: string): string | undefined {
    if (this.sse === null || this.sse.end()) return undefined;
    this.sse = null;
    this.x.outcome = 'error';
    this.x.errorCode = INTERNAL_ERROR;
    return `event: error\ndata: ${JSON.stringify(errorEnvelope(this.x.id, INTERNAL_ERROR, message))}\n\n`;
  }

  private frames(chunk: Buffer): void {
    const x = this.x;
    let frames;
    try {
      frames = this.sse!.push(chunk);
    } catch {
      // An event beyond the framer's limit: stop reading, keep relaying.
      this.sse = null;
      return;
    }
    for (let i = 0; i < frames.count; i++) {
      let value: unknown;
      try {
        value = JSON.parse(frames.data(i));
      } catch {
        continue;
      }
      const kind = this.read(value);
      if (kind === 'error') x.outcome = 'error';
      else if (kind === 'result') this.sawResult = true;
    }
  }
}
