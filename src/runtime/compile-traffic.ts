// A route's traffic policies: rate limits (local and Redis), retry and timeouts. Each is
// compiled once; the buckets come from live-objects.ts so they outlive a reload of an unchanged
// spec.
import { durationMs } from '../config/schema/common.js';
import type { RoutePoliciesT } from '../config/schema/policies.js';
import type { LocalRateLimitT, RedisRateLimitT } from '../config/schema/traffic.js';
import { compileKeyExpression } from '../policies/conditions.js';
import { RateLimitPolicy, type LocalLimit, type RedisLimits } from '../policies/rate-limit.js';
import type { LimitSpec } from '../policies/rate-limit-types.js';
import type { PolicyCompiler } from '../policies/types.js';
import { compileRetry, compileTimeouts } from '../policies/retry.js';
import { localBuckets, redisBuckets } from './live-objects.js';
import type { LiveScope } from './live.js';
import type { RouteTrafficRt } from './snapshot.js';

type Path = (string | number)[];

const DEFAULT_REDIS_TIMEOUT_MS = 100;

export interface RouteIds {
  /** Stable route key (`<port>/<listener>/<route>`): local bucket ids. */
  readonly key: string;
  /** `<listener>/<route>`: the default Redis domain, equal across replicas on other ports. */
  readonly portlessKey: string;
}

export function compileRouteTraffic(
  spec: RoutePoliciesT | undefined,
  path: Path,
  c: PolicyCompiler,
  live: LiveScope,
  ids: RouteIds,
): RouteTrafficRt | null {
  if (spec === undefined) return null;
  const { localRateLimit, redisRateLimit, retry, timeout } = spec;
  if (localRateLimit === undefined && redisRateLimit === undefined && retry === undefined && timeout === undefined) return null;
  const local = (localRateLimit ?? []).map((l, i): LocalLimit => {
    const limit = limitSpec(l, [...path, 'localRateLimit', i], c);
    return {
      spec: limit,
      buckets: localBuckets(live, ids.key, i, { ...bucketOf(l), type: limit.type, ...(l.key !== undefined ? { key: l.key } : {}) }),
    };
  });
  const redis = redisRateLimit !== undefined ? redisLimits(redisRateLimit, [...path, 'redisRateLimit'], c, live, ids) : null;
  return {
    rateLimit: local.length > 0 || redis !== null ? new RateLimitPolicy(local, redis) : null,
    retry: retry !== undefined ? compileRetry(retry, [...path, 'retry'], c) : null,
    timeouts: timeout !== undefined ? compileTimeouts(timeout) : null,
  };
}

function bucketOf(l: LocalRateLimitT) {
  return { maxTokens: l.maxTokens, tokensPerFill: l.tokensPerFill, intervalMs: durationMs(l.fillInterval) };
}

function limitSpec(l: LocalRateLimitT, path: Path, c: PolicyCompiler): LimitSpec {
  const b = bucketOf(l);
  if (b.tokensPerFill > b.maxTokens)
    c.fail([...path, 'tokensPerFill'], `tokensPerFill (${b.tokensPerFill}) may not exceed maxTokens (${b.maxTokens})`);
  if (b.intervalMs <= 0) c.fail([...path, 'fillInterval'], 'fillInterval must be longer than 0');
  const key = l.key !== undefined ? (compileKeyExpression(l.key, [...path, 'key'], c) ?? null) : null;
  return { ...b, type: l.type ?? 'requests', key };
}

function redisLimits(r: RedisRateLimitT, path: Path, c: PolicyCompiler, live: LiveScope, ids: RouteIds): RedisLimits {
  const timeoutMs = r.timeout !== undefined ? durationMs(r.timeout) : DEFAULT_REDIS_TIMEOUT_MS;
  const domain = r.domain ?? ids.portlessKey;
  return {
    client: redisBuckets(live, r.url, timeoutMs),
    failOpen: r.failureMode === 'failOpen',
    prefix: `agw:rl:{${domain}}:`,
    limits: r.limits.map((l, i) => limitSpec(l, [...path, 'limits', i], c)),
  };
}
