// The per-request record with agentgateway's access-log keys (telemetry/log.rs), shared by the
// access log and the server span (agentgateway uses the same key/values for both). Only facts
// about the exchange go in: never a header by default, never the query string (API keys travel
// in it for some providers), never message content unless the config asks for llm.prompt.
import { a2aLogFields } from '../a2a/exchange.js';
import { mcpLogFields } from '../mcp/exchange.js';
import type { RequestSummary } from './summary.js';

export type RecordValue = string | number | undefined;
export type RequestRecord = Record<string, RecordValue>;

/** Request parameters logged and traced as gen_ai.request.* (OTel GenAI semantic conventions). */
const PARAMS: readonly (readonly [string, string])[] = [
  ['temperature', 'gen_ai.request.temperature'],
  ['top_p', 'gen_ai.request.top_p'],
  ['frequency_penalty', 'gen_ai.request.frequency_penalty'],
  ['presence_penalty', 'gen_ai.request.presence_penalty'],
  ['seed', 'gen_ai.request.seed'],
];

export function buildRecord(s: RequestSummary): RequestRecord {
  const ctx = s.ctx;
  const b = ctx.upstream.backend;
  const target = b?.target;
  const gateway = `bind/${ctx.bind.port}`;
  const r: RequestRecord = {
    gateway,
    listener: ctx.route !== null ? listenerOf(ctx.route, ctx.bind.port) : undefined,
    route: ctx.route?.name,
    backend: b?.name ?? ctx.mcp?.backendName,
    endpoint: target ? `${target.host}:${target.port}` : undefined,
    'src.addr': ctx.down.remoteAddress,
    'http.method': ctx.down.method,
    'http.host': ctx.header('host'),
    'http.path': ctx.path,
    'http.version': ctx.down.httpVersion ?? 'HTTP/1.1',
    'http.status': s.status,
    'trace.id': ctx.trace?.traceId,
    'span.id': ctx.trace?.spanId,
    protocol: ctx.a2a !== null ? 'a2a' : s.llm ? 'llm' : 'http',
  };
  if (s.llm) addLlm(r, s);
  if (ctx.a2a !== null) Object.assign(r, a2aLogFields(ctx.a2a));
  if (ctx.mcp !== null) Object.assign(r, mcpLogFields(ctx.mcp));
  if (ctx.upstream.attempt > 0) r['retry.attempt'] = ctx.upstream.attempt;
  const placed = ctx.upstream.affinity?.last;
  if (placed !== null && placed !== undefined) {
    r.session_affinity = placed.result;
    if (placed.reason !== null) r['session_affinity.reason'] = placed.reason;
  }
  // failOpen with Redis down: the request ran without its Redis limits, and the line says so.
  if (ctx.limits.rateLimitFailure === 'failOpen') r['rate_limit.bypassed'] = 'redis_unavailable';
  const vk = ctx.apiKey?.virtualKey?.key;
  if (vk !== undefined) {
    r['key.name'] = vk.name;
    r['key.team'] = vk.team;
    const c = ctx.llm.charge;
    if (c !== undefined) {
      r['key.charged.usd'] = Math.round(c.usd * 1e9) / 1e9;
      r['key.charged.tokens'] = c.tokens;
      if (c.estimated) r['key.charged.estimated'] = 'true';
    }
  }
  r.error = s.error;
  r['error.code'] = s.code;
  r.reason = s.reason === 'Upstream' ? undefined : s.reason;
  r.duration = `${Math.round(s.durationS * 1000)}ms`;
  return r;
}

function addLlm(r: RequestRecord, s: RequestSummary): void {
  const u = s.usage;
  r['gen_ai.operation.name'] = s.operation;
  r['gen_ai.provider.name'] = s.system;
  r['gen_ai.request.model'] = s.requestModel;
  r['gen_ai.response.model'] = s.responseModel;
  r['gen_ai.usage.input_tokens'] = u?.inputTokens;
  r['gen_ai.usage.cache_read.input_tokens'] = u?.cacheReadTokens;
  r['gen_ai.usage.cache_creation.input_tokens'] = u?.cacheWriteTokens;
  r['gen_ai.usage.output_tokens'] = u?.outputTokens;
  r['gen_ai.usage.reasoning_tokens'] = u?.reasoningTokens;
  const body = s.ctx.llm.body;
  if (body !== null) {
    for (const [field, key] of PARAMS) r[key] = numberOr(body[field]);
    r['gen_ai.request.max_tokens'] = numberOr(body.max_tokens) ?? numberOr(body.max_completion_tokens);
  }
  if (s.ttftS !== undefined) r['agw.ai.time_to_first_token'] = ms(s.ttftS);
  if (s.tpotS !== undefined) r['agw.ai.time_per_output_token'] = ms(s.tpotS);
  if (s.cost !== undefined) r['agw.ai.usage.cost.total'] = s.cost;
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Milliseconds with microsecond resolution. */
function ms(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}

/** RouteRt.key is `<port>/<listener>/<route name>`. */
export function listenerOf(route: { readonly key: string; readonly name: string }, port: number): string {
  const head = `${port}/`;
  return route.key.slice(head.length, route.key.length - route.name.length - 1);
}

/** The request messages for `llm.prompt` (Anthropic keeps the system prompt apart). */
export function promptOf(body: Readonly<Record<string, unknown>> | null): unknown {
  if (body === null) return undefined;
  if (body.system === undefined) return body.messages;
  return { system: body.system, messages: body.messages };
}
