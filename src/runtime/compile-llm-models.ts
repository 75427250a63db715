// `llm.models` entries as the rest of the compiler sees them: shared `llm.providers` references
// resolved (agentgateway's apply_provider_reference), `baseUrl` split into host, path prefix and
// TLS, and each entry written as the binds-style provider a route backend would hold. Errors
// found while compiling that desugared form are mapped back to the keys the user wrote.
import type { NamedProviderT } from '../config/schema/backends.js';
import { canonicalProviderKind, type LlmConfigT, type LlmModelT, type LlmParamsT, type LlmProviderKind } from '../config/schema/llm.js';
import { modelPatternSpecificity } from '../config/schema/model-pattern.js';
import type { BackendPoliciesT } from '../config/schema/policies.js';
import { compileRouteTypes, type RouteType, type RouteTypeTable } from '../llm/route-types.js';
import { compileProviderShaping } from '../policies/llm-transform.js';
import { PromptGuardPolicy } from '../policies/prompt-guard/guard.js';
import type { PolicyCompiler } from '../policies/types.js';
import type { Timeouts, UpstreamTimeouts } from '../policies/retry.js';
import type { AiCompiler } from './compile-ai.js';
import { compilePromptCaching } from './compile-affinity.js';
import { LLM_PROVIDERS } from './llm-providers.js';
import type { AiBackendRt, AiGroupsRt } from './snapshot.js';

export type Path = (string | number)[];

/**
 * agentgateway's default route types of the llm listener (`model_router.rs::default_route_types`),
 * those served here; plus `/chat/completions`, because LiteLLM's clients are often pointed at the
 * server root (`base_url="http://host:4000"`) and post there.
 */
export const LLM_ROUTES: Record<string, RouteType> = {
  '/v1/chat/completions': 'completions',
  '/chat/completions': 'completions',
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'anthropicTokenCount',
  '*': 'passthrough',
};

export interface LlmCompiler extends AiCompiler {
  /** Limits on every upstream call of a route whose timeout policy is `timeouts`. */
  upstreamLimits(timeouts: Timeouts | null): UpstreamTimeouts;
  /** Runs `fn` with problem paths passed through `map` (desugared keys -> what the user wrote). */
  withPathMap<T>(map: (path: Path) => Path, fn: () => T): T;
}

/** Policy fields a model may take from its shared provider's `defaults`. */
const DEFAULTABLE = [
  'defaults',
  'overrides',
  'transformation',
  'requestHeaders',
  'responseHeaders',
  'tls',
  'auth',
  'health',
  'promptCaching',
] as const;
type Defaultable = (typeof DEFAULTABLE)[number];

/** A model entry with its provider reference resolved, and where each setting was written. */
export interface EffectiveModel {
  readonly spec: LlmModelT;
  /** Position in `llm.models` (keys, config order). */
  readonly index: number;
  readonly path: Path;
  readonly kind: LlmProviderKind;
  readonly params: LlmParamsT;
  readonly settings: Pick<LlmModelT, Defaultable>;
  /** YAML path of each setting (the model's own, or its provider's defaults). */
  readonly origin: Readonly<Record<Defaultable | 'params', Path>>;
}

/** The models, most specific name first (then config order), providers resolved; null entries failed. */
export function effectiveModels(c: PolicyCompiler, llm: LlmConfigT): EffectiveModel[] {
  const providers = new Map<string, { spec: NonNullable<LlmConfigT['providers']>[number]; path: Path }>();
  (llm.providers ?? []).forEach((p, i) => {
    if (providers.has(p.name)) c.fail(['llm', 'providers', i, 'name'], `provider "${p.name}" is defined twice`);
    providers.set(p.name, { spec: p, path: ['llm', 'providers', i] });
  });
  const ids = new Set<string>();
  const out: EffectiveModel[] = [];
  llm.models.forEach((m, index) => {
    const path: Path = ['llm', 'models', index];
    if (m.id !== undefined) {
      if (ids.has(m.id)) c.fail([...path, 'id'], `model id "${m.id}" is used twice`);
      ids.add(m.id);
    }
    const own = Object.fromEntries(DEFAULTABLE.map((k) => [k, [...path, k]])) as Record<Defaultable, Path>;
    if (typeof m.provider === 'string') {
      out.push({
        spec: m,
        index,
        path,
        kind: canonicalProviderKind(m.provider),
        params: m.params ?? {},
        settings: m,
        origin: { ...own, params: [...path, 'params'] },
      });
      return;
    }
    const ref = providers.get(m.provider.reference);
    if (ref === undefined) {
      const known = [...providers.keys()];
      c.fail(
        [...path, 'provider', 'reference'],
        `no llm.providers entry named "${m.provider.reference}"${known.length > 0 ? ` (defined: ${known.join(', ')})` : ''}`,
      );
      return;
    }
    const extra = Object.keys(m.params ?? {}).filter((k) => k !== 'model');
    if (extra.length > 0) {
      c.fail([...path, 'params', extra[0]!], `a model referencing provider "${ref.spec.name}" may set only params.model`);
    }
    const d = ref.spec.defaults ?? {};
    const settings: Record<string, unknown> = {};
    const origin: Record<string, Path> = { params: [...ref.path, 'params'] };
    for (const k of DEFAULTABLE) {
      const mine = m[k];
      const theirs = d[k];
      const isMap = k === 'defaults' || k === 'overrides' || k === 'transformation';
      settings[k] = isMap && mine !== undefined && theirs !== undefined ? { ...theirs, ...mine } : (mine ?? theirs);
      origin[k] = mine !== undefined || theirs === undefined ? own[k] : [...ref.path, 'defaults', k];
    }
    out.push({
      spec: m,
      index,
      path,
      kind: canonicalProviderKind(ref.spec.provider),
      params: { ...ref.spec.params, ...(m.params?.model !== undefined ? { model: m.params.model } : {}) },
      settings: settings as EffectiveModel['settings'],
      origin: origin as EffectiveModel['origin'],
    });
  });
  return out.sort((a, b) => modelPatternSpecificity(b.spec.name) - modelPatternSpecificity(a.spec.name) || a.index - b.index);
}

interface BaseUrl {
  readonly hostPort: string;
  readonly pathPrefix: string | undefined;
  readonly https: boolean;
}

/** `https://host[:port]/base` -> host override, path prefix (the provider's base path replaced) and TLS. */
export function splitBaseUrl(c: PolicyCompiler, url: string, path: Path): BaseUrl | null {
  const u = new URL(url);
  if (u.username !== '' || u.password !== '' || u.search !== '' || u.hash !== '') {
    c.fail(path, 'baseUrl may not carry user info, a query or a fragment');
    return null;
  }
  const https = u.protocol === 'https:';
  const port = u.port !== '' ? u.port : https ? '443' : '80';
  const base = u.pathname.replace(/\/+$/, '');
  return { hostPort: `${u.hostname}:${port}`, pathPrefix: base === '' ? undefined : base, https };
}

/**
 * The binds-style provider for a model entry: `name` identifies it (metrics, balancer state),
 * `upstreamModel` is the model sent (params.model unless a failover target names its own).
 */
export function desugarProvider(
  c: PolicyCompiler,
  m: EffectiveModel,
  name: string,
  upstreamModel: string | undefined,
  withHealth: boolean,
): NamedProviderT {
  const { params, settings } = m;
  const base = params.baseUrl !== undefined ? splitBaseUrl(c, params.baseUrl, [...m.origin.params, 'baseUrl']) : null;
  if (params.apiKey !== undefined && settings.auth !== undefined) {
    c.fail(m.origin.auth, 'set either params.apiKey or auth, not both');
  }
  const policies: BackendPoliciesT = {};
  const auth = settings.auth ?? (params.apiKey !== undefined ? { key: params.apiKey } : undefined);
  if (auth !== undefined) policies.backendAuth = auth;
  const tls = settings.tls ?? (base?.https === true ? {} : undefined);
  if (tls !== undefined) policies.backendTLS = tls;
  if (settings.requestHeaders !== undefined) policies.requestHeaderModifier = settings.requestHeaders;
  if (settings.responseHeaders !== undefined) policies.responseHeaderModifier = settings.responseHeaders;
  if (withHealth && settings.health !== undefined) policies.health = settings.health;
  return {
    name,
    provider: LLM_PROVIDERS[m.kind].provider(upstreamModel, params),
    ...(base !== null ? { hostOverride: base.hostPort } : {}),
    ...(base?.pathPrefix !== undefined ? { pathPrefix: base.pathPrefix } : {}),
    policies,
  };
}

/**
 * Maps a path inside the desugared provider (`<at>.policies.backendTLS.root`) back to what the
 * user wrote (`llm.models[2].tls.root`, `llm.providers[0].params.apiKey`); other paths unchanged.
 */
export function originOf(m: EffectiveModel, at: Path): (path: Path) => Path {
  return (path) => {
    if (path.length <= at.length || at.some((k, i) => path[i] !== k) || path[at.length] !== 'policies') return path;
    const [kind, ...rest] = path.slice(at.length + 1);
    switch (kind) {
      case 'backendTLS':
        return m.settings.tls !== undefined ? [...m.origin.tls, ...rest] : [...m.origin.params, 'baseUrl'];
      case 'backendAuth':
        return m.settings.auth !== undefined ? [...m.origin.auth, ...rest] : [...m.origin.params, 'apiKey'];
      case 'requestHeaderModifier':
        return [...m.origin.requestHeaders, ...rest];
      case 'responseHeaderModifier':
        return [...m.origin.responseHeaders, ...rest];
      case 'health':
        return [...m.origin.health, ...rest];
      default:
        return path;
    }
  };
}

/** A compiled AI backend given the llm route types, guards and each provider's body shaping. */
export function llmBackend(
  c: LlmCompiler,
  g: AiGroupsRt,
  shapingOf: EffectiveModel | ((p: AiBackendRt) => EffectiveModel),
  guard: PromptGuardPolicy | null,
  routeTypes: RouteTypeTable = compileRouteTypes(LLM_ROUTES),
): AiGroupsRt {
  const modelOf = typeof shapingOf === 'function' ? shapingOf : () => shapingOf;
  const shaped = new Map<EffectiveModel, ReturnType<typeof compileProviderShaping>>();
  const shapingFor = (m: EffectiveModel) => {
    if (!shaped.has(m)) shaped.set(m, compileProviderShaping(m.settings, m.origin.transformation.slice(0, -1), c));
    return shaped.get(m)!;
  };
  return {
    ...g,
    routeTypes,
    guard,
    groups: g.groups.map((grp) =>
      grp.map((p) => ({
        ...p,
        bodyShaping: shapingFor(modelOf(p)),
        promptCaching: compilePromptCaching(modelOf(p).settings.promptCaching),
      })),
    ),
  };
}

/** llm.policies.guardrails, then the model's own. */
export function combineGuards(shared: PromptGuardPolicy | null, own: PromptGuardPolicy | null): PromptGuardPolicy | null {
  if (shared === null || own === null) return shared ?? own;
  return new PromptGuardPolicy([...shared.request, ...own.request], [...shared.response, ...own.response]);
}
