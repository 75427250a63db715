// What the gateway does with each client message in a session. Lists and initialize fan out to
// every target and are merged; calls naming a tool, prompt or resource go to the one target its
// prefix names, after the authorization rules; a target that fails is reported per failureMode
// (failClosed: the request fails; failOpen: the target is skipped while others answer).
import { TargetDown, type UpstreamReply } from './connection.js';
import type { McpAuthorization, McpCelRequest } from './authorization.js';
import type { McpBackend } from './backend.js';
import { GatewayError } from '../errors.js';
import type { McpExchange, McpResourceRef } from './exchange.js';
import type { JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from './jsonrpc.js';
import type { TargetLink } from './link.js';
import { LISTS, type ListMethod, mergeInitialize, mergeList } from './merge.js';
import { parseServerRequestId } from './names.js';
import type { InflightCall, McpSession } from './session.js';

export interface RelayContext {
  readonly backend: McpBackend;
  readonly session: McpSession;
  readonly x: McpExchange;
  readonly cel: McpCelRequest;
  /** The request in flight: where messages about it go, and what a cancellation reaches. */
  readonly call: InflightCall;
  /** W3C traceparent for upstream requests (the gateway's span, or the client's when not traced). */
  readonly trace: string | undefined;
}

/** Methods that name a tool, prompt or resource, and which kind. */
const NAMED: Record<string, string> = {
  'tools/call': 'tool',
  'prompts/get': 'prompt',
  'resources/read': 'resource',
  'resources/subscribe': 'resource',
  'resources/unsubscribe': 'resource',
};

/** Guards against servers that hand out cursors forever. */
const MAX_PAGES = 64;

export async function relayRequest(rc: RelayContext, req: JsonRpcRequest): Promise<UpstreamReply> {
  const m = req.method;
  if (m === 'initialize') return { result: await initialize(rc, req.params ?? {}) };
  if (m in LISTS) return { result: await list(rc, m as ListMethod, req.params) };
  if (m === 'ping') return fanOutEmpty(rc, m, req.params, () => true);
  if (m === 'logging/setLevel') return fanOutEmpty(rc, m, req.params, (l) => l.capability('logging') !== undefined);
  const ref = rc.backend.describe(req, rc.session);
  if (ref !== undefined) return single(rc, req, ref);
  const named = NAMED[m];
  if (named !== undefined) throw unknownName(named, String(req.params?.name ?? req.params?.uri ?? ''));
  const only = rc.backend.namer.defaultTarget;
  if (only !== null) return forward(rc, only, m, req.params);
  throw new GatewayError('mcp_method_not_found', `Method not found: ${m}`);
}

async function initialize(rc: RelayContext, params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const s = rc.session;
  s.init = {
    protocolVersion: typeof params.protocolVersion === 'string' ? params.protocolVersion : '2025-03-26',
    capabilities: (params.capabilities ?? {}) as Record<string, unknown>,
    clientInfo: (params.clientInfo ?? { name: 'unknown', version: '0' }) as Record<string, unknown>,
  };
  const up = await settle(rc, [...s.links.values()], async (l) => {
    await ready(l);
    return l.initResult!;
  });
  const b = rc.backend;
  if (b.namer.defaultTarget !== null) return up[0]![1];
  return mergeInitialize({ results: up, clientVersion: s.init.protocolVersion, version: b.version, stateful: b.stateful });
}

async function list(rc: RelayContext, method: ListMethod, params: Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
  const spec = LISTS[method];
  const { namer, authorization } = rc.backend;
  const per = await settle(rc, [...rc.session.links.values()], (l) => listAll(rc, l, method, params));
  if (method === 'tools/list') for (const [t, items] of per) rc.backend.store.registry.of(t).sawTools(items);
  if (namer.lookup) {
    for (const [t, items] of per) for (const i of items) rc.session.owners.set(`${spec.type}:${String(i[spec.field])}`, t);
  }
  const items = mergeList(method, per, { namer, allows: allowsFor(authorization, rc.cel), dropDuplicates: namer.lookup });
  return { [spec.key]: items };
}

/** Every page of one target's list (the merged list is one page); [] if it lacks the capability. */
async function listAll(
  rc: RelayContext,
  link: TargetLink,
  method: ListMethod,
  params: Record<string, unknown> | undefined,
): Promise<Record<string, unknown>[]> {
  await ready(link);
  if (link.capability(LISTS[method].capability) === undefined) return [];
  const out: Record<string, unknown>[] = [];
  let cursor: unknown;
  for (let page = 0; page < MAX_PAGES; page++) {
    const p: Record<string, unknown> = { ...params };
    delete p.cursor; // the client's cursor means nothing upstream: the gateway returns one whole page
    if (cursor !== undefined) p.cursor = cursor;
    const r = resultOf(link.name, await send(rc, link, method, p));
    const items = r[LISTS[method].key];
    if (Array.isArray(items)) out.push(...(items as Record<string, unknown>[]));
    cursor = r.nextCursor;
    if (typeof cursor !== 'string' || cursor === '') return out;
  }
  throw new GatewayError('mcp_target_failed', `target ${link.name}: more than ${MAX_PAGES} pages of ${method}`);
}

async function fanOutEmpty(
  rc: RelayContext,
  method: string,
  params: Record<string, unknown> | undefined,
  applies: (l: TargetLink) => boolean,
): Promise<UpstreamReply> {
  await settle(rc, [...rc.session.links.values()], async (l) => {
    await ready(l);
    if (applies(l)) resultOf(l.name, await send(rc, l, method, params));
    return {};
  });
  return { result: {} };
}

/** A request about one tool, prompt or resource: authorized, then sent to its target. */
async function single(rc: RelayContext, req: JsonRpcRequest, ref: McpResourceRef): Promise<UpstreamReply> {
  const clientName = String(req.params?.name ?? req.params?.uri ?? (req.params?.ref as { name?: unknown })?.name ?? '');
  let r = ref;
  if (r.target === '') r = await lookUp(rc, ref, clientName);
  rc.x.setResource(r.type, r.target, r.name);
  if (rc.backend.authorization?.allows(rc.cel, r) === false) throw new GatewayError('mcp_denied', `Unknown ${r.type}: ${clientName}`);
  const params = { ...req.params };
  if (req.method === 'completion/complete') {
    const refParam = params.ref as Record<string, unknown>;
    params.ref = r.type === 'prompt' ? { ...refParam, name: r.name } : { ...refParam, uri: r.name };
  } else if (r.type === 'resource') params.uri = r.name;
  else params.name = r.name;
  const reply = await forward(rc, r.target, req.method, params);
  if (req.method === 'resources/read') return namespaceContents(rc, r.target, reply);
  return reply;
}

/** prefixMode never: find the target that lists the name. */
async function lookUp(rc: RelayContext, ref: McpResourceRef, clientName: string): Promise<McpResourceRef> {
  const key = `${ref.type}:${ref.name}`;
  if (!rc.session.owners.has(key)) await list(rc, ref.type === 'tool' ? 'tools/list' : 'prompts/list', undefined);
  const target = rc.session.owners.get(key);
  if (target === undefined) throw unknownName(ref.type, clientName);
  return { ...ref, target };
}

async function forward(
  rc: RelayContext,
  target: string,
  method: string,
  params: Record<string, unknown> | undefined,
): Promise<UpstreamReply> {
  const link = rc.session.link(target);
  if (link === undefined) throw unknownName('target', target);
  await ready(link);
  return send(rc, link, method, params);
}

function namespaceContents(rc: RelayContext, target: string, reply: UpstreamReply): UpstreamReply {
  const contents = (reply.result as { contents?: unknown } | undefined)?.contents;
  if (!Array.isArray(contents)) return reply;
  const namer = rc.backend.namer;
  const out = contents.map((c: Record<string, unknown>) => (typeof c.uri === 'string' ? { ...c, uri: namer.outUri(target, c.uri) } : c));
  return { result: { ...(reply.result as Record<string, unknown>), contents: out } };
}

/**
 * Sends one upstream request for the client's call; progress about it goes to the call's stream.
 * A request the target never saw because its session was gone goes once more, on a new session.
 */
async function send(
  rc: RelayContext,
  link: TargetLink,
  method: string,
  params: Record<string, unknown> | undefined,
): Promise<UpstreamReply> {
  for (let attempt = 0; ; attempt++) {
    const conn = link.current;
    if (conn === null) throw new GatewayError('mcp_target_unavailable', `target ${link.name} is unavailable`);
    const sink = rc.call.sink;
    rc.session.useTrace(rc.trace);
    const call = conn.call(method, withTrace(params, rc.trace), (n) => sink.send(n));
    rc.call.addLeg(conn, call.id);
    try {
      const reply = await call.reply;
      link.succeeded();
      return reply;
    } catch (e) {
      if (!(e instanceof TargetDown)) throw e;
      link.failed(e.message);
      if (!e.retryable || attempt > 0) throw new GatewayError('mcp_target_failed', e.message);
      await ready(link);
    }
  }
}

/** SEP-414: the trace context also travels in `_meta` (the only carrier stdio servers have). */
function withTrace(params: Record<string, unknown> | undefined, trace: string | undefined): Record<string, unknown> | undefined {
  if (trace === undefined) return params;
  return { ...params, _meta: { ...(params?._meta as Record<string, unknown> | undefined), traceparent: trace } };
}

async function ready(link: TargetLink): Promise<void> {
  try {
    await link.ready();
  } catch (e) {
    throw e instanceof TargetDown ? new GatewayError('mcp_target_unavailable', e.message) : e;
  }
}

/** A fan-out leg's upstream JSON-RPC error becomes a failure naming the target. */
function resultOf(target: string, r: UpstreamReply): Record<string, unknown> {
  if (r.error !== undefined) throw new GatewayError('mcp_target_failed', `target ${target}: ${r.error.message}`, { rpcCode: r.error.code });
  return (r.result ?? {}) as Record<string, unknown>;
}

/**
 * Runs `fn` for every link: with failClosed the first failure fails the whole request (the
 * others' results are dropped), with failOpen failed targets are left out unless all fail.
 */
async function settle<T>(rc: RelayContext, links: TargetLink[], fn: (l: TargetLink) => Promise<T>): Promise<[string, T][]> {
  const results = await Promise.allSettled(links.map(fn));
  const ok: [string, T][] = [];
  let first: unknown;
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') ok.push([links[i]!.name, r.value]);
    else first ??= r.reason;
  });
  if (first !== undefined && (rc.backend.failureMode === 'failClosed' || ok.length === 0)) throw first;
  return ok;
}

function allowsFor(authz: McpAuthorization | null, cel: McpCelRequest): (ref: McpResourceRef) => boolean {
  return authz === null ? () => true : (ref) => authz.allows(cel, ref);
}

/**
 * A client notification: cancellations reach the calls they name, progress on a server's request
 * reaches that server; others go to every open target. Settles once the targets took it, so a
 * client that waits for its 202 keeps its order (progress before its answer, as sent).
 */
export async function relayNotification(session: McpSession, n: JsonRpcNotification): Promise<void> {
  if (n.method === 'notifications/initialized') return; // the gateway initialized each target itself
  if (n.method === 'notifications/cancelled') {
    const reason = typeof n.params?.reason === 'string' ? n.params.reason : 'cancelled by the client';
    session.cancelCall(n.params?.requestId, reason);
    return;
  }
  const token = n.method === 'notifications/progress' ? parseServerRequestId(n.params?.progressToken as RequestId) : null;
  if (token !== null) {
    // Progress on a server-to-client request: to the server that asked, under its own token.
    const conn = session.link(token.target)?.current;
    await conn?.notify(n.method, { ...n.params, progressToken: token.original }).catch(() => {});
    return;
  }
  await Promise.all([...session.links.values()].map((l) => l.current?.notify(n.method, n.params).catch(() => {})));
}

/** The client's answer to a server-to-client request: back to that server, with its own id. */
export async function relayResponse(session: McpSession, backend: McpBackend, msg: JsonRpcResponse): Promise<void> {
  const parsed = parseServerRequestId(msg.id);
  const target = parsed?.target ?? backend.namer.defaultTarget;
  const conn = target === null ? null : session.link(target)?.current;
  if (conn === null || conn === undefined) return;
  await conn.answer({ ...msg, id: parsed?.original ?? msg.id }).catch(() => {});
}

/** agentgateway's wording: a name no target serves (and a hidden one, mcp_denied) is unknown. */
function unknownName(kind: string, name: string): GatewayError {
  return new GatewayError('mcp_unknown_name', `Unknown ${kind}: ${name}`);
}
