// Per-key and per-team rate limits of virtual keys: the token buckets of `localRateLimit`, one per
// key (or one per team, shared by its keys), kept in this process with the file store and in
// Redis with the Redis store (so replicas share them, as `redisRateLimit` buckets). A refusal is
// the same 429 with Retry-After and x-ratelimit-* as any rate limit; allowed requests carry the
// x-ratelimit-* of the most constrained bucket.
import { durationMs } from '../config/schema/common.js';
import { StoreUnavailable } from '../keys/store.js';
import { LocalBuckets, takeAll } from './local-rate-limit.js';
import { headersOf, mostConstrained, rejection, type RateLimitedRequest } from './rate-limit.js';
import type { Verdict } from './rate-limit-types.js';
import type { RedisBucketRef, RedisBuckets } from './redis-rate-limit.js';
import type { BucketSpec } from './token-bucket.js';

/** One bucket spec, as a key or team record writes it. */
export interface KeyLimitSpec {
  readonly type?: 'requests' | 'tokens' | undefined;
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillInterval: string;
}

/** The limits of one scope (`key:<id>` or `team:<name>`). */
export interface ScopedLimits {
  readonly scope: string;
  readonly limits: readonly KeyLimitSpec[];
}

interface Bound {
  readonly spec: BucketSpec & { readonly type: 'requests' | 'tokens' };
  /** Bucket key: the scope and the spec (a changed spec starts a fresh bucket). */
  readonly key: string;
}

export class KeyLimiter {
  /** Local buckets per spec, each keyed by scope (bounded and swept by LocalBuckets). */
  private readonly local = new Map<string, LocalBuckets>();

  constructor(
    /** The Redis store's buckets (shared by replicas), or null: in this process. */
    private readonly redis: { readonly client: RedisBuckets; readonly prefix: string } | null,
  ) {}

  /** Takes one request from every bucket of the scopes, or throws the 429. */
  admit(req: RateLimitedRequest, scoped: readonly ScopedLimits[]): void | Promise<void> {
    const bound: Bound[] = [];
    for (const s of scoped) for (const l of s.limits) bound.push(bind(s.scope, l));
    if (bound.length === 0) return;
    const take = bound.map((b) => (b.spec.type === 'requests' ? 1 : 0));
    if (this.redis !== null) return this.admitRedis(req, this.redis, bound, take);
    const now = performance.now();
    const buckets = bound.map((b) => this.bucketsFor(b).bucket(b.key, now));
    const verdicts = takeAll(
      buckets,
      bound.map((b) => b.spec),
      take,
      now,
    );
    if (verdicts.some((v) => !v.allowed))
      throw rejection(
        req,
        verdicts,
        bound.map((b) => b.spec),
        'local',
      );
    this.admitted(req, verdicts, bound, (tokens, i) => buckets[i]!.debit(tokens, performance.now()));
  }

  private async admitRedis(
    req: RateLimitedRequest,
    r: { readonly client: RedisBuckets; readonly prefix: string },
    bound: Bound[],
    take: number[],
  ): Promise<void> {
    const refs: RedisBucketRef[] = bound.map((b) => ({ key: `${r.prefix}${b.key}`, spec: b.spec }));
    let verdicts: Verdict[];
    try {
      verdicts = await r.client.takeAll(refs, take);
    } catch (e) {
      throw new StoreUnavailable(`key rate limits: ${(e as Error).message}`);
    }
    if (verdicts.some((v) => !v.allowed))
      throw rejection(
        req,
        verdicts,
        bound.map((b) => b.spec),
        'remote',
      );
    this.admitted(req, verdicts, bound, (tokens, i) => r.client.debit([refs[i]!], tokens));
  }

  private admitted(req: RateLimitedRequest, verdicts: Verdict[], bound: Bound[], debit: (tokens: number, i: number) => void): void {
    req.addResponseHeaders(headersOf(mostConstrained(verdicts)));
    const tokenBuckets = bound.map((b, i) => (b.spec.type === 'tokens' ? i : -1)).filter((i) => i >= 0);
    if (tokenBuckets.length > 0) req.onTokens((tokens) => tokenBuckets.forEach((i) => debit(tokens, i)));
  }

  /** Live-state disposal: the Redis connection of the buckets. */
  dispose(): void {
    this.redis?.client.dispose();
  }

  private bucketsFor(b: Bound): LocalBuckets {
    const id = specId(b.spec);
    let buckets = this.local.get(id);
    if (buckets === undefined) this.local.set(id, (buckets = new LocalBuckets(b.spec)));
    return buckets;
  }
}

function bind(scope: string, l: KeyLimitSpec): Bound {
  const spec = {
    type: l.type ?? 'requests',
    maxTokens: l.maxTokens,
    tokensPerFill: l.tokensPerFill,
    intervalMs: durationMs(l.fillInterval),
  };
  return { spec, key: `${scope}\u0000${specId(spec)}` };
}

function specId(s: BucketSpec & { type: string }): string {
  return `${s.type}/${s.maxTokens}/${s.tokensPerFill}/${s.intervalMs}`;
}
