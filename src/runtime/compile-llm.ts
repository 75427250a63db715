// The `llm:` section compiled into the structures `binds:` uses: one listener per port with one
// route (`llm`, every path) whose only backend is a model router. The route carries the
// section's policies (authentication, authorization, CORS, rate limits, timeouts, retries) as any
// route does; each model entry becomes a single-provider AI backend (the same pools, credential
// injection, translation and guards as a binds backend), and a failover virtual model an AI
// backend with priority groups. The request's `model` picks one of them (src/pipeline/
// model-router.ts), after which the request runs exactly like one on a binds route.
import { formatPath, nearest } from '../config/errors.js';
import type { ConfigT } from '../config/schema/root.js';
import type { LlmModelT } from '../config/schema/llm.js';
import { modelPatternTest } from '../config/schema/model-pattern.js';
import type { RoutePoliciesT } from '../config/schema/policies.js';
import { compileRouteTypes, type RouteTypeTable } from '../llm/route-types.js';
import { compileAuthorization } from '../policies/authorization.js';
import { compilePromptGuard } from '../policies/prompt-guard/compile.js';
import type { PromptGuardPolicy } from '../policies/prompt-guard/guard.js';
import { compileRequestPolicies, effectivePolicies } from '../policies/request-policies.js';
import { compileAiBackend } from './compile-ai.js';
import {
  combineGuards,
  desugarProvider,
  effectiveModels,
  LLM_ROUTES,
  llmBackend,
  originOf,
  type EffectiveModel,
  type LlmCompiler,
  type Path,
} from './compile-llm-models.js';
import { compileRouteTraffic } from './compile-traffic.js';
import { compileVirtualModels } from './compile-llm-virtual.js';
import type { HeaderCondition, LlmModelRt, ModelRouterRt, RouteRt } from './snapshot.js';

export const DEFAULT_LLM_PORT = 4000;
export const LLM_LISTENER = 'llm';
export type { LlmCompiler };

export interface LlmListener {
  readonly ports: readonly number[];
  readonly route: RouteRt;
}

/** Compiles `config.llm`; `taken` holds the ports binds already use (port -> who). */
export function compileLlm(c: LlmCompiler, config: ConfigT, taken: ReadonlyMap<number, string>): LlmListener | null {
  const llm = config.llm;
  warnUnusedGateways(c, config);
  if (llm === undefined) return null;
  const ports = llmPorts(c, config, taken);
  const sharedGuard = llm.policies?.guardrails;
  const shared = sharedGuard !== undefined ? compilePromptGuard(sharedGuard, ['llm', 'policies', 'guardrails'], c) : null;
  const models = effectiveModels(c, llm);
  warnShadowed(c, models);
  const routeKey = `${ports[0] ?? DEFAULT_LLM_PORT}/${LLM_LISTENER}/${LLM_LISTENER}`;
  const compiled = models.map((m) => compileModel(c, m, shared, routeKey));
  const virtualModels = compileVirtualModels(c, llm, models, shared);
  const publicNames = llm.models.filter((m) => (m.visibility ?? 'public') === 'public').map((m) => m.name);
  const router: ModelRouterRt = {
    kind: 'llm-router',
    key: `${routeKey}/router`,
    name: 'llm',
    weight: 1,
    routeTypes: compileRouteTypes(LLM_ROUTES),
    models: compiled,
    virtualModels,
    publicModels: [...new Set([...publicNames, ...virtualModels.keys()])],
    created: Math.floor(performance.timeOrigin / 1000),
  };
  const p = llm.policies ?? {};
  const requestSpec: RoutePoliciesT = pick(p, ['jwtAuth', 'apiKey', 'basicAuth', 'authorization', 'cors', 'csrf']);
  const trafficSpec: RoutePoliciesT = pick(p, ['localRateLimit', 'redisRateLimit', 'retry', 'timeout']);
  const traffic = compileRouteTraffic(trafficSpec, ['llm', 'policies'], c, c.liveObjects, {
    key: routeKey,
    portlessKey: `${LLM_LISTENER}/${LLM_LISTENER}`,
  });
  const route: RouteRt = {
    key: routeKey,
    name: LLM_LISTENER,
    backends: [router],
    totalWeight: 1,
    policies: effectivePolicies({}, compileRequestPolicies(requestSpec, ['llm', 'policies'], c)),
    traffic,
    a2a: false,
    upstreamTimeouts: c.upstreamLimits(traffic?.timeouts ?? null),
    dialect: { routeTypes: router.routeTypes, providerFormat: null },
  };
  return { ports, route };
}

/** An entry after one of the same name without conditions can never be chosen. */
function warnShadowed(c: LlmCompiler, models: readonly EffectiveModel[]): void {
  const open = new Map<string, EffectiveModel>();
  for (const m of [...models].sort((a, b) => a.index - b.index)) {
    const first = open.get(m.spec.name);
    if (first !== undefined) {
      c.warn(
        `${formatPath(m.path)}: never chosen: ${formatPath(first.path)} has the same name "${m.spec.name}" and no matches or authorization`,
      );
    } else if (m.spec.matches === undefined && m.spec.authorization === undefined) open.set(m.spec.name, m);
  }
}

function pick<K extends keyof RoutePoliciesT>(p: Partial<Record<K, unknown>>, keys: readonly K[]): RoutePoliciesT {
  return Object.fromEntries(keys.filter((k) => p[k] !== undefined).map((k) => [k, p[k]])) as RoutePoliciesT;
}

/** `port`, else the named gateways' ports, else the gateway named "default", else 4000. */
function llmPorts(c: LlmCompiler, config: ConfigT, taken: ReadonlyMap<number, string>): number[] {
  const llm = config.llm!;
  const gateways = config.gateways ?? {};
  let ports: { port: number; at: Path }[];
  if (llm.port !== undefined) ports = [{ port: llm.port, at: ['llm', 'port'] }];
  else if (llm.gateways !== undefined) {
    const names = [llm.gateways].flat();
    const at = (i: number): Path => (typeof llm.gateways === 'string' ? ['llm', 'gateways'] : ['llm', 'gateways', i]);
    ports = [];
    names.forEach((n, i) => {
      const gw = gateways[n];
      if (gw !== undefined) return void ports.push({ port: gw.port, at: at(i) });
      const hint = nearest(n, Object.keys(gateways));
      const listener = n.includes('/') ? ' (gateway listeners are not supported: name the gateway)' : '';
      c.fail(at(i), `no gateway named "${n}"${listener}${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`);
    });
  } else if (gateways.default !== undefined) ports = [{ port: gateways.default.port, at: ['gateways', 'default', 'port'] }];
  else ports = [{ port: DEFAULT_LLM_PORT, at: ['llm'] }];
  const seen = new Set<number>();
  for (const { port, at } of ports) {
    const owner = taken.get(port);
    const what = at[0] === 'llm' && at.length === 1 ? `llm (default port ${port})` : formatPath(at);
    if (owner !== undefined) c.fail(at, `port ${port} is used by both ${owner} and ${what}; binds and llm need their own ports`);
    seen.add(port);
  }
  return [...seen];
}

function warnUnusedGateways(c: LlmCompiler, config: ConfigT): void {
  const used = new Set(config.llm === undefined ? [] : config.llm.gateways !== undefined ? [config.llm.gateways].flat() : ['default']);
  if (config.llm?.port !== undefined) used.clear();
  // The simplified mcp: section attaches to gateways the same way.
  const mcp = config.mcp;
  if (mcp !== undefined && mcp.port === undefined)
    for (const n of mcp.gateways !== undefined ? [mcp.gateways].flat() : ['default']) used.add(n);
  for (const name of Object.keys(config.gateways ?? {})) {
    if (!used.has(name)) c.warn(`gateways.${name}: nothing is attached to this gateway, so it opens no port`);
  }
}

function compileModel(c: LlmCompiler, m: EffectiveModel, shared: PromptGuardPolicy | null, routeKey: string): LlmModelRt {
  const spec = m.spec;
  const key = `llm:model:${spec.id ?? `${spec.name}:${m.index}`}`;
  const own = spec.guardrails !== undefined ? compilePromptGuard(spec.guardrails, [...m.path, 'guardrails'], c) : null;
  const backend = c.withPathMap(originOf(m, m.path), () =>
    compileAiBackend(c, desugarProvider(c, m, spec.name, m.params.model, false), [], m.path, key, 1),
  );
  const traffic =
    spec.localRateLimit !== undefined
      ? compileRouteTraffic({ localRateLimit: spec.localRateLimit }, m.path, c, c.liveObjects, {
          key: `${routeKey}/${key}`,
          portlessKey: `${LLM_LISTENER}/${key}`,
        })
      : null;
  return {
    name: spec.name,
    index: m.index,
    test: modelPatternTest(spec.name),
    visibility: spec.visibility ?? 'public',
    headerMatches: spec.matches?.map((mm) => mm.headers.map(headerCondition)) ?? null,
    authorization: (spec.authorization && compileAuthorization(spec.authorization, [...m.path, 'authorization'], c)) ?? null,
    rateLimit: traffic?.rateLimit ?? null,
    backend: llmBackend(c, backend, m, combineGuards(shared, own), passthroughTable(spec)),
  };
}

/** The llm route types; `passthrough` changes what paths without a route type get. */
function passthroughTable(spec: LlmModelT): RouteTypeTable {
  if (spec.passthrough !== 'detect') return compileRouteTypes(LLM_ROUTES);
  return compileRouteTypes({ ...LLM_ROUTES, '*': 'detect' });
}

function headerCondition(h: { name: string; value: { exact?: string | undefined; regex?: string | undefined } }): HeaderCondition {
  const name = h.name.toLowerCase();
  return h.value.exact !== undefined ? { name, exact: h.value.exact } : { name, regex: new RegExp(`^(?:${h.value.regex!})$`) };
}
