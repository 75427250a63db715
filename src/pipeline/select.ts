// Listener, route and backend selection.
import { normalizePath, PathError } from '../http/path.js';
import { llmDialect } from '../llm/dialect.js';
import type { BindRt, ListenerRt, RouteBackendRt } from '../runtime/snapshot.js';
import type { RequestCtx } from './context.js';
import { GatewayError } from '../errors.js';

/**
 * The path every later phase reads (ctx.path), normalised once, before route selection: a
 * route or an authorization rule must judge the path the upstream will act on.
 */
export function normalizeRequestPath(ctx: RequestCtx): void {
  try {
    ctx.path = normalizePath(ctx.down.path, ctx.snapshot.paths);
  } catch (e) {
    if (e instanceof PathError) throw new GatewayError('invalid_path', e.message);
    throw e;
  }
}

export function selectRoute(ctx: RequestCtx): void {
  const down = ctx.down;
  const host = hostOnly(ctx.header('host') ?? '');
  const listener = pickListener(ctx.bind, host);
  const m = listener?.routes.match({
    host,
    path: ctx.path,
    method: down.method,
    query: down.query,
    header: (n) => ctx.header(n),
  });
  if (!m) throw new GatewayError('route_not_found', `no route for ${down.method} ${ctx.path}`);
  ctx.route = m.route;
  ctx.routePrefix = m.prefix ?? '';
  // The dialect errors are written in, decided once the route is known (before that, the path
  // alone decided): JSON-RPC on A2A and MCP routes, else the LLM client's (src/llm/dialect.ts).
  const d = m.route.dialect;
  ctx.dialect = d === 'a2a' || d === 'mcp' ? d : llmDialect(ctx.path, d, (n) => ctx.header(n));
}

/** Exact hostname first, then the longest wildcard, then a listener without hostname. */
function pickListener(bind: BindRt, host: string): ListenerRt | undefined {
  const ls = bind.listeners;
  if (ls.length === 1) {
    const only = ls[0]!;
    return only.hostname === null || hostMatches(only.hostname, host) ? only : undefined;
  }
  let best: ListenerRt | undefined;
  let bestRank = -1;
  for (const l of ls) {
    const rank = l.hostname === null ? 0 : l.hostname === host ? 1e6 : hostMatches(l.hostname, host) ? l.hostname.length : -1;
    if (rank > bestRank) {
      best = l;
      bestRank = rank;
    }
  }
  return best;
}

function hostMatches(pattern: string, host: string): boolean {
  if (pattern === host) return true;
  return pattern.startsWith('*.') && host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
}

function hostOnly(h: string): string {
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1).toLowerCase();
  const colon = h.indexOf(':');
  return (colon < 0 ? h : h.slice(0, colon)).toLowerCase();
}

/** Weighted random choice among the route's backends. */
export function selectBackend(ctx: RequestCtx): RouteBackendRt {
  const route = ctx.route!;
  const bs = route.backends;
  if (bs.length === 1) return bs[0]!;
  let r = Math.random() * route.totalWeight;
  for (const b of bs) {
    r -= b.weight;
    if (r < 0) return b;
  }
  return bs[bs.length - 1]!;
}
