// Call sites for the traffic metrics. Branch `obs` defines the Prometheus counters
// (`agentgateway_retries_total`, the rate-limit rejection counter) with hook functions; these
// two functions are where they connect, one call each, so wiring them is a one-line change.
// Until then they log at debug, which is also what an operator without metrics gets.
import { log } from '../observability/log.js';
import type { RequestCtx } from './context.js';

/** An upstream attempt failed and the request is being retried (ctx.retries already counts it). */
export function countRetry(ctx: RequestCtx, reason: string): void {
  if (log.isLevelEnabled('debug')) log.debug({ route: ctx.route?.key, backend: ctx.backend?.name, retry: ctx.retries, reason }, 'retrying upstream request');
}

/** A request was refused by a rate limit (429) or because the limiter was unavailable (500). */
export function countRateLimited(ctx: RequestCtx, status: number): void {
  if (log.isLevelEnabled('debug')) log.debug({ route: ctx.route?.key, status }, 'request refused by rate limit');
}
