// MCP routes (an `mcp` backend) in the request path. The POSTed JSON-RPC message is read once
// when the route is known, before the request policies (rate-limit keys and logs read mcp.*),
// and errors are JSON-RPC error objects (the MCP dialect: dialects.ts, src/mcp/errors.ts). After the
// request policies and rate limits, the request is served here with src/mcp: Streamable HTTP
// (POST messages, GET the session's event stream, DELETE the session), the legacy SSE transport
// at /sse, and the OAuth protected-resource metadata of mcpAuthentication.
//
// The client-facing side is this gateway's own framing over the Downstream interface rather than
// the SDK's server transport: that transport wants Node's IncomingMessage/ServerResponse (or web
// Request/Response) and a Server that answers requests itself, where the gateway relays raw
// messages on uWS and decides per answer whether one JSON body is enough (src/mcp/reply.ts).
import { isWellKnown } from '../policies/mcp-authentication.js';
import type { McpBackend } from '../mcp/backend.js';
import { GatewayError } from '../errors.js';
import { isInBand } from '../mcp/errors.js';
import { McpExchange } from '../mcp/exchange.js';
import { parseClientMessage, type ClientMessage, type JsonRpcRequest } from '../mcp/jsonrpc.js';
import { relayNotification, relayRequest, relayResponse } from '../mcp/relay.js';
import { EventStream, PostReply, type MessageSink, type ReplyTarget } from '../mcp/reply.js';
import { InflightCall, type McpSession } from '../mcp/session.js';
import { checkProtocolVersion, syntheticInit } from '../mcp/versions.js';
import type { McpBackendRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { DIALECTS } from './dialects.js';
import { finish } from './finish.js';
import { head, sendError, sendJson, toGatewayError } from './respond.js';

type Served = 'done' | 'streaming';

export function startMcp(ctx: RequestCtx): void {
  const b = ctx.route!.backends[0] as McpBackendRt;
  const x = new McpExchange(b.mcp);
  ctx.mcp = x;
  x.sessionId = ctx.down.path === '/sse' ? queryParam(ctx.down.query, 'sessionId') : ctx.header('mcp-session-id');
  if (ctx.down.method !== 'POST') return;
  const m = parseClientMessage(ctx.down.body);
  x.message = m;
  if (m.kind === 'request') {
    x.method = m.message.method;
    x.id = m.message.id;
  } else if (m.kind === 'notification') x.method = m.message.method;
  else if (m.kind === 'invalid') x.id = m.id;
}

/** Before rate limits: what the request names (mcp.tool.name for bucket keys, logs). */
export function routeMcp(ctx: RequestCtx, b: McpBackendRt): void {
  const x = ctx.mcp!;
  const m = x.message;
  if (m?.kind !== 'request') return;
  const session = x.sessionId !== undefined ? b.mcp.store.get(x.sessionId) : undefined;
  b.mcp.noteRequest(x, m.message, session);
}

export function serveMcp(ctx: RequestCtx, b: McpBackendRt): void {
  serve(ctx, b.mcp).then(
    (r) => {
      if (r === 'done') finish(ctx);
    },
    (e: unknown) => {
      if (!ctx.finished) {
        sendError(ctx, e);
        finish(ctx);
      }
    },
  );
}

async function serve(ctx: RequestCtx, b: McpBackend): Promise<Served> {
  const { method, path } = ctx.down;
  if (b.dnsRebindingProtection && !fromLocalhost(ctx)) {
    throw new GatewayError('mcp_origin_refused', 'Host and Origin must be localhost (dnsRebindingProtection)');
  }
  if (isWellKnown(path)) return wellKnown(ctx);
  if (path === '/sse') {
    if (method === 'GET') return openLegacy(ctx, b);
    if (method === 'POST') return legacyPost(ctx, b);
    throw new GatewayError('mcp_method_not_allowed', `method ${method} not allowed on /sse (GET, POST)`, {
      headers: [['allow', 'GET, POST']],
    });
  }
  if (method === 'POST') return post(ctx, b);
  if (method === 'GET') return openStream(ctx, b);
  if (method === 'DELETE') return deleteSession(ctx, b);
  throw new GatewayError('mcp_method_not_allowed', `method ${method} not allowed; must be GET, POST or DELETE`, {
    headers: [['allow', 'GET, POST, DELETE']],
  });
}

async function post(ctx: RequestCtx, b: McpBackend): Promise<Served> {
  const accept = ctx.header('accept') ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    throw new GatewayError('mcp_not_acceptable', 'Not Acceptable: the client must accept both application/json and text/event-stream');
  }
  if (!(ctx.header('content-type') ?? '').startsWith('application/json')) {
    throw new GatewayError('mcp_unsupported_media_type', 'Unsupported Media Type: the body must be application/json');
  }
  const m = message(ctx);
  checkProtocolVersion(ctx.header('mcp-protocol-version'));
  if (!b.stateful) return stateless(ctx, b, m);
  const sid = ctx.header('mcp-session-id');
  if (sid === undefined) {
    if (m.kind !== 'request' || m.message.method !== 'initialize') {
      throw new GatewayError('mcp_session_required', 'Bad Request: Mcp-Session-Id header is required (send initialize first)');
    }
    return initialize(ctx, b, m.message);
  }
  const session = b.store.get(sid);
  if (session === undefined) throw sessionNotFound();
  touch(ctx, session);
  if (m.kind === 'request') await answer(ctx, b, session, m.message, new PostReply(target(ctx), ['mcp-session-id', session.id]));
  else await accept202(ctx, session, b, m);
  return 'done';
}

/** initialize without a session: a new one, reachable by id only once every target answered. */
async function initialize(ctx: RequestCtx, b: McpBackend, req: JsonRpcRequest): Promise<Served> {
  const session = b.store.create();
  ctx.mcp!.sessionId = session.id;
  touch(ctx, session);
  const reply = new PostReply(target(ctx), ['mcp-session-id', session.id]);
  if (await answer(ctx, b, session, req, reply)) b.store.register(session);
  else void session.close();
  return 'done';
}

/** statefulMode stateless: every request gets its own upstream sessions, closed when it is answered. */
async function stateless(ctx: RequestCtx, b: McpBackend, m: Exclude<ClientMessage, { kind: 'invalid' }>): Promise<Served> {
  if (m.kind !== 'request') {
    ctx.mcp!.succeeded();
    sendJson(ctx, 202, '');
    return 'done';
  }
  const session = b.store.create();
  touch(ctx, session);
  if (m.message.method !== 'initialize') session.init = syntheticInit(ctx.header('mcp-protocol-version'), b.version);
  try {
    await answer(ctx, b, session, m.message, new PostReply(target(ctx), []));
  } finally {
    void session.close();
  }
  return 'done';
}

/** Relays one request and writes its answer; false when it did not succeed. */
async function answer(ctx: RequestCtx, b: McpBackend, session: McpSession, req: JsonRpcRequest, reply: PostReply): Promise<boolean> {
  const x = ctx.mcp!;
  const call = new InflightCall(req.id, reply);
  session.track(call);
  ctx.down.onAbort(() => call.cancel('the client disconnected'));
  try {
    const r = await relayRequest({ backend: b, session, x, cel: ctx, call, trace: traceOf(ctx) }, req);
    if (call.isCancelled) return cancelled(x, reply);
    if (r.error !== undefined) {
      x.failed(r.error.code, r.error.message);
      if (req.method === 'initialize') reply.headers = [];
      reply.finish({ jsonrpc: '2.0', id: req.id, error: r.error });
      return false;
    }
    x.succeeded();
    reply.finish({ jsonrpc: '2.0', id: req.id, result: r.result });
    return true;
  } catch (e) {
    if (call.isCancelled) return cancelled(x, reply);
    const ge = toGatewayError(e);
    // In-band refusals are the session's answer (HTTP 200, its headers); so is anything once
    // the event stream started. Only a refusal of the exchange itself keeps its status.
    if (!isInBand(ge) && !reply.started) sendError(ctx, ge);
    else {
      ctx.error = ge;
      reply.finish(DIALECTS.mcp(ge, ctx));
    }
    return false;
  } finally {
    session.untrack(call);
  }
}

function cancelled(x: McpExchange, reply: PostReply): false {
  x.cancelled();
  reply.abandon();
  return false;
}

/** Notifications and the client's answers to server requests: relayed, then answered 202 (order kept). */
async function accept202(
  ctx: RequestCtx,
  session: McpSession,
  b: McpBackend,
  m: Exclude<ClientMessage, { kind: 'invalid' | 'request' }>,
): Promise<void> {
  await relayOther(session, b, m);
  ctx.mcp!.succeeded();
  if (ctx.down.aborted) return;
  ctx.status = 202;
  head(ctx, 202, ['mcp-session-id', session.id]);
  ctx.down.end();
}

/** GET: the session's standalone stream, for messages not tied to a request. */
function openStream(ctx: RequestCtx, b: McpBackend): Served {
  if (!b.stateful) {
    throw new GatewayError('mcp_method_not_allowed', 'statefulMode is stateless: there are no session streams', {
      headers: [['allow', 'POST']],
    });
  }
  if (!(ctx.header('accept') ?? '').includes('text/event-stream')) {
    throw new GatewayError('mcp_not_acceptable', 'Not Acceptable: the client must accept text/event-stream');
  }
  const session = sessionFrom(ctx, b, ctx.header('mcp-session-id'));
  if (session.stream?.open === true)
    throw new GatewayError('mcp_stream_conflict', 'Conflict: the session already has an open event stream');
  touch(ctx, session);
  attachStream(ctx, session, ['mcp-session-id', session.id], () => {});
  return 'streaming';
}

async function deleteSession(ctx: RequestCtx, b: McpBackend): Promise<Served> {
  const sid = ctx.header('mcp-session-id');
  if (sid === undefined) throw new GatewayError('mcp_session_required', 'Bad Request: Mcp-Session-Id header is required');
  if (!(await b.store.delete(sid))) throw new GatewayError('mcp_session_not_found', 'session not found');
  ctx.mcp!.succeeded();
  sendJson(ctx, 200, '');
  return 'done';
}

/** Legacy SSE: GET /sse opens a session whose answers all travel on this stream. */
function openLegacy(ctx: RequestCtx, b: McpBackend): Served {
  const session = b.store.create(true);
  ctx.mcp!.sessionId = session.id;
  touch(ctx, session);
  b.store.register(session);
  const endpoint = `event: endpoint\ndata: ${ctx.down.path}?sessionId=${session.id}\n\n`;
  attachStream(ctx, session, [], () => void b.store.delete(session.id), endpoint);
  return 'streaming';
}

/** Legacy SSE: POST /sse?sessionId=: accepted at once, answered on the session's stream. */
async function legacyPost(ctx: RequestCtx, b: McpBackend): Promise<Served> {
  const sid = queryParam(ctx.down.query, 'sessionId');
  if (sid === undefined) throw new GatewayError('mcp_session_required', 'Bad Request: the sessionId query parameter is required');
  const session = sessionFrom(ctx, b, sid);
  const m = message(ctx);
  touch(ctx, session);
  // Notifications and answers are relayed before the 202 (order kept); requests are answered on the stream.
  if (m.kind !== 'request') await relayOther(session, b, m);
  ctx.status = 202;
  head(ctx, 202, []);
  ctx.down.end();
  if (m.kind !== 'request') {
    ctx.mcp!.succeeded();
    return 'done';
  }
  const x = ctx.mcp!;
  const sink: MessageSink = session.stream ?? { open: false, send: () => {} };
  const call = new InflightCall(m.message.id, sink);
  session.track(call);
  try {
    const r = await relayRequest({ backend: b, session, x, cel: ctx, call, trace: traceOf(ctx) }, m.message);
    if (r.error !== undefined) x.failed(r.error.code, r.error.message);
    else x.succeeded();
    if (!call.isCancelled)
      sink.send({ jsonrpc: '2.0', id: m.message.id, ...(r.error !== undefined ? { error: r.error } : { result: r.result }) });
  } catch (e) {
    if (call.isCancelled) x.cancelled();
    else {
      const ge = toGatewayError(e);
      ctx.error = ge;
      sink.send(JSON.parse(DIALECTS.mcp(ge, ctx)) as object);
    }
  } finally {
    session.untrack(call);
  }
  return 'done';
}

function attachStream(ctx: RequestCtx, session: McpSession, headers: string[], closed: () => void, first?: string): void {
  ctx.mcp!.succeeded();
  session.streamOpened();
  let stream: EventStream | null = null;
  stream = new EventStream(
    target(ctx),
    headers,
    () => {
      if (session.stream === stream) session.stream = null;
      session.streamClosed();
      closed();
      finish(ctx);
    },
    first,
  );
  session.stream = stream;
  ctx.down.onAbort(() => stream!.close());
}

/** GET /.well-known/oauth-protected-resource<path>: mcpAuthentication's metadata document. */
function wellKnown(ctx: RequestCtx): Served {
  const auth = ctx.route!.policies?.mcpAuthentication;
  if (auth === undefined || !auth.servesMetadata(ctx.down.path) || ctx.down.method !== 'GET') {
    throw new GatewayError('path_not_served', `no metadata at ${ctx.down.path}`);
  }
  ctx.mcp!.succeeded();
  sendJson(ctx, 200, JSON.stringify(auth.metadata(ctx)), [
    'access-control-allow-origin',
    '*',
    'access-control-allow-methods',
    'GET, OPTIONS',
    'access-control-allow-headers',
    'content-type',
  ]);
  return 'done';
}

function message(ctx: RequestCtx): Exclude<ClientMessage, { kind: 'invalid' }> {
  const m = ctx.mcp!.message!;
  if (m.kind === 'invalid') throw new GatewayError('invalid_jsonrpc', m.reason, { rpcCode: m.code });
  return m;
}

function sessionFrom(ctx: RequestCtx, b: McpBackend, sid: string | undefined): McpSession {
  if (sid === undefined) throw new GatewayError('mcp_session_required', 'Bad Request: Mcp-Session-Id header is required');
  const s = b.store.get(sid);
  if (s === undefined) throw sessionNotFound();
  ctx.mcp!.sessionId = sid;
  return s;
}

/** Every request of a session refreshes its credential (backendAuth passthrough) and trace context. */
function touch(ctx: RequestCtx, session: McpSession): void {
  const auth = ctx.jwt !== null ? ctx.header('authorization') : undefined;
  const token = auth !== undefined && /^bearer /i.test(auth) ? auth.slice(7).trim() : undefined;
  session.touch(token);
}

function traceOf(ctx: RequestCtx): string | undefined {
  return ctx.trace?.traceparent ?? ctx.header('traceparent');
}

function target(ctx: RequestCtx): ReplyTarget {
  return {
    get aborted() {
      return ctx.down.aborted;
    },
    head: (status, headers) => {
      ctx.status = status;
      head(ctx, status, headers);
    },
    write: (chunk) => ctx.down.write(chunk),
    end: (chunk) => ctx.down.end(chunk),
  };
}

function relayOther(session: McpSession, b: McpBackend, m: Exclude<ClientMessage, { kind: 'invalid' | 'request' }>): Promise<void> {
  return m.kind === 'notification' ? relayNotification(session, m.message) : relayResponse(session, b, m.message);
}

function sessionNotFound(): GatewayError {
  return new GatewayError('mcp_session_not_found', 'session not found (expired or closed): initialize a new one');
}

function fromLocalhost(ctx: RequestCtx): boolean {
  const local = (v: string | undefined) => v === undefined || /^(https?:\/\/)?(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(v);
  return local(ctx.header('host')) && local(ctx.header('origin'));
}

function queryParam(query: string, name: string): string | undefined {
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    if ((eq < 0 ? part : part.slice(0, eq)) === name) return eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
  }
  return undefined;
}
