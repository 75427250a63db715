// Sending the request upstream: target path, rewritten headers, the body, and the wiring that
// ties the upstream call's life to the client's (a client that goes away aborts the upstream).
import { withoutCredentials } from '../policies/credential-location.js';
import { rewriteHeaders } from '../native/index.js';
import { headerValue } from '../http/header-lists.js';
import type { AiBackendRt, BackendRt } from '../runtime/snapshot.js';
import { UpstreamCall, type UpstreamListener } from '../upstream/dispatch.js';
import type { ApiFormat } from '../llm/convert/types.js';
import type { RequestCtx } from './context.js';

export interface Forwarding {
  path: string;
  headers: string[];
  body: Uint8Array | null;
}

/** Starts the upstream call to ctx.upstream.backend. */
export function startCall(ctx: RequestCtx, fwd: Forwarding, listener: UpstreamListener): UpstreamCall {
  const backend = ctx.upstream.backend!;
  const pool = backend.kind === 'host' ? backend.pool : backend.pool!;
  const origin = backend.kind === 'host' ? backend.target.origin : backend.target!.origin;
  ctx.timings.upstreamStartNs = process.hrtime.bigint();
  ctx.timings.upstreamConnectedNs = undefined;
  ctx.timings.upstreamHeadersNs = undefined;
  // undici's own timers enforce the route's default limits (a silent upstream is cut even on
  // the lean path); phases the route's timeout policy bounds are 0 here and timed by attempt.ts.
  const limits = ctx.route!.upstreamTimeouts;
  return UpstreamCall.start(
    pool,
    origin,
    {
      method: ctx.down.method,
      path: fwd.path,
      headers: ctx.trace === null ? fwd.headers : withTraceParent(fwd.headers, ctx.trace.traceparent),
      body: fwd.body,
      headersTimeoutMs: backend.kind === 'host' ? limits.hostHeadersMs : limits.aiHeadersMs,
      bodyTimeoutMs: limits.bodyIdleMs,
    },
    listener,
    ctx.timings,
  );
}

/** One attempt, no retry: starts the call and ties its life to the client's. */
export function dispatch(
  ctx: RequestCtx,
  fwd: Forwarding,
  listener: UpstreamListener & { call: UpstreamCall | null },
  finish: (ctx: RequestCtx) => void,
): void {
  const call = startCall(ctx, fwd, listener);
  listener.call = call;
  ctx.down.onAbort(() => {
    call.abort();
    finish(ctx);
  });
}

export interface ClientRequest {
  readonly headers: readonly string[];
  readonly query: string;
}

/**
 * The client's headers and query string as they go upstream: credentials that authentication
 * consumed are removed, except a validated JWT when the backend asks for `backendAuth: passthrough`.
 */
export function clientRequest(ctx: RequestCtx, b: BackendRt): ClientRequest {
  if (ctx.credentials === null) return ctx.down;
  return withoutCredentials(ctx.down.headers, ctx.down.query, ctx.credentials, b.authPassthrough);
}

/**
 * When the gateway traces a request, the upstream continues the gateway's span: the client's
 * traceparent (if any) is replaced by ours; tracestate passes through. Without tracing the
 * client's header goes through untouched, like any other.
 */
function withTraceParent(headers: string[], traceparent: string): string[] {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'traceparent') {
      headers[i + 1] = traceparent;
      return headers;
    }
  }
  headers.push('traceparent', traceparent);
  return headers;
}

/**
 * `prefix` + `rest` with exactly one slash between them, so a configured `pathPrefix` written
 * with a trailing slash (`/v1/custom/`) does not give `/v1/custom//chat/completions`.
 */
export function joinPath(prefix: string, rest: string): string {
  if (rest === '') return prefix;
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0x2f /* / */) end--;
  return prefix.slice(0, end) + (rest[0] === '/' ? rest : `/${rest}`);
}

/** What an LLM request sends the provider: its format, and the model and method some paths carry. */
export interface ProviderCall {
  readonly format: ApiFormat;
  readonly model: string;
  readonly stream: boolean;
}

/** Path and query sent to an AI provider. */
export function aiUpstreamPath(ctx: RequestCtx, b: AiBackendRt, call: ProviderCall | null, query: string): string {
  if (b.pathOverride !== undefined) return b.pathOverride;
  if (call !== null)
    return withQuery(joinPath(b.pathPrefix ?? b.provider.basePath, b.provider.path(call.format, call)), upstreamQuery(b, query));
  const q = query === '' ? '' : `?${query}`;
  let path = ctx.path.slice(ctx.routePrefix.length) || '/';
  if (path[0] !== '/') path = `/${path}`;
  const base = b.provider.basePath;
  if (b.pathPrefix !== undefined && (path === base || path.startsWith(`${base}/`))) {
    path = joinPath(b.pathPrefix, path.slice(base.length));
  }
  return path + q;
}

/** `path` (which may carry its own query, `?api-version=`, `?alt=sse`) with the client's query appended. */
function withQuery(path: string, query: string): string {
  if (query === '') return path;
  return path + (path.includes('?') ? '&' : '?') + query;
}

/**
 * The client's query as it goes to an LLM provider: without `alt` (the provider path chooses
 * the response framing, Gemini's `?alt=sse`), and without a `key` (a Google API key in the URL)
 * when the gateway sends its own credential.
 */
function upstreamQuery(b: AiBackendRt, query: string): string {
  if (query === '' || !/(^|&)(alt|key)=/.test(query)) return query;
  const gatewayAuth = b.injectsKey || b.tokenAuth !== null;
  return query
    .split('&')
    .filter((kv) => !kv.startsWith('alt=') && !(gatewayAuth && kv.startsWith('key=')))
    .join('&');
}

/** Request headers for an AI provider, including credential handling. */
export function aiRequestHeaders(b: AiBackendRt, llm: boolean, headers: readonly string[], format: ApiFormat | null = null): string[] {
  const out = rewriteHeaders(headers, llm ? b.llmRequestHeaders : b.passthroughRequestHeaders);
  for (const [name, value] of b.provider.requiredHeaders) {
    if (headerValue(out, name) === undefined) out.push(name, value);
  }
  if (!b.injectsKey && b.provider.relocateBearer !== undefined) relocateBearer(b, out, format);
  return out;
}

/** A client's own key sent as a Bearer token goes where the provider reads keys (x-api-key, x-goog-api-key). */
function relocateBearer(b: AiBackendRt, out: string[], format: ApiFormat | null): void {
  const auth = headerValue(out, 'authorization');
  const m = auth === undefined ? null : /^Bearer\s+(.+)$/i.exec(auth);
  if (m === null) return;
  const to = b.provider.relocateBearer!(m[1]!, format);
  if (to === undefined || headerValue(out, to) !== undefined) return;
  out.splice(out.indexOf('authorization'), 2);
  out.push(to, m[1]!);
}
