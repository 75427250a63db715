// Writing responses the gateway makes itself: errors (in the caller's dialect) and JSON.
import { headerName } from '../http/header-lists.js';
import type { RequestCtx } from './context.js';
import { a2aErrorBody, clientErrorBody, GatewayError } from './errors.js';
import { log } from '../observability/log.js';
import { PolicyRejection, type Reply } from '../policies/request-policy.js';
import type { Downstream, HeaderList } from './downstream.js';

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

/** The one place an error becomes a response. */
export function sendError(ctx: RequestCtx, err: unknown): void {
  const e = toGatewayError(err);
  ctx.error = e;
  if (ctx.down.aborted) return;
  if (ctx.down.headSent) {
    // The response already started: the only honest signal left is an unclean end.
    ctx.down.close();
    return;
  }
  const body = ctx.dialect === 'a2a' ? a2aErrorBody(e, ctx.a2a!) : clientErrorBody(e, ctx.dialect);
  sendJson(ctx, e.status, body, e.headers.flat());
}

export function toGatewayError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  if (err instanceof PolicyRejection) {
    return new GatewayError(
      err.status,
      err.type,
      err.message,
      err.status >= 500 ? 'internal' : 'downstream',
      err.status >= 500,
      err.headers,
    );
  }
  const e = err as { status?: unknown; type?: unknown; message?: unknown; param?: unknown };
  // LlmError (from the translation layer) carries status and type; keep them.
  if (typeof e?.status === 'number' && typeof e.type === 'string' && typeof e.message === 'string') {
    return new GatewayError(
      e.status,
      e.type as GatewayError['type'],
      e.message,
      'downstream',
      false,
      [],
      typeof e.param === 'string' ? e.param : undefined,
    );
  }
  log.error({ err }, 'internal error while handling a request');
  return new GatewayError(500, 'api_error', 'internal gateway error');
}

/** An error before any routing happened (the server refused the request). */
export function sendEarlyError(down: Downstream, err: GatewayError): void {
  if (down.aborted) return;
  const dialect = down.path.endsWith('/messages') ? 'anthropic' : 'openai';
  down.head(err.status, ['content-type', JSON_TYPE]);
  down.end(clientErrorBody(err, dialect));
}
