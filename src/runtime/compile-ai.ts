// Compiling an AI backend: one provider or priority `groups` of them, the pick-2 state over the
// groups, each provider's passive health, and the `policies.ai` in force (route types, request
// shaping, prompt guards), merged field by field over the layers route < backend < provider (a
// single provider's own `policies.ai` counts for the backend; inside groups, `ai` policies
// belong on the backend).
import { formatPath } from '../config/errors.js';
import type { AiBackendT, NamedProviderT } from '../config/schema/backends.js';
import type { BackendPoliciesT } from '../config/schema/policies.js';
import type { Slot } from '../lb/balancer.js';
import { compileRouteTypes } from '../llm/route-types.js';
import { compileHealth, GROUPS_DEFAULT_HEALTH, type HealthPolicy } from '../policies/health.js';
import { compileAliases, type LlmRequestShaping } from '../policies/llm-request.js';
import { compilePromptGuard } from '../policies/prompt-guard/compile.js';
import type { PolicyCompiler } from '../policies/types.js';
import type { PolicyLayer } from './header-layers.js';
import { backendAffinity, compilePromptCaching } from './compile-affinity.js';
import { balancerState } from './live-objects.js';
import { type AiPolicyT, mergeAiPolicies, shadowWarnings } from './merge-ai.js';
import type { LiveScope } from './live.js';
import type { AiBackendRt, AiGroupsRt } from './snapshot.js';

type Path = (string | number)[];

export interface AiCompiler extends PolicyCompiler {
  /** Live state for balancer statistics (see live-objects.ts). */
  readonly liveObjects: LiveScope;
  /** One provider endpoint, with its merged layers. */
  provider(p: NamedProviderT, layers: readonly PolicyLayer[], path: Path, slot: Slot | null, health: HealthPolicy | null): AiBackendRt;
}

interface ProviderAt {
  readonly p: NamedProviderT;
  readonly path: Path;
}

export function compileAiBackend(
  c: AiCompiler,
  ai: AiBackendT,
  layers: readonly PolicyLayer[],
  path: Path,
  key: string,
  weight: number,
): AiGroupsRt {
  const single = ai.groups === undefined;
  const groups: ProviderAt[][] = single
    ? [[{ p: ai as NamedProviderT, path }]]
    : ai.groups!.map((g, gi) => g.providers.map((p, pi) => ({ p, path: [...path, 'groups', gi, 'providers', pi] })));
  checkNames(c, groups);
  // A single provider's policies.ai is the backend's; in groups, providers may not set one.
  const backendLayers = single ? [...layers, { policies: ai.policies, path }] : layers;
  const merged = mergeAiPolicies(backendLayers);
  if (merged !== null) for (const w of shadowWarnings(merged)) c.warn(w);
  const aiPolicy = merged?.spec;
  const multi = groups.length > 1 || groups[0]!.length > 1;
  const names = groups.map((g) => g.map((x) => x.p.name));
  const balancer = multi ? balancerState(c.liveObjects, key, names) : null;
  const promptCaching = compilePromptCaching(aiPolicy?.promptCaching);
  const compiled = groups.map((g, gi) =>
    g.map(({ p, path: at }, pi) => {
      if (!single && p.policies?.ai !== undefined)
        c.fail([...at, 'policies', 'ai'], 'ai policies of grouped providers belong on the backend (or route), which every group shares');
      if (!single && p.policies?.sessionAffinity !== undefined)
        c.fail([...at, 'policies', 'sessionAffinity'], 'sessionAffinity chooses among the providers: it belongs on the backend (or route)');
      const own = [...layers, { policies: p.policies, path: at }];
      const spec = own.reduce<BackendPoliciesT['health']>((h, l) => l.policies?.health ?? h, undefined);
      if (spec !== undefined && !multi && p.policies?.health !== undefined) {
        c.warn(
          `${formatPath([...at, 'policies', 'health'])}: health has no effect on a backend with a single provider (there is nothing to fail over to)`,
        );
      }
      const health =
        spec !== undefined ? compileHealth(spec, [...at, 'policies', 'health'], c) : groups.length > 1 ? GROUPS_DEFAULT_HEALTH : null;
      return { ...c.provider(p, own, at, multi ? { bucket: gi, index: pi } : null, health), promptCaching };
    }),
  );
  const guard =
    aiPolicy?.promptGuard !== undefined ? compilePromptGuard(aiPolicy.promptGuard, [...merged!.from.promptGuard!, 'promptGuard'], c) : null;
  return {
    kind: 'ai-groups',
    key,
    name: single
      ? ai.name!
      : compiled
          .flat()
          .map((p) => p.name)
          .join(','),
    weight,
    routeTypes: compileRouteTypes(aiPolicy?.routes),
    groups: compiled,
    balancer,
    affinity: backendAffinity(c, backendLayers, key, names),
    shaping: shapingOf(aiPolicy),
    guard,
    aiPolicy: merged !== null ? { spec: merged.spec, from: merged.from } : null,
    failoverRetry: null,
  };
}

function checkNames(c: PolicyCompiler, groups: readonly ProviderAt[][]): void {
  const seen = new Set<string>();
  for (const { p, path } of groups.flat()) {
    if (seen.has(p.name))
      c.fail([...path, 'name'], `provider name "${p.name}" is used twice in this backend; names identify providers in load-balancer state`);
    seen.add(p.name);
  }
}

function shapingOf(ai: AiPolicyT | undefined): LlmRequestShaping | null {
  if (ai === undefined) return null;
  const { modelAliases, defaults, overrides, prompts } = ai;
  if (modelAliases === undefined && defaults === undefined && overrides === undefined && prompts === undefined) return null;
  return {
    aliases: modelAliases !== undefined ? compileAliases(modelAliases) : null,
    defaults: defaults ?? null,
    overrides: overrides ?? null,
    prepend: prompts?.prepend ?? [],
    append: prompts?.append ?? [],
  };
}
