// A route's rate limits (`localRateLimit` and `redisRateLimit`), applied once per request:
// - every bucket must hold a token; a requests bucket gives one, a tokens bucket is debited the
//   request's LLM usage once the response is done (streams included);
// - refused: 429 in the caller's dialect with Retry-After and x-ratelimit-*; allowed: the
//   x-ratelimit-* of the most constrained bucket on the response;
// - local buckets first (synchronous, atomic); if Redis then refuses, the local tokens are given
//   back, so a request refused anywhere costs nothing anywhere.
import type { CelRequest } from '../cel/index.js';
import type { LocalBuckets } from './local-rate-limit.js';
import { lockedBuckets, takeAll } from './local-rate-limit.js';
import { takeOf, type LimitSpec, type Verdict } from './rate-limit-types.js';
import type { RedisBucketRef, RedisBuckets } from './redis-rate-limit.js';
import { GatewayError } from '../errors.js';
import type { RequestPolicy } from './types.js';
import { bucketClock, type TokenBucket } from './token-bucket.js';

/** What the policy needs of a request (the pipeline's RequestCtx, structurally). */
export interface RateLimitedRequest extends CelRequest {
  /** The pipeline's `limits` group (RequestCtx.limits). */
  readonly limits: {
    /**
     * Set when Redis could not answer: `failOpen`, the request went on without its Redis limits;
     * `failClosed`, it is refused with a 500 (an error, not a rate-limit rejection).
     */
    rateLimitFailure: 'failOpen' | 'failClosed' | undefined;
    /** Set when a limit refuses the request: which kind of bucket, and where it lives (for metrics). */
    rateLimitRefusal: { readonly type: 'requests' | 'tokens'; readonly scope: 'local' | 'remote' } | undefined;
  };
  addResponseHeaders(headers: readonly string[]): void;
  /** Called once with the request's LLM usage (input + output tokens) when it is done. */
  onTokens(cb: (tokens: number) => void): void;
}

export interface LocalLimit {
  readonly spec: LimitSpec;
  readonly buckets: LocalBuckets;
}

export interface RedisLimits {
  readonly client: RedisBuckets;
  readonly failOpen: boolean;
  /** Key prefix: `agw:rl:{<domain>}:` (the hash tag keeps a request's keys in one cluster slot). */
  readonly prefix: string;
  readonly limits: readonly LimitSpec[];
}

export class RateLimitPolicy implements RequestPolicy<RateLimitedRequest> {
  /** Some key reads the parsed LLM request: the policy runs once the body is parsed. */
  readonly needsLlm: boolean;

  constructor(
    private readonly local: readonly LocalLimit[],
    private readonly redis: RedisLimits | null,
  ) {
    const specs = [...local.map((l) => l.spec), ...(redis?.limits ?? [])];
    this.needsLlm = specs.some((s) => s.key?.needsLlm === true);
  }

  /** A request policy: admits the request (continue) or refuses it (throws rate_limited). */
  apply(req: RateLimitedRequest): undefined | Promise<undefined> {
    const now = bucketClock();
    // Keys are evaluated outside the lock (CEL can be slow); lookups and takes happen inside it.
    const keys = this.local.map((l) => l.spec.key?.evaluate(req) ?? '');
    const specs = this.local.map((l) => l.spec);
    let buckets: TokenBucket[] = [];
    const verdicts =
      keys.length === 0
        ? []
        : lockedBuckets(() => {
            buckets = this.local.map((l, i) => l.buckets.bucket(keys[i]!, now));
            return takeAll(buckets, specs, specs.map(takeOf), now);
          });
    if (verdicts.some((v) => !v.allowed)) throw rejection(req, verdicts, specs, 'local');
    if (this.redis === null) {
      this.admitted(req, verdicts, buckets, null);
      return undefined;
    }
    return this.admitRedis(req, this.redis, verdicts, buckets);
  }

  private async admitRedis(req: RateLimitedRequest, r: RedisLimits, localVerdicts: Verdict[], buckets: TokenBucket[]): Promise<undefined> {
    const refs: RedisBucketRef[] = r.limits.map((spec, i) => ({ key: `${r.prefix}${i}:${spec.key?.evaluate(req) ?? ''}`, spec }));
    let verdicts: Verdict[];
    try {
      verdicts = await r.client.takeAll(refs, r.limits.map(takeOf));
    } catch (e) {
      req.limits.rateLimitFailure = r.failOpen ? 'failOpen' : 'failClosed';
      if (r.failOpen) {
        this.admitted(req, localVerdicts, buckets, null);
        return undefined;
      }
      this.refund(buckets);
      // The limit could not be checked: an internal error, not a rejection by the limit.
      throw new GatewayError('rate_limit_unavailable', `rate limit service unavailable (${(e as Error).message})`);
    }
    if (verdicts.some((v) => !v.allowed)) {
      this.refund(buckets);
      throw rejection(req, verdicts, r.limits, 'remote');
    }
    this.admitted(req, [...localVerdicts, ...verdicts], buckets, refs);
    return undefined;
  }

  private admitted(req: RateLimitedRequest, verdicts: Verdict[], buckets: TokenBucket[], refs: RedisBucketRef[] | null): void {
    if (verdicts.length > 0) req.addResponseHeaders(headersOf(mostConstrained(verdicts)));
    const localTokens = buckets.filter((_, i) => this.local[i]!.spec.type === 'tokens');
    const redisTokens = refs?.filter((ref) => (ref.spec as LimitSpec).type === 'tokens') ?? [];
    if (localTokens.length === 0 && redisTokens.length === 0) return;
    req.onTokens((tokens) => {
      const now = bucketClock();
      lockedBuckets(() => {
        for (const b of localTokens) b.debit(tokens, now);
      });
      if (redisTokens.length > 0) this.redis!.client.debit(redisTokens, tokens);
    });
  }

  private refund(buckets: TokenBucket[]): void {
    lockedBuckets(() =>
      buckets.forEach((b, i) => {
        const spec = this.local[i]!.spec;
        b.tokens = Math.min(spec.maxTokens, b.tokens + takeOf(spec));
      }),
    );
  }
}

export function mostConstrained(vs: readonly Verdict[]): Verdict {
  return vs.reduce((a, b) => (b.remaining < a.remaining ? b : a));
}

function seconds(ms: number): string {
  return String(Math.ceil(ms / 1000));
}

export function headersOf(v: Verdict): string[] {
  return [
    'x-ratelimit-limit',
    String(v.limit),
    'x-ratelimit-remaining',
    String(Math.max(0, v.remaining)),
    'x-ratelimit-reset',
    seconds(v.resetMs),
  ];
}

/** The 429 for the refusing bucket that resets last (waiting for it lets every bucket pass). */
export function rejection(
  req: RateLimitedRequest,
  vs: readonly Verdict[],
  specs: readonly Pick<LimitSpec, 'type'>[],
  scope: 'local' | 'remote',
): GatewayError {
  let at = -1;
  vs.forEach((v, i) => {
    if (!v.allowed && (at < 0 || v.resetMs > vs[at]!.resetMs)) at = i;
  });
  const refused = vs[at]!;
  const h = headersOf(refused);
  const pairs: [string, string][] = [['retry-after', seconds(refused.resetMs)]];
  for (let i = 0; i < h.length; i += 2) pairs.push([h[i]!, h[i + 1]!]);
  req.limits.rateLimitRefusal = { type: specs[at]!.type, scope };
  return new GatewayError('rate_limited', 'rate limit exceeded; retry after the time in Retry-After', { headers: pairs });
}
