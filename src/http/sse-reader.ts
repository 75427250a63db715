// Reads upstream SSE through the native facade's framer (Rust addon or its TS twin) and gives
// the translation code a view of each batch: event names and data as strings on demand, or as
// byte spans for the pass-through path that wants to avoid decoding. Never split SSE text here.
import {
  createSseFramer,
  SSE_DATA_END,
  SSE_DATA_START,
  SSE_EVENT_END,
  SSE_EVENT_START,
  SSE_FLAGS,
  SSE_HAS_EVENT,
  SSE_STRIDE,
  type SseFrameBatch,
  type SseFramer,
} from '../native/index.js';

const NO_BYTES = Buffer.alloc(0);

/** One `push`'s completed frames. Valid only until the next push on the same reader. */
export class SseFrames {
  count = 0;
  /** Buffer view (no copy) over the framer's bytes, for native indexOf/toString. */
  buf: Buffer = NO_BYTES;
  private offsets: Int32Array<ArrayBufferLike> = new Int32Array(0);
  private source: Uint8Array | null = null;

  reset(batch: SseFrameBatch): this {
    this.count = batch.count;
    this.offsets = batch.offsets;
    if (batch.bytes !== this.source) {
      // The framer reuses its buffer between pushes; only re-wrap when it grew.
      this.source = batch.bytes;
      this.buf = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    }
    return this;
  }

  /** The `event:` field of frame i, or null when the frame had none. */
  event(i: number): string | null {
    const k = i * SSE_STRIDE;
    if ((this.offsets[k + SSE_FLAGS]! & SSE_HAS_EVENT) === 0) return null;
    return this.buf.toString('latin1', this.offsets[k + SSE_EVENT_START], this.offsets[k + SSE_EVENT_END]);
  }

  dataStart(i: number): number {
    return this.offsets[i * SSE_STRIDE + SSE_DATA_START]!;
  }

  dataEnd(i: number): number {
    return this.offsets[i * SSE_STRIDE + SSE_DATA_END]!;
  }

  data(i: number): string {
    return this.buf.toString('utf8', this.dataStart(i), this.dataEnd(i));
  }

  /** True when frame i's data is exactly `literal` (ASCII). */
  dataEquals(i: number, literal: string): boolean {
    const s = this.dataStart(i);
    if (this.dataEnd(i) - s !== literal.length) return false;
    for (let j = 0; j < literal.length; j++) if (this.buf[s + j] !== literal.charCodeAt(j)) return false;
    return true;
  }

  /** Byte view of frame i's data (no copy). */
  dataBytes(i: number): Buffer {
    return this.buf.subarray(this.dataStart(i), this.dataEnd(i));
  }
}

/**
 * Framers of ended streams, reset and ready: a framer owns buffers worth reusing (creating one
 * per stream cost ~4 µs and garbage, for a job of ~1 µs). Streams a client abandoned never
 * return theirs; the collector takes those.
 */
const idle: SseFramer[] = [];
const MAX_IDLE = 256;

export class SseReader {
  private framer: SseFramer | null = idle.pop() ?? createSseFramer();
  private readonly frames = new SseFrames();

  /** Throws SseFrameTooLarge when an upstream frame exceeds the framer's limit. */
  push(chunk: Uint8Array): SseFrames {
    if (this.framer === null) throw new Error('SSE stream already ended');
    return this.frames.reset(this.framer.push(chunk));
  }

  /** True when the upstream ended in the middle of a frame. The framer goes back to the pool. */
  end(): boolean {
    const f = this.framer;
    if (f === null) return false;
    this.framer = null;
    const pending = f.end();
    if (idle.length < MAX_IDLE) idle.push(f);
    return pending;
  }
}
