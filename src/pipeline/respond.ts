// Writing responses the gateway makes itself: errors (in the caller's dialect) and JSON.
import { headerName } from '../http/header-lists.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';
import { log } from '../observability/log.js';
import type { Reply } from '../policies/types.js';
import { DIALECTS } from './dialects.js';
import type { HeaderList } from './downstream.js';

const JSON_TYPE = 'application/json';

export function sendJson(ctx: RequestCtx, status: number, body: string | Uint8Array, extra: HeaderList = []): void {
  const down = ctx.down;
  if (down.aborted) return;
  ctx.status = status;
  head(ctx, status, ['content-type', JSON_TYPE, ...extra]);
  down.end(body);
}

/** Every response head goes through here, so headers policies added (CORS) reach the client. */
export function head(ctx: RequestCtx, status: number, headers: HeaderList): void {
  const extra = ctx.extraResponseHeaders;
  if (extra === null) return ctx.down.head(status, headers);
  // The policy's value replaces the upstream's (two Access-Control-Allow-Origin lines make
  // browsers refuse the response); Vary lines may repeat.
  const replaced = new Set(extra.filter((n, i) => i % 2 === 0 && n !== 'vary'));
  const out: HeaderList = [];
  for (let i = 0; i < headers.length; i += 2) {
    if (!replaced.has(headerName(headers[i]!))) out.push(headers[i]!, headers[i + 1]!);
  }
  ctx.down.head(status, [...out, ...extra]);
}

/** An answer a policy made itself (a CORS preflight): no body. */
export function sendReply(ctx: RequestCtx, reply: Reply): void {
  if (ctx.down.aborted) return;
  ctx.status = reply.status;
  head(ctx, reply.status, [...reply.headers]);
  ctx.down.end();
}

/**
 * The one place an error becomes a response: in the request's dialect (dialects.ts), with the
 * status and headers its kind gives. After the head went out only an unclean end is left.
 */
export function sendError(ctx: RequestCtx, err: unknown): void {
  const e = toGatewayError(err);
  ctx.error = e;
  if (ctx.down.aborted) return;
  if (ctx.down.headSent) {
    // The response already started: the only honest signal left is an unclean end.
    ctx.down.close();
    return;
  }
  sendJson(ctx, e.status, DIALECTS[ctx.dialect](e, ctx), e.headers.flat());
}

/** A GatewayError as it is; anything else is a bug, logged and answered as `internal`. */
export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  log.error({ err }, 'internal error while handling a request');
  return new GatewayError('internal', 'internal gateway error');
}
