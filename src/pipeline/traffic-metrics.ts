// Call sites for the traffic metrics. Branch `obs` defines the Prometheus counters with hook
// functions in src/observability/index.ts; these two functions are where they connect:
// - countRetry -> obs `countRetry(ctx)` (agentgateway_retries_total; it keeps its own attempt
//   number, `ctx.retryAttempt`, which then replaces `ctx.retries` in attempt.ts);
// - countRateLimited -> obs `countRateLimitRejection(ctx, type, scope)`
//   (agentgateway_rate_limit_rejections_total).
// Until then they log at debug, which is also what an operator without metrics gets.
import { log } from '../observability/log.js';
import type { RequestCtx } from './context.js';

/** An upstream attempt failed and the request is being retried (ctx.retries already counts it). */
export function countRetry(ctx: RequestCtx, reason: string): void {
  if (log.isLevelEnabled('debug')) log.debug({ route: ctx.route?.key, backend: ctx.backend?.name, retry: ctx.retries, reason }, 'retrying upstream request');
}

/** A rate limit refused the request: 429, or 500 when Redis was down and the policy fails closed. */
export function countRateLimited(ctx: RequestCtx, type: 'requests' | 'tokens', scope: 'local' | 'remote'): void {
  if (log.isLevelEnabled('debug')) log.debug({ route: ctx.route?.key, type, scope }, 'request refused by rate limit');
}
