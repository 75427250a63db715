// The last phase, run exactly once per request whether it ended, failed or was abandoned by
// the client: observability hooks hang here. Usage is settled first (the guard reports what
// was seen, once), then metrics, the span and the access-log line are recorded from it.
import { recordRequest } from '../observability/index.js';
import { recentRequests } from '../observability/recent-requests.js';
import type { RequestCtx } from './context.js';

export function finish(ctx: RequestCtx): void {
  if (ctx.finished) return;
  ctx.finished = true;
  ctx.usage.finish();
  recordRequest(ctx);
  if (recentRequests.enabled) recentRequests.record(ctx);
}
