// SseFramer over the addon. This wrapper owns the output: one plain ArrayBuffer (V8 accounts
// for it and reuses it) with the offsets first and the bytes after, allocated at the first
// frames and grown on demand; the addon copies each push's decoded fields into it. Views over
// Rust-owned memory cost an external ArrayBuffer per stream and kept Rust memory alive until a
// GC that cannot see it (52 KB a stream in bench/micro), so the memory is JS's instead.
import { SSE_STRIDE, SseFrameTooLarge, type SseFrameBatch, type SseFramer } from '../types.js';
import { SSE_NO_FIT, SSE_TOO_LARGE, type Addon, type AddonSseFramer } from './load.js';

const EMPTY = new Uint8Array(0);

export class NativeSseFramer implements SseFramer {
  private readonly h: AddonSseFramer;
  /** The whole output buffer, as passed to the addon. */
  private out = EMPTY;
  /** Int32 slots at the start of `out`. */
  private ints = 0;
  private bytes = EMPTY;
  private offsets = new Int32Array(0);

  constructor(
    addon: Addon,
    private readonly limit: number,
  ) {
    this.h = new addon.SseFramer(limit);
  }

  push(chunk: Uint8Array): SseFrameBatch {
    let count = this.h.push(chunk, this.out, this.ints);
    if (count < 0) {
      if (count === SSE_TOO_LARGE) throw new SseFrameTooLarge(this.limit);
      if (count !== SSE_NO_FIT) throw new Error(`native SSE framer returned ${count}`);
      this.grow();
      count = this.h.copyOut(this.out, this.ints);
    }
    return { count, bytes: this.bytes, offsets: this.offsets };
  }

  end(): boolean {
    return this.h.end();
  }

  private grow(): void {
    const ints = Math.max(capacity(this.h.outputFrames() * SSE_STRIDE, 16 * SSE_STRIDE), this.ints);
    const bytes = Math.max(capacity(this.h.outputBytes(), 4096), this.bytes.length);
    const buf = new ArrayBuffer(ints * 4 + bytes);
    this.out = new Uint8Array(buf);
    this.ints = ints;
    this.offsets = new Int32Array(buf, 0, ints);
    this.bytes = new Uint8Array(buf, ints * 4);
  }
}

function capacity(need: number, min: number): number {
  let cap = min;
  while (cap < need) cap *= 2;
  return cap;
}
