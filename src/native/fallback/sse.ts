// Pure-TS SSE framer, the twin of native/src/sse.rs. One growable byte buffer holds the
// unconsumed stream; completed frames are reported as spans into it, so a chunk costs one
// copy and no per-event allocation. Layout: live bytes [0, accLen), one sentinel byte at
// accLen that bounds memchr searches, then a scratch area where multi-line `data:` values
// (rare from LLM providers) are joined and the last event ID is copied.
import {
  maxFrameBytes,
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
  /** Allocated by the first push at the size it needs: streams differ from 100 B to 16 KiB reads. */
  private acc = new Uint8Array(0);
  /** Buffer view of `acc` for Node's memchr-based indexOf; replaced whenever `acc` is. */
  private view = Buffer.from(this.acc.buffer);
  private accLen = 0;
  /** Start of the first unterminated line. */
  private pos = 0;
  /**
   * Bytes before this hold no line end past `pos`: a long line arriving in many reads is
   * searched once, not once per read.
   */
  private searched = 0;
  /** Start of the frame being built (everything before it is consumed). */
  private frameStart = 0;
  private skipLf = false;
  private bomPending = true;
  /** Set by SseFrameTooLarge: the stream is dead until end(). */
  private failed = false;
  // fields of the frame in progress, as spans into `acc`
  private evStart = -1;
  private evEnd = -1;
  private dataSpans = new Int32Array(8);
  private dataCount = 0;
  /** Last valid `retry:` since the previous emitted frame (frames without data carry it on). */
  private retry = -1;
  /** Persisting last-event-ID buffer (spec: it survives across events). */
  private lastId: Uint8Array | null = null;
  // output
  private out = new Int32Array(SSE_STRIDE * 16);
  private count = 0;
  private scratchLen = 0;

  constructor(opts: SseFramerOptions = {}) {
    this.maxFrame = maxFrameBytes(opts);
  }

  push(chunk: Uint8Array): SseFrameBatch {
    this.count = 0;
    this.scratchLen = 0;
    if (this.failed) throw new SseFrameTooLarge(this.maxFrame);
    this.compact();
    this.append(chunk);
    if (this.bomPending && !this.stripBom()) return this.batch();
    if (!this.scan() || this.accLen - this.frameStart > this.maxFrame) this.fail();
    return this.batch();
  }

  end(): boolean {
    const pending = this.failed || this.accLen > this.frameStart;
    this.accLen = this.pos = this.searched = this.frameStart = 0;
    this.skipLf = this.failed = false;
    this.bomPending = true;
    this.lastId = null;
    this.resetFrame();
    return pending;
  }

  /**
   * An oversize frame fails the whole stream: frames completed earlier in the same chunk are
   * dropped too (the caller is about to abort it), and the buffer is released.
   */
  private fail(): never {
    this.failed = true;
    this.count = 0;
    this.acc = new Uint8Array(0);
    this.view = Buffer.from(this.acc.buffer);
    this.accLen = this.pos = this.searched = this.frameStart = 0;
    this.resetFrame();
    throw new SseFrameTooLarge(this.maxFrame);
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
    this.searched -= shift;
    this.frameStart = 0;
    if (this.evStart >= 0) {
      this.evStart -= shift;
      this.evEnd -= shift;
    }
    for (let i = 0; i < this.dataCount * 2; i++) this.dataSpans[i]! -= shift;
  }

  private append(chunk: Uint8Array): void {
    this.reserve(this.accLen + chunk.length + 1); // + the sentinel
    this.acc.set(chunk, this.accLen);
    this.accLen += chunk.length;
  }

  private reserve(n: number): void {
    if (n <= this.acc.length) return;
    let cap = Math.max(this.acc.length * 2, 4096);
    while (cap < n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.acc.subarray(0, this.scratchStart() + this.scratchLen));
    this.acc = next;
    this.view = Buffer.from(next.buffer);
  }

  /** Returns false while the first bytes could still be a split BOM. */
  private stripBom(): boolean {
    const a = this.acc;
    const n = this.accLen;
    if ((n >= 1 && a[0] !== 0xef) || (n >= 2 && a[1] !== 0xbb)) {
      this.bomPending = false;
      return true;
    }
    if (n < 3) return false;
    this.bomPending = false;
    if (a[2] === 0xbf) this.pos = this.searched = this.frameStart = 3;
    return true;
  }

  /** Consumes every complete line; false when a frame ended over the size limit. */
  private scan(): boolean {
    const n = this.accLen;
    let i = this.pos;
    if (this.skipLf && i < n) {
      this.skipLf = false;
      if (this.acc[i] === LF) {
        i++;
        if (this.frameStart === i - 1) this.frameStart = i;
        this.pos = i;
      }
    }
    // Buffer#indexOf is Node's memchr: ~15 ns a line whatever its length, where a JS byte loop
    // costs ~1 ns a byte. It finds one byte, so it serves streams without CR (every LLM
    // provider's); the unscanned bytes are checked once per push, and the partial line kept
    // from the previous push holds no CR or LF by construction. The sentinel at acc[n] stops
    // each search at the live bytes' end: first as a CR for the check, then as an LF.
    let from = Math.max(i, this.searched);
    this.searched = n;
    this.acc[n] = CR;
    const lfOnly = this.view.indexOf(CR, from) === n;
    this.acc[n] = LF;
    for (;;) {
      const end = lfOnly ? this.view.indexOf(LF, from) : this.lineEnd(from, n);
      if (end === n || end < 0) return true;
      let next = end + 1;
      if (this.acc[end] === CR) {
        if (next < n) {
          if (this.acc[next] === LF) next++;
        } else {
          this.skipLf = true;
        }
      }
      if (end === i) {
        // A blank line ends the frame; its size decides before anything is emitted.
        if (end - this.frameStart > this.maxFrame) return false;
        this.dispatch();
        this.frameStart = next;
      } else {
        this.line(i, end);
      }
      i = from = this.pos = next;
    }
  }

  /** First CR or LF at or after i, or n. */
  private lineEnd(i: number, n: number): number {
    const a = this.acc;
    for (; i < n; i++) {
      const c = a[i]!;
      if (c === LF || c === CR) return i;
    }
    return n;
  }

  /** One non-empty line: a comment or a field. */
  private line(start: number, end: number): void {
    const a = this.acc;
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
      // Spec: no data means no event; the event type resets, `retry` carries on.
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
    if (this.evEnd > this.evStart) {
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
    this.reserve(this.scratchStart() + this.scratchLen + len);
    const start = this.scratchStart() + this.scratchLen;
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
    this.reserve(this.scratchStart() + this.scratchLen + v.length);
    const s = this.scratchStart() + this.scratchLen;
    this.acc.set(v, s);
    this.scratchLen += v.length;
    return s;
  }

  /** Scratch follows the live bytes and their sentinel. */
  private scratchStart(): number {
    return this.accLen + 1;
  }

  private resetFrame(): void {
    this.evStart = this.evEnd = -1;
    this.dataCount = 0;
    this.retry = -1;
  }
}
