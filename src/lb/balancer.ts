// Provider selection for an AI backend with priority groups (agentgateway's `ai.groups`):
// the first group that still has a provider in rotation is used (failover happens only by
// eviction), and inside it pick-2 over health and latency chooses, through the native facade
// (Rust addon or its TS twin, whichever the facade picks). The state outlives a snapshot: it is
// created through runtime/live-objects.ts, keyed by the backend and its group layout.
import { createPickTwo, type PickTwo } from '../native/index.js';
import { liveBucket } from './buckets.js';
import { TsPickTwo } from './p2c.js';

export interface Slot {
  readonly bucket: number;
  readonly index: number;
}

/** What one attempt's outcome did to its provider, for the caller's logs and tests. */
export interface Outcome {
  readonly evictedForMs: number | null;
}

export interface EvictionDecision {
  /** Health EWMA below which an unhealthy response evicts (undefined: not used). */
  readonly healthThreshold?: number;
  /** Unhealthy responses in a row that evict (undefined: not used). */
  readonly consecutiveFailures?: number;
}

/** Memory every thread of the gateway shares (policies/shared-arena.ts's SharedArena). */
export interface SharedMemory {
  readonly buffer: SharedArrayBuffer;
  /** Byte offset of the zero-filled region named `name`, the same for every thread; -1: full. */
  region(name: string, bytes: number): number;
  /** The lock named `name`, the same for every thread (a structure's own). */
  lock(name: string): SharedLockLike;
}

export interface SharedLockLike {
  locked<T>(fn: () => T): T;
}

/**
 * Pick-2 state per group plus the consecutive-failure counts agentgateway's eviction needs.
 * With worker threads (`shared`), both live in shared memory under the backend's name, so
 * in-flight counts, latency and health, evictions and failure counts are the gateway's, not
 * one thread's; updates run under the backend's own lock (a few float read-modify-writes), picks
 * read without it. The TypeScript twin runs there: the Rust one keeps its columns in its own memory.
 */
export class BalancerState {
  readonly buckets: PickTwo[];
  readonly consecutive: Int32Array[];
  private readonly lock: <T>(fn: () => T) => T;

  constructor(
    readonly sizes: readonly number[],
    shared: { memory: SharedMemory; name: string } | null = null,
  ) {
    const lock = shared === null ? null : shared.memory.lock(shared.name);
    const regions = shared === null ? null : sizes.map((n, b) => sharedBucket(shared.memory, lock!, `${shared.name}#${b}`, n));
    if (regions === null || regions.some((r) => r === null)) {
      this.buckets = sizes.map((n) => createPickTwo(n));
      this.consecutive = sizes.map((n) => new Int32Array(n));
      this.lock = (fn) => fn();
      return;
    }
    this.buckets = regions.map((r) => r!.p2c);
    this.consecutive = regions.map((r) => r!.consecutive);
    this.lock = (fn) => lock!.locked(fn);
  }

  /** Group and provider for the next attempt. */
  pick(nowMs: number): Slot {
    const bucket = liveBucket(this.buckets, nowMs);
    const index = this.buckets[bucket]!.pick(nowMs);
    return { bucket, index };
  }

  started(s: Slot): void {
    this.lock(() => this.buckets[s.bucket]!.start(s.index));
  }

  /**
   * Records an attempt. An unhealthy one evicts when `evictMs` is given and the thresholds say
   * so: with none set any unhealthy response evicts, with both either suffices (agentgateway's
   * rule; the health compared is the EWMA before this response).
   */
  finished(s: Slot, latencySeconds: number, healthy: boolean, nowMs: number, evictMs: number | null, rule: EvictionDecision): Outcome {
    return this.lock(() => this.record(s, latencySeconds, healthy, nowMs, evictMs, rule));
  }

  private record(
    s: Slot,
    latencySeconds: number,
    healthy: boolean,
    nowMs: number,
    evictMs: number | null,
    rule: EvictionDecision,
  ): Outcome {
    const p2c = this.buckets[s.bucket]!;
    const counts = this.consecutive[s.bucket]!;
    const healthBefore = p2c.state.health[s.index]!;
    p2c.finish(s.index, latencySeconds, healthy);
    if (healthy) {
      counts[s.index] = 0;
      return { evictedForMs: null };
    }
    const failures = (counts[s.index] = counts[s.index]! + 1);
    if (evictMs === null || !crossesThreshold(rule, healthBefore, failures)) return { evictedForMs: null };
    const times = p2c.state.timesEjected[s.index]!;
    if (!p2c.evict(s.index, nowMs, evictMs)) return { evictedForMs: null };
    counts[s.index] = 0;
    return { evictedForMs: evictMs * (times + 1) };
  }

  /** Eviction time a provider-announced reset asks for, as a base the multiplier turns back into it. */
  baseFor(s: Slot, announcedMs: number): number {
    return announcedMs / (this.buckets[s.bucket]!.state.timesEjected[s.index]! + 1);
  }

  isEvicted(s: Slot, nowMs: number): boolean {
    return this.buckets[s.bucket]!.isEvicted(s.index, nowMs);
  }
}

/** Region layout: init flag, change counter (Int32 each), the six Float64 columns, the failure counts. */
function sharedBucket(
  memory: SharedMemory,
  lock: SharedLockLike,
  name: string,
  n: number,
): { p2c: PickTwo; consecutive: Int32Array } | null {
  const at = memory.region(name, 8 + 6 * n * 8 + n * 4);
  if (at < 0) return null;
  const head = new Int32Array(memory.buffer, at, 2);
  const columns = new Float64Array(memory.buffer, at + 8, 6 * n);
  lock.locked(() => {
    if (head[0] !== 0) return;
    columns.fill(1, 0, n); // weight
    columns.fill(1, 3 * n, 4 * n); // health
    head[0] = 1;
  });
  const p2c = new TsPickTwo(n, (Math.random() * 2 ** 32) >>> 0, { columns, changes: head.subarray(1, 2) });
  return { p2c, consecutive: new Int32Array(memory.buffer, at + 8 + 6 * n * 8, n) };
}

function crossesThreshold(rule: EvictionDecision, healthBefore: number, failures: number): boolean {
  const { healthThreshold, consecutiveFailures } = rule;
  if (healthThreshold === undefined && consecutiveFailures === undefined) return true;
  const lowHealth = healthThreshold !== undefined && healthBefore < healthThreshold;
  const tooMany = consecutiveFailures !== undefined && failures >= consecutiveFailures;
  return lowHealth || tooMany;
}
