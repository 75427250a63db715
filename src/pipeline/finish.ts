// The last phase, run exactly once per request whether it ended, failed or was abandoned by
// the client: observability hooks hang here.
import { log } from '../observability/log.js';
import type { RequestCtx } from './context.js';

export function finish(ctx: RequestCtx): void {
  if (ctx.finished) return;
  ctx.finished = true;
  ctx.usage.finish();
  ctx.runFinishHooks();
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
      },
      'request',
    );
  }
}
