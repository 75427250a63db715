// Where the attempt loop and the rate limits report to observability: Prometheus counters
// (agentgateway_retries_total, agentgateway_rate_limit_rejections_total), the request's reason
// and retry attempt in the access log, and a debug line for operators without metrics.
import { log } from '../observability/log.js';
import type { RequestCtx } from './context.js';
import type { Exhausted } from '../keys/types.js';

/** An upstream attempt failed and the request is retried: ctx.upstream.attempt counts it. */
export function countRetry(ctx: RequestCtx, reason: string): void {
  ctx.obs.countRetry(ctx);
  if (log.isLevelEnabled('debug'))
    log.debug(
      { route: ctx.route?.key, backend: ctx.upstream.backend?.name, retry: ctx.upstream.attempt, reason },
      'retrying upstream request',
    );
}

/** A rate limit refused the request (429). */
export function countRateLimited(ctx: RequestCtx, type: 'requests' | 'tokens', scope: 'local' | 'remote'): void {
  ctx.obs.countRateLimitRejection(ctx, type, scope);
  if (log.isLevelEnabled('debug')) log.debug({ route: ctx.route?.key, type, scope }, 'request refused by rate limit');
}

/** Redis could not answer the rate-limit check: the request went on without it (failOpen) or gets a 500 (failClosed). */
export function countRateLimitFailure(ctx: RequestCtx, mode: 'failOpen' | 'failClosed'): void {
  ctx.obs.countRateLimitError(ctx, mode);
  if (log.isLevelEnabled('debug')) log.debug({ route: ctx.route?.key, failureMode: mode }, 'rate limit not checked: redis unavailable');
}

/** A virtual key's hard budget (or its team's) had nothing left (429), before or during a stream. */
export function countBudgetRefused(ctx: RequestCtx, x: Exhausted): void {
  ctx.obs.countBudgetRejection(ctx, x.scope.startsWith('team:') ? 'team' : 'key', x.budget.period, x.budget.unit);
  if (log.isLevelEnabled('debug'))
    log.debug({ route: ctx.route?.key, scope: x.scope, period: x.budget.period }, 'request refused by budget');
}
