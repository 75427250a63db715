// timeout.requestTimeout: the whole request, from route selection to the end of the response,
// retries and policy calls (guardrail webhook, Redis) included. While upstream attempts run,
// the attempt loop handles expiry (abort the upstream; an error event if a stream already
// started); before that, the request is answered 504 and later phases find it finished.
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import { finish } from './finish.js';
import { sendError } from './respond.js';

export function startRequestTimeout(ctx: RequestCtx, ms: number): void {
  const timer = setTimeout(() => {
    if (ctx.finished) return;
    const handler = ctx.upstream.onRequestTimeout;
    if (handler !== null) return handler(ms);
    sendError(ctx, new GatewayError('request_timeout', `request exceeded requestTimeout (${ms} ms)`));
    finish(ctx);
  }, ms);
  ctx.onFinish(() => clearTimeout(timer));
}
