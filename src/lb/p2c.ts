// Pure-TS pick-2 load balancer, the twin of native/src/p2c.rs: same mulberry32 generator, same
// f64 arithmetic in the same order, so a seed gives the same picks in both. The state is one
// Float64Array of columns (P2C_COLUMNS), exposed as live views for the admin API.
import type { PickTwo, PickTwoState } from '../native/types.js';

const ALPHA = 0.3;
const KEEP = 0.7;
/** Health at which repeated ejection stops growing the eviction time (from 0.7: four successes). */
const RECOVERED_HEALTH = 0.9;

/**
 * Columns in memory every worker thread shares (`--workers N`, see balancer.ts), and a word
 * bumped on each eviction or weight change, so a thread's cached candidate set notices another
 * thread's eviction.
 */
export interface SharedColumns {
  /** P2C_COLUMNS in order, `size` values each, initialised by whoever created the region. */
  readonly columns: Float64Array;
  readonly changes: Int32Array;
}

export class TsPickTwo implements PickTwo {
  readonly state: PickTwoState;
  private readonly w: Float64Array;
  private readonly pending: Float64Array;
  private readonly latency: Float64Array;
  private readonly health: Float64Array;
  private readonly until: Float64Array;
  private readonly ejected: Float64Array;
  private rng: number;
  /** Cumulative candidate weights; non-candidates repeat the running sum (see refresh). */
  private readonly cum: Float64Array;
  private total = 0;
  private dirty = true;
  private validUntil = 0;
  private refreshedAt = 0;
  private readonly changes: Int32Array | null;
  private changesSeen = 0;

  constructor(
    readonly size: number,
    seed: number,
    shared?: SharedColumns,
  ) {
    if (!(Number.isInteger(size) && size >= 0 && size <= 65536)) {
      throw new RangeError('endpoint count must be an integer between 0 and 65536');
    }
    const buf = shared?.columns ?? new Float64Array(Math.max(size * 6, 1));
    const col = (k: number): Float64Array => buf.subarray(k * size, (k + 1) * size);
    [this.w, this.pending, this.latency, this.health, this.until, this.ejected] = [0, 1, 2, 3, 4, 5].map(col) as [
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Float64Array,
    ];
    if (shared === undefined) {
      this.w.fill(1);
      this.health.fill(1);
    }
    this.changes = shared?.changes ?? null;
    this.state = {
      weight: this.w,
      pending: this.pending,
      latency: this.latency,
      health: this.health,
      evictedUntil: this.until,
      timesEjected: this.ejected,
    };
    this.cum = new Float64Array(size);
    this.rng = seed >>> 0;
  }

  setWeight(i: number, weight: number): void {
    this.check(i);
    if (!(Number.isFinite(weight) && weight >= 0)) throw valueError();
    this.w[i] = weight;
    this.changed();
  }

  pick(nowMs: number): number {
    if (this.dirty || nowMs >= this.validUntil || nowMs < this.refreshedAt || this.othersChanged()) this.refresh(nowMs);
    if (this.total <= 0) return -1;
    const a = this.sample();
    const b = this.sample();
    return this.score(b) > this.score(a) ? b : a;
  }

  start(i: number): void {
    this.check(i);
    this.pending[i]! += 1;
  }

  finish(i: number, latencySeconds: number, ok: boolean): void {
    this.check(i);
    if (!(Number.isFinite(latencySeconds) && latencySeconds >= 0)) throw valueError();
    this.pending[i] = Math.max(this.pending[i]! - 1, 0);
    this.latency[i] = ALPHA * latencySeconds + KEEP * this.latency[i]!;
    const health = ALPHA * (ok ? 1 : 0) + KEEP * this.health[i]!;
    this.health[i] = health;
    if (ok && health >= RECOVERED_HEALTH) this.ejected[i] = 0;
  }

  evict(i: number, nowMs: number, baseDurationMs: number): boolean {
    this.check(i);
    if (!(Number.isFinite(baseDurationMs) && baseDurationMs > 0 && Number.isFinite(nowMs))) throw valueError();
    if (this.until[i]! > nowMs) return false; // one incident's in-flight failures evict once
    const times = this.ejected[i]!;
    this.until[i] = nowMs + baseDurationMs * (times + 1);
    this.ejected[i] = times + 1;
    this.changed();
    return true;
  }

  isEvicted(i: number, nowMs: number): boolean {
    this.check(i);
    return this.until[i]! > nowMs;
  }

  activeCount(nowMs: number): number {
    let n = 0;
    for (let i = 0; i < this.size; i++) if (this.w[i]! > 0 && this.until[i]! <= nowMs) n++;
    return n;
  }

  private changed(): void {
    this.dirty = true;
    if (this.changes !== null) Atomics.add(this.changes, 0, 1);
  }

  private othersChanged(): boolean {
    return this.changes !== null && Atomics.load(this.changes, 0) !== this.changesSeen;
  }

  private check(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.size)) throw new RangeError('endpoint index out of range');
  }

  private score(i: number): number {
    return this.health[i]! / (1 + this.latency[i]! * (1 + 0.1 * this.pending[i]!));
  }

  /**
   * Candidates: weighted endpoints that are not evicted, or all weighted ones when every one is
   * evicted (traffic must go somewhere). Valid until a change or the next eviction expiry.
   */
  private refresh(now: number): void {
    if (this.changes !== null) this.changesSeen = Atomics.load(this.changes, 0);
    let anyLive = false;
    let nextExpiry = Infinity;
    for (let i = 0; i < this.size; i++) {
      const until = this.until[i]!;
      if (until > now) nextExpiry = Math.min(nextExpiry, until);
      else if (this.w[i]! > 0) anyLive = true;
    }
    let acc = 0;
    for (let i = 0; i < this.size; i++) {
      const w = this.w[i]!;
      if (w > 0 && (!anyLive || this.until[i]! <= now)) acc += w;
      this.cum[i] = acc;
    }
    this.total = acc;
    this.dirty = false;
    this.validUntil = nextExpiry;
    this.refreshedAt = now;
  }

  /** Weighted draw: the first index whose cumulative weight exceeds r. */
  private sample(): number {
    const r = this.nextRandom() * this.total;
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cum[mid]! > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** mulberry32, bit-for-bit the generator in p2c.rs. */
  private nextRandom(): number {
    const a = (this.rng = (this.rng + 0x6d2b79f5) | 0);
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function valueError(): RangeError {
  return new RangeError('weights, latencies and durations must be finite and non-negative');
}
