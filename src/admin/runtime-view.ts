// The picture /api/runtime and /config_dump give of the running gateway: binds -> listeners
// -> routes -> backends, each backend with passive health from recent traffic and the status
// of its live state (pool connections, and whatever load-balancer or rate-limit state other
// modules register under the backend's key), plus config version and the last reload.
// Secrets never appear: policies go through redact(), targets show only their origin.
import type { SimpleMcpT } from '../config/schema/root.js';
import type { RouteT } from '../config/schema/routes.js';
import type { RecentRequest } from '../observability/recent-requests.js';
import type { LiveEntryInfo } from '../runtime/live-state.js';
import type { ReloadResult } from '../runtime/reload-status.js';
import { formatPath } from '../config/errors.js';
import type { AiBackendRt, AiGroupsRt, BackendRt, HostBackendRt, McpBackendRt, RouteRt } from '../runtime/snapshot.js';
import { llmView, type LlmView } from './llm-view.js';
import { redact } from './redact.js';
import type { AdminGateway, ThreadRuntime } from './types.js';

/** Recent requests per backend that health looks at. */
const HEALTH_WINDOW = 20;

export type Health = 'healthy' | 'degraded' | 'failing' | 'unknown';

export interface BackendHealth {
  state: Health;
  /** Requests seen in the window, and how many failed (5xx or no response). */
  recent: number;
  failed: number;
  lastStatus: number | null;
  lastAt: number | null;
}

/** Prompt tokens of recent LLM requests and how many of them the provider read from its cache. */
export interface PromptCacheView {
  inputTokens: number;
  cachedTokens: number;
}

export interface BackendView {
  /** Absent only if the config and the snapshot disagree (never expected). */
  key?: string;
  kind?: 'host' | 'ai' | 'mcp';
  name?: string;
  weight?: number;
  /** Upstream origin; null for the built-in mock provider. */
  target?: string | null;
  health?: BackendHealth;
  /** The cache-hit ratio's parts over the recent requests (absent before any LLM usage). */
  promptCache?: PromptCacheView;
  /** Live state registered for this backend (its pool, load-balancer or rate-limit state). */
  state?: LiveEntryInfo[];
  provider?: string;
  model?: string | null;
  routeTypes?: Record<string, string>;
  /** Priority groups of providers (AI backends with `groups`), first group first. */
  groups?: ProviderView[][];
  /** MCP backends: sessions open, and per target its health and the tools it listed last. */
  mcp?: Record<string, unknown>;
  /**
   * The `policies.ai` in force for this backend: route, backend and provider layers merged
   * field by field; `from` names the YAML path each field was taken from.
   */
  ai?: { policy: Record<string, unknown>; from: Record<string, string> } | null;
  /** The backend's own policies as written (the route's are on the route). */
  policies: Record<string, unknown>;
}

/** One provider of a backend's priority groups, with its own passive health. */
export interface ProviderView {
  name: string;
  provider: string;
  model: string | null;
  target: string | null;
  health: BackendHealth;
  promptCache?: PromptCacheView;
}

export interface RouteView {
  key: string | null;
  name: string | null;
  hostnames: string[];
  matches: Record<string, unknown>[];
  policies: Record<string, unknown>;
  backends: BackendView[];
}

export interface BindView {
  port: number;
  listening: boolean;
  inflight: number;
  listeners: { name: string; hostname: string | null; routes: RouteView[] }[];
}

export interface RuntimeView {
  version: number;
  file: string;
  fromFile: boolean;
  readOnly: boolean;
  synchronized: boolean;
  lastReload: ReloadResult | null;
  reloads: { successes: number; failures: number };
  pending: string[];
  watchedFiles: readonly string[];
  binds: BindView[];
  /** The llm section: its models and virtual models; null without one. */
  llm: LlmView | null;
  liveState: LiveEntryInfo[];
}

/** `threads`: what each worker thread serves (`--workers N`); empty when the main thread serves. */
export function runtimeView(gw: AdminGateway, readOnly: boolean, threads: readonly ThreadRuntime[] = []): RuntimeView {
  const status = gw.reloadStatus.current;
  const live = liveOf(gw, threads);
  const recent = gw.observability.recent.since(0);
  const listening = listenersOf(gw, threads);
  const simpleMcp = simpleMcpRoute(gw.config.config.mcp);
  const binds = (gw.config.config.binds ?? []).map((b): BindView => {
    const rt = gw.snapshot.binds.get(b.port);
    return {
      port: b.port,
      listening: listening.get(b.port)?.listening ?? false,
      inflight: listening.get(b.port)?.inflight ?? 0,
      listeners: b.listeners.map((l, li) => {
        const lrt = rt?.listeners[li];
        const routes = (l.routes ?? []).map((r, ri) => routeView(r, lrt?.routes.routes[ri], live, recent));
        // The simplified mcp: section's route, added to the first listener of its port.
        const extra = lrt?.routes.routes[routes.length];
        if (simpleMcp !== null && extra !== undefined) routes.push(routeView(simpleMcp, extra, live, recent));
        return { name: lrt?.name ?? l.name ?? `listener${li}`, hostname: l.hostname ?? null, routes };
      }),
    };
  });
  // ... or on a port of its own, or on the llm listener's (the llm view shows the rest of it).
  for (const [port, rt] of gw.snapshot.binds) {
    if (simpleMcp === null || binds.some((b) => b.port === port)) continue;
    const l = rt.listeners[0]!;
    const mcp = l.routes.routes.find((r) => r.mcp === true);
    if (mcp === undefined) continue;
    binds.push({
      port,
      listening: listening.get(port)?.listening ?? false,
      inflight: listening.get(port)?.inflight ?? 0,
      listeners: [{ name: l.name, hostname: null, routes: [routeView(simpleMcp, mcp, live, recent)] }],
    });
  }
  return {
    version: gw.snapshot.version,
    file: gw.file,
    fromFile: gw.fromFile,
    readOnly,
    synchronized: status.synchronized,
    lastReload: status.last,
    reloads: { successes: status.successes, failures: status.failures },
    pending: gw.pending(),
    watchedFiles: gw.files,
    binds,
    llm: llmView(gw, live, recent, listening),
    liveState: live,
  };
}

/**
 * Listening is the main thread's (it owns the sockets); requests in flight are every thread's:
 * with workers the main thread serves none, so a stream running on a worker counts.
 */
function listenersOf(gw: AdminGateway, threads: readonly ThreadRuntime[]): Map<number, { listening: boolean; inflight: number }> {
  const out = new Map(gw.listeners().map((l) => [l.port, { listening: l.listening, inflight: l.inflight }]));
  for (const t of threads)
    for (const l of t.listeners) {
      const mine = out.get(l.port);
      if (mine !== undefined) mine.inflight += l.inflight;
    }
  return out;
}

/**
 * Live objects by id, the threads' counts summed: each worker has its own upstream pools (a warm
 * connection lives in the worker that opened it), and the gateway's pool is all of them.
 */
function liveOf(gw: AdminGateway, threads: readonly ThreadRuntime[]): LiveEntryInfo[] {
  const byId = new Map<string, LiveEntryInfo>();
  for (const e of [gw.live.describe(), ...threads.map((t) => t.live)].flat()) {
    const seen = byId.get(e.id);
    byId.set(e.id, seen === undefined ? { id: e.id, status: e.status } : { id: e.id, status: summed(seen.status, e.status) });
  }
  return [...byId.values()];
}

function summed(a: Record<string, unknown> | null, b: Record<string, unknown> | null): Record<string, unknown> | null {
  if (a === null || b === null) return a ?? b;
  const out = { ...b, ...a };
  for (const [k, v] of Object.entries(b)) if (typeof v === 'number' && typeof a[k] === 'number') out[k] = (a[k] as number) + v;
  return out;
}

function routeView(r: RouteT, rt: RouteRt | undefined, live: LiveEntryInfo[], recent: RecentRequest[]): RouteView {
  return {
    key: rt?.key ?? null,
    name: rt?.name ?? r.name ?? null,
    hostnames: r.hostnames ?? [],
    matches: r.matches ?? [{ path: { pathPrefix: '/' } }],
    policies: redact(r.policies ?? {}) as Record<string, unknown>,
    backends: r.backends.map((b, i): BackendView => {
      const b0 = rt?.backends[i];
      const brt = b0?.kind === 'llm-router' ? undefined : b0;
      const names =
        brt === undefined ? new Set<string>() : new Set(brt.kind === 'ai-groups' ? brt.groups.flat().map((p) => p.name) : [brt.name]);
      return {
        ...(brt
          ? backendView(
              brt,
              live,
              recent.filter((q) => q.route === rt!.key && q.backend !== null && names.has(q.backend)),
            )
          : {}),
        policies: redact({ ...(b.policies ?? {}), ...(b.ai?.policies ?? {}) }) as Record<string, unknown>,
      };
    }),
  };
}

export function backendView(
  b: HostBackendRt | AiGroupsRt | McpBackendRt,
  live: LiveEntryInfo[],
  recent: RecentRequest[],
): Omit<BackendView, 'policies'> {
  if (b.kind === 'mcp') {
    return { key: b.key, kind: 'mcp', name: b.name, weight: b.weight, target: null, health: health(recent), mcp: b.mcp.liveStatus() };
  }
  const endpoints: BackendRt[] = b.kind === 'host' ? [b] : b.groups.flat();
  const origins = new Set(endpoints.map((e) => e.target?.origin).filter((o): o is string => o !== undefined));
  const first = endpoints[0]!;
  const base: Omit<BackendView, 'policies'> = {
    key: b.key,
    kind: b.kind === 'host' ? 'host' : 'ai',
    name: b.name,
    weight: b.weight,
    target: first.target?.origin ?? null,
    health: health(recent),
    ...promptCache(recent),
    state: live.filter((e) => e.id.startsWith(`${b.key}::`) || [...origins].some((o) => e.id === `${o}::pool`)),
  };
  if (b.kind === 'host' || first.kind !== 'ai') return base;
  const providerView = (p: AiBackendRt): ProviderView => {
    const mine = recent.filter((q) => q.backend === p.name);
    return {
      name: p.name,
      provider: p.provider.name,
      model: p.model ?? p.mock?.model ?? null,
      target: p.target?.origin ?? null,
      health: health(mine),
      ...promptCache(mine),
    };
  };
  return {
    ...base,
    provider: first.provider.name,
    model: first.model ?? first.mock?.model ?? null,
    routeTypes: Object.fromEntries([...b.routeTypes.suffixes, ['*', b.routeTypes.fallback]]),
    ...(endpoints.length > 1 ? { groups: b.groups.map((g) => g.map(providerView)) } : {}),
    ai: b.aiPolicy === null ? null : aiView(b.aiPolicy),
  };
}

function aiView(ai: NonNullable<AiGroupsRt['aiPolicy']>): NonNullable<BackendView['ai']> {
  return {
    policy: redact(ai.spec) as Record<string, unknown>,
    from: Object.fromEntries(Object.entries(ai.from).map(([field, path]) => [field, formatPath(path)])),
  };
}

/** Prompt tokens and cached ones of the recent requests that reported usage; {} when none did. */
function promptCache(recent: readonly RecentRequest[]): { promptCache?: PromptCacheView } {
  let inputTokens = 0;
  let cachedTokens = 0;
  for (const r of recent) {
    inputTokens += r.inputTokens ?? 0;
    cachedTokens += r.cachedTokens ?? 0;
  }
  return inputTokens > 0 ? { promptCache: { inputTokens, cachedTokens } } : {};
}

/** The simplified top-level mcp: section, as the route it compiles to. */
function simpleMcpRoute(m: SimpleMcpT | undefined): RouteT | null {
  if (m === undefined) return null;
  const { port: _port, gateways: _gateways, policies, ...backend } = m;
  return { name: 'mcp', ...(policies !== undefined ? { policies } : {}), backends: [{ mcp: backend }] };
}

/** Passive health: what the last requests to this backend got. */
export function health(recent: readonly RecentRequest[]): BackendHealth {
  const window = recent.slice(-HEALTH_WINDOW);
  const isFailure = (r: RecentRequest) => r.status >= 500 || (r.status === 0 && r.backend !== null);
  const failed = window.filter(isFailure).length;
  const last = window.at(-1);
  const tail = window.slice(-3);
  let state: Health = 'unknown';
  if (window.length > 0) {
    if (tail.length === 3 && tail.every(isFailure)) state = 'failing';
    else state = failed > 0 ? 'degraded' : 'healthy';
  }
  return { state, recent: window.length, failed, lastStatus: last?.status ?? null, lastAt: last?.at ?? null };
}
