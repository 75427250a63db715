// The last phase, run exactly once per request whether it ended, failed or was abandoned by
// the client: observability hooks hang here. Usage is settled first (the guard reports what
// was seen, once), then metrics, the span and the access-log line are recorded from it.
import type { RequestCtx } from './context.js';

export function finish(ctx: RequestCtx): void {
  if (ctx.finished) return;
  ctx.finished = true;
  ctx.snapshot.use.leave();
  // token buckets are debited from real usage (rate limits of type tokens), if not done yet
  ctx.settleUsage();
  ctx.runFinishHooks();
  const a2a = ctx.a2a;
  if (a2a !== null) {
    // A call the client left, or whose answer could not be read, has no known outcome.
    if (a2a.outcome === undefined && (a2a.binding === 'jsonrpc' || a2a.binding === 'rest')) a2a.outcome = 'unknown';
    ctx.obs.countA2aCall(a2a, ctx.route!.name, ctx.upstream.backend?.name ?? 'unknown');
  }
  ctx.obs.recordRequest(ctx);
}
