// The last phase, run exactly once per request whether it ended, failed or was abandoned by
// the client: observability hooks hang here.
import { a2aLogFields } from '../a2a/exchange.js';
import { countA2aCall } from '../a2a/metrics.js';
import { log } from '../observability/log.js';
import type { RequestCtx } from './context.js';

export function finish(ctx: RequestCtx): void {
  if (ctx.finished) return;
  ctx.finished = true;
  ctx.usage.finish();
  const a2a = ctx.a2a;
  if (a2a !== null) {
    // A call the client left, or whose answer could not be read, has no known outcome.
    if (a2a.outcome === undefined && (a2a.binding === 'jsonrpc' || a2a.binding === 'rest')) a2a.outcome = 'unknown';
    countA2aCall(a2a, ctx.route!.name, ctx.backend?.name ?? 'unknown');
  }
  if (log.isLevelEnabled('debug')) {
    const ms = Number(process.hrtime.bigint() - ctx.startNs) / 1e6;
    log.debug(
      {
        route: ctx.route?.key,
        backend: ctx.backend?.name,
        method: ctx.down.method,
        path: ctx.down.path,
        status: ctx.down.aborted && ctx.status === 0 ? 499 : ctx.status,
        model: ctx.upstreamModel,
        responseModel: ctx.responseModel,
        inputTokens: ctx.tokens?.inputTokens,
        outputTokens: ctx.tokens?.outputTokens,
        durationMs: Math.round(ms * 100) / 100,
        ...(a2a !== null ? a2aLogFields(a2a) : {}),
      },
      'request',
    );
  }
}
