// Provider selection for an AI backend with priority groups (agentgateway's `ai.groups`):
// the first group that still has a provider in rotation is used (failover happens only by
// eviction), and inside it pick-2 over health and latency chooses, through the native facade
// (Rust addon or its TS twin, whichever the facade picks). The state outlives a snapshot: it is
// created through runtime/live-objects.ts, keyed by the backend and its group layout.
import { createPickTwo, type PickTwo } from '../native/index.js';
import { liveBucket } from './buckets.js';

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

/** Pick-2 state per group plus the consecutive-failure counts agentgateway's eviction needs. */
export class BalancerState {
  readonly buckets: PickTwo[];
  readonly consecutive: Int32Array[];

  constructor(readonly sizes: readonly number[]) {
    this.buckets = sizes.map((n) => createPickTwo(n));
    this.consecutive = sizes.map((n) => new Int32Array(n));
  }

  /** Group and provider for the next attempt. */
  pick(nowMs: number): Slot {
    const bucket = liveBucket(this.buckets, nowMs);
    const index = this.buckets[bucket]!.pick(nowMs);
    return { bucket, index };
  }

  started(s: Slot): void {
    this.buckets[s.bucket]!.start(s.index);
  }

  /**
   * Records an attempt. An unhealthy one evicts when `evictMs` is given and the thresholds say
   * so: with none set any unhealthy response evicts, with both either suffices (agentgateway's
   * rule; the health compared is the EWMA before this response).
   */
  finished(s: Slot, latencySeconds: number, healthy: boolean, nowMs: number, evictMs: number | null, rule: EvictionDecision): Outcome {
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

function crossesThreshold(rule: EvictionDecision, healthBefore: number, failures: number): boolean {
  const { healthThreshold, consecutiveFailures } = rule;
  if (healthThreshold === undefined && consecutiveFailures === undefined) return true;
  const lowHealth = healthThreshold !== undefined && healthBefore < healthThreshold;
  const tooMany = consecutiveFailures !== undefined && failures >= consecutiveFailures;
  return lowHealth || tooMany;
}
