// Pure-TS SSE framer, the twin of native/src/sse.rs. One growable byte buffer holds the
// unconsumed stream; completed frames are reported as spans into it, so a chunk costs one
// copy and no per-event allocation. Multi-line `data:` values (rare from LLM providers) are
// joined into a scratch area after the live bytes.
import {
  DEFAULT_MAX_SSE_FRAME,
  SSE_HAS_EVENT,
  SSE_HAS_ID,
  SSE_STRIDE,
  SseFrameTooLarge,
  type SseFrameBatch,
  type SseFramer,
  type SseFramerOptions,
} from '../types.js';

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;

export class TsSseFramer implements SseFramer {
  private readonly maxFrame: number;
  private acc = new Uint8Array(8192);
  private accLen = 0;
  /** Start of the first unterminated line. */
  private pos = 0;
  /** Start of the frame being built (everything before it is consumed). */
  private frameStart = 0;
  private skipLf = false;
  private bomPending = true;
  /** Set by a blank line: the next frame starts after it. */
  private atBoundary = false;
  // fields of the frame in progress, as spans into `acc`
  private evStart = -1;
  private evEnd = -1;
  private dataSpans = new Int32Array(8);
  private dataCount = 0;
  private retry = -1;
  /** Persisting last-event-ID buffer (spec: it survives across events). */
  private lastId: Uint8Array | null = null;
  // output
  private out = new Int32Array(SSE_STRIDE * 16);
  private count = 0;
  private scratchLen = 0;

  constructor(opts: SseFramerOptions = {}) {
    this.maxFrame = opts.maxFrameBytes ?? DEFAULT_MAX_SSE_FRAME;
  }

  push(chunk: Uint8Array): SseFrameBatch {
    this.count = 0;
    this.scratchLen = 0;
    this.compact();
    this.append(chunk);
    if (this.bomPending && !this.stripBom()) return this.batch();
    this.scan();
    if (this.accLen - this.frameStart > this.maxFrame) throw new SseFrameTooLarge(this.maxFrame);
    return this.batch();
  }

  end(): boolean {
    const pending = this.dataCount > 0 || this.evStart >= 0 || this.accLen > this.pos;
    this.accLen = this.pos = this.frameStart = 0;
    this.skipLf = false;
    this.resetFrame();
    return pending;
  }

  private batch(): SseFrameBatch {
    return { count: this.count, bytes: this.acc, offsets: this.out };
  }

  /** Drops consumed bytes, shifting the spans of the frame in progress. */
  private compact(): void {
    const shift = this.frameStart;
    if (shift === 0) return;
    this.acc.copyWithin(0, shift, this.accLen);
    this.accLen -= shift;
    this.pos -= shift;
    this.frameStart = 0;
    if (this.evStart >= 0) {
      this.evStart -= shift;
      this.evEnd -= shift;
    }
    for (let i = 0; i < this.dataCount * 2; i++) this.dataSpans[i]! -= shift;
  }

  private append(chunk: Uint8Array): void {
    this.reserve(this.accLen + chunk.length);
    this.acc.set(chunk, this.accLen);
    this.accLen += chunk.length;
  }

  private reserve(n: number): void {
    if (n <= this.acc.length) return;
    let cap = this.acc.length * 2;
    while (cap < n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.acc.subarray(0, this.accLen + this.scratchLen));
    this.acc = next;
  }

  /** Returns false while the first bytes could still be a split BOM. */
  private stripBom(): boolean {
    const a = this.acc;
    const n = this.accLen;
    if (n >= 1 && a[0] !== 0xef) return (this.bomPending = false), true;
    if (n >= 2 && a[1] !== 0xbb) return (this.bomPending = false), true;
    if (n < 3) return false;
    this.bomPending = false;
    if (a[2] === 0xbf) this.pos = this.frameStart = 3;
    return true;
  }

  private scan(): void {
    const a = this.acc;
    let i = this.pos;
    const n = this.accLen;
    if (this.skipLf && i < n) {
      if (a[i] === LF) {
        i++;
        this.pos = i;
        if (this.frameStart === i - 1) this.frameStart = i;
      }
      this.skipLf = false;
    }
    let lineStart = i;
    while (i < n) {
      const c = a[i]!;
      if (c !== LF && c !== CR) {
        i++;
        continue;
      }
      this.line(lineStart, i);
      i++;
      if (c === CR) {
        if (i < n) {
          if (a[i] === LF) i++;
        } else {
          this.skipLf = true;
        }
      }
      lineStart = i;
      this.pos = i;
      if (this.atBoundary) {
        this.frameStart = i;
        this.atBoundary = false;
      }
    }
  }

  private line(start: number, end: number): void {
    const a = this.acc;
    if (start === end) {
      this.dispatch();
      this.atBoundary = true;
      return;
    }
    if (a[start] === COLON) return;
    let colon = start;
    while (colon < end && a[colon] !== COLON) colon++;
    let vs = colon < end ? colon + 1 : end;
    if (vs < end && a[vs] === SPACE) vs++;
    const nameLen = colon - start;
    if (nameLen === 4) {
      if (a[start] === 0x64 && a[start + 1] === 0x61 && a[start + 2] === 0x74 && a[start + 3] === 0x61) {
        this.addData(vs, end); // data
      }
    } else if (nameLen === 5) {
      if (a[start] === 0x65 && a[start + 1] === 0x76 && a[start + 2] === 0x65 && a[start + 3] === 0x6e && a[start + 4] === 0x74) {
        this.evStart = vs; // event
        this.evEnd = end;
      } else if (a[start] === 0x72 && a[start + 1] === 0x65 && a[start + 2] === 0x74 && a[start + 3] === 0x72 && a[start + 4] === 0x79) {
        this.setRetry(vs, end); // retry
      }
    } else if (nameLen === 2 && a[start] === 0x69 && a[start + 1] === 0x64) {
      const v = a.subarray(vs, end);
      if (v.indexOf(0) < 0) this.lastId = v.length === 0 ? null : v.slice(); // id (no NULL)
    }
  }

  private addData(s: number, e: number): void {
    const k = this.dataCount * 2;
    if (k + 2 > this.dataSpans.length) {
      const next = new Int32Array(this.dataSpans.length * 2);
      next.set(this.dataSpans);
      this.dataSpans = next;
    }
    this.dataSpans[k] = s;
    this.dataSpans[k + 1] = e;
    this.dataCount++;
  }

  private setRetry(s: number, e: number): void {
    if (s === e) return;
    let v = 0;
    for (let i = s; i < e; i++) {
      const d = this.acc[i]! - 0x30;
      if (d < 0 || d > 9) return;
      v = v * 10 + d;
      if (v > 0x7fffffff) return;
    }
    this.retry = v;
  }

  private dispatch(): void {
    if (this.dataCount === 0) {
      this.evStart = this.evEnd = -1;
      return;
    }
    const k = this.count * SSE_STRIDE;
    if (k + SSE_STRIDE > this.out.length) {
      const next = new Int32Array(this.out.length * 2);
      next.set(this.out);
      this.out = next;
    }
    const o = this.out;
    let flags = 0;
    if (this.evStart >= 0) {
      flags |= SSE_HAS_EVENT;
      o[k] = this.evStart;
      o[k + 1] = this.evEnd;
    } else {
      o[k] = o[k + 1] = 0;
    }
    if (this.dataCount === 1) {
      o[k + 2] = this.dataSpans[0]!;
      o[k + 3] = this.dataSpans[1]!;
    } else {
      this.joinData(k);
    }
    if (this.lastId !== null) {
      flags |= SSE_HAS_ID;
      const s = this.writeScratch(this.lastId);
      o[k + 4] = s;
      o[k + 5] = s + this.lastId.length;
    } else {
      o[k + 4] = o[k + 5] = 0;
    }
    o[k + 6] = flags;
    o[k + 7] = this.retry;
    this.count++;
    this.resetFrame();
  }

  /** Multi-line data: "a\n" + "b" joined into the scratch area after the live bytes. */
  private joinData(k: number): void {
    let len = this.dataCount - 1;
    for (let i = 0; i < this.dataCount; i++) len += this.dataSpans[i * 2 + 1]! - this.dataSpans[i * 2]!;
    this.reserve(this.accLen + this.scratchLen + len);
    const start = this.accLen + this.scratchLen;
    let w = start;
    for (let i = 0; i < this.dataCount; i++) {
      if (i > 0) this.acc[w++] = LF;
      const s = this.dataSpans[i * 2]!;
      const e = this.dataSpans[i * 2 + 1]!;
      this.acc.copyWithin(w, s, e);
      w += e - s;
    }
    this.scratchLen += len;
    this.out[k + 2] = start;
    this.out[k + 3] = w;
  }

  private writeScratch(v: Uint8Array): number {
    this.reserve(this.accLen + this.scratchLen + v.length);
    const s = this.accLen + this.scratchLen;
    this.acc.set(v, s);
    this.scratchLen += v.length;
    return s;
  }

  private resetFrame(): void {
    this.evStart = this.evEnd = -1;
    this.dataCount = 0;
    this.retry = -1;
  }
}
