// `localRateLimit`: token buckets in this process, one per limit, or one per client when the
// limit has a `key` expression. Checking every limit and taking from them happens in one
// synchronous step, so concurrent requests never see a half-applied set of limits.
import { sharedArena } from './shared-arena.js';
import type { Verdict } from './rate-limit-types.js';
import { SharedBucketTable } from './shared-buckets.js';
import type { BucketSpec } from './token-bucket.js';
import { TokenBucket } from './token-bucket.js';

/** Keyed buckets kept before full (stateless) ones are forgotten. */
const MAX_KEYED_BUCKETS = 10_000;

export class LocalBuckets {
  private readonly byKey = new Map<string, TokenBucket>();
  /** With worker threads: the gateway-wide table, and this limit's part of each bucket's name. */
  private readonly shared: SharedBucketTable | null;
  private readonly prefix: string;

  /** `id`: the limit's stable id (route and index), which names its buckets in shared memory. */
  constructor(
    readonly spec: BucketSpec,
    id = '',
  ) {
    this.shared = sharedTable();
    this.prefix = `${id}\u0000${spec.maxTokens}/${spec.tokensPerFill}/${spec.intervalMs}\u0000`;
  }

  /** The bucket for `key`; with worker threads, call it inside `lockedBuckets`. */
  bucket(key: string, nowMs: number): TokenBucket {
    if (this.shared !== null) return this.shared.bucket(this.spec, this.prefix + key, nowMs);
    let b = this.byKey.get(key);
    if (b === undefined) {
      if (this.byKey.size >= MAX_KEYED_BUCKETS) this.sweep(nowMs);
      b = new TokenBucket(this.spec, nowMs);
      this.byKey.set(key, b);
    }
    return b;
  }

  /** Forgets full buckets; if every one is in use, the oldest goes (it restarts full). */
  private sweep(nowMs: number): void {
    for (const [k, b] of this.byKey) if (b.isFull(nowMs)) this.byKey.delete(k);
    if (this.byKey.size >= MAX_KEYED_BUCKETS) this.byKey.delete(this.byKey.keys().next().value!);
  }

  get size(): number {
    return this.byKey.size;
  }
}

let table: SharedBucketTable | null | undefined;

function sharedTable(): SharedBucketTable | null {
  if (table !== undefined) return table;
  const arena = sharedArena();
  if (arena === null) return null;
  const offset = arena.region('localRateLimit', SharedBucketTable.bytes());
  table = offset < 0 ? null : new SharedBucketTable(arena, offset);
  return table;
}

/**
 * Runs `fn` (bucket lookups, takes, refunds, debits) as one step for every thread of the
 * gateway: under the shared table's lock with worker threads, directly without.
 */
export function lockedBuckets<T>(fn: () => T): T {
  const t = sharedTable();
  return t === null ? fn() : t.locked(fn);
}

/**
 * Every bucket must hold at least one token; only then is `take[i]` taken from each. Returns
 * one verdict per bucket, in order.
 */
export function takeAll(buckets: readonly TokenBucket[], specs: readonly BucketSpec[], take: readonly number[], nowMs: number): Verdict[] {
  let allowed = true;
  for (const b of buckets) {
    b.refill(nowMs);
    if (b.tokens < 1) allowed = false;
  }
  return buckets.map((b, i) => {
    if (allowed) b.tokens -= take[i]!;
    return {
      allowed: allowed || b.tokens >= 1,
      limit: specs[i]!.maxTokens,
      remaining: b.tokens,
      resetMs: Math.max(0, b.nextFillAt - nowMs),
    };
  });
}
