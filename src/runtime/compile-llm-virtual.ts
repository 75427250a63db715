// `llm.virtualModels`: model names that route to model entries. Weighted and conditional ones
// pick a target name per request, which is then resolved like a client's model; a failover one
// is an AI backend whose priority groups hold its targets' providers, so the pick-2 balancer,
// passive health and eviction of `ai.groups` decide, and a built-in retry moves a request that
// fails before answering to the next provider in rotation.
import { formatPath } from '../config/errors.js';
import type { LlmConfigT } from '../config/schema/llm.js';
import { modelPatternTest } from '../config/schema/model-pattern.js';
import { compileRequestCondition } from '../policies/conditions.js';
import type { PromptGuardPolicy } from '../policies/prompt-guard/guard.js';
import { DEFAULT_MAX_RETRY_AFTER_MS, RetryPolicy } from '../policies/retry.js';
import { compileAiBackend } from './compile-ai.js';
import { affinityRt, weightedAffinity } from './compile-affinity.js';
import { desugarProvider, llmBackend, originOf, type EffectiveModel, type LlmCompiler, type Path } from './compile-llm-models.js';
import type { AiBackendRt, VirtualModelRt } from './snapshot.js';

type VirtualSpec = NonNullable<LlmConfigT['virtualModels']>[number];

/** Statuses a failover virtual model moves on after (before any byte reached the client). */
const FAILOVER_CODES = new Set([429, 500, 502, 503, 504, 529]);

export function compileVirtualModels(
  c: LlmCompiler,
  llm: LlmConfigT,
  models: readonly EffectiveModel[],
  shared: PromptGuardPolicy | null,
): Map<string, VirtualModelRt> {
  const out = new Map<string, VirtualModelRt>();
  const bypassed = new Map<EffectiveModel, string[]>();
  (llm.virtualModels ?? []).forEach((v, i) => {
    const path: Path = ['llm', 'virtualModels', i];
    if (out.has(v.name)) return c.fail([...path, 'name'], `virtual model "${v.name}" is defined twice`);
    const compiled = compileVirtual({ c, models, shared, bypassed }, v, path);
    if (compiled !== null) out.set(v.name, compiled);
  });
  for (const [m, via] of bypassed) {
    c.warn(
      `${formatPath(m.path)} ("${m.spec.name}"): its guardrails, localRateLimit and authorization do not apply when failover virtual model(s) ${via.join(', ')} reach it; set them in llm.policies`,
    );
  }
  return out;
}

/** The entry a target name resolves to: the most specific whose name matches, any visibility. */
function target(c: LlmCompiler, models: readonly EffectiveModel[], name: string, at: Path): EffectiveModel | undefined {
  const m = models.find((e) => modelPatternTest(e.spec.name)(name));
  if (m === undefined) c.fail(at, `target "${name}" does not match any llm.models entry`);
  return m;
}

/** What every virtual model is compiled against. */
interface Scope {
  readonly c: LlmCompiler;
  readonly models: readonly EffectiveModel[];
  /** llm.policies.guardrails, compiled. */
  readonly shared: PromptGuardPolicy | null;
  /** Models whose own policies failover virtual models bypass, with those virtual models. */
  readonly bypassed: Map<EffectiveModel, string[]>;
}

function compileVirtual(scope: Scope, v: VirtualSpec, path: Path): VirtualModelRt | null {
  const { c, models } = scope;
  const r = v.routing;
  if (r.weighted !== undefined) {
    const at: Path = [...path, 'routing', 'weighted', 'targets'];
    r.weighted.targets.forEach((t, ti) => target(c, models, t.model, [...at, ti, 'model']));
    const targets = r.weighted.targets.map((t) => ({ model: t.model, weight: t.weight ?? 1 }));
    const totalWeight = targets.reduce((s, t) => s + t.weight, 0);
    if (totalWeight === 0) c.fail(at, 'every target has weight 0');
    const affinity = weightedAffinity(c, v.sessionAffinity, [...path, 'sessionAffinity'], targets);
    return { kind: 'weighted', name: v.name, targets, totalWeight, affinity };
  }
  if (r.conditional !== undefined) {
    if (v.sessionAffinity !== undefined) {
      c.warn(
        `${formatPath([...path, 'sessionAffinity'])}: a conditional virtual model's target is chosen by its conditions; sessionAffinity has no effect`,
      );
    }
    const at: Path = [...path, 'routing', 'conditional', 'targets'];
    const list = r.conditional.targets;
    const targets = list.map((t, ti) => {
      target(c, models, t.model, [...at, ti, 'model']);
      if (t.when === undefined && ti !== list.length - 1) c.fail([...at, ti], 'only the last target may omit `when`');
      return { model: t.model, when: t.when !== undefined ? (compileRequestCondition(t.when, [...at, ti, 'when'], c) ?? null) : null };
    });
    return { kind: 'conditional', name: v.name, targets };
  }
  return compileFailover(scope, v, path);
}

function compileFailover({ c, models, shared, bypassed }: Scope, v: VirtualSpec, path: Path): VirtualModelRt | null {
  const at: Path = [...path, 'routing', 'failover', 'targets'];
  const targets = v.routing.failover!.targets.map((t, ti) => ({ ...t, at: [...at, ti] as Path }));
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.model)) c.fail([...t.at, 'model'], `target "${t.model}" is listed twice`);
    seen.add(t.model);
  }
  const priorities = [...new Set(targets.map((t) => t.priority))].sort((a, b) => a - b);
  const resolved = priorities.map((prio) =>
    targets
      .filter((t) => t.priority === prio)
      .map((t) => ({ t, m: target(c, models, t.model, [...t.at, 'model']) }))
      .filter((x): x is { t: (typeof targets)[number]; m: EffectiveModel } => x.m !== undefined),
  );
  const flat = resolved.flat();
  if (flat.length !== targets.length) return null;
  for (const { m } of flat) {
    if (m.spec.guardrails !== undefined || m.spec.localRateLimit !== undefined || m.spec.authorization !== undefined) {
      bypassed.set(m, [...(bypassed.get(m) ?? []), v.name]);
    }
  }
  const key = `llm:virtual-model:${v.name}`;
  const groups = resolved.map((g) => g.map(({ t, m }) => ({ p: desugarProvider(c, m, t.model, m.params.model ?? t.model, true), m })));
  const backend = c.withPathMap(pathsIn(groups, path), () =>
    compileAiBackend(c, { groups: groups.map((g) => ({ providers: g.map((x) => x.p) })) }, [], path, key, 1),
  );
  const byName = new Map(groups.flat().map((x) => [x.p.name, x.m]));
  const spec = v.sessionAffinity;
  const names = groups.map((g) => g.map((x) => x.p.name));
  const affinity = spec !== undefined && flat.length > 1 ? affinityRt(c, spec, [...path, 'sessionAffinity'], key, names) : null;
  if (spec !== undefined && affinity === null)
    c.warn(`${formatPath([...path, 'sessionAffinity'])}: one target, nothing to choose; sessionAffinity has no effect`);
  const retry: RetryPolicy | null =
    flat.length > 1
      ? new RetryPolicy({
          retries: flat.length - 1,
          backoffMs: 0,
          maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
          codes: FAILOVER_CODES,
          condition: null,
        })
      : null;
  return {
    kind: 'failover',
    name: v.name,
    backend: { ...llmBackend(c, backend, (p: AiBackendRt) => byName.get(p.name)!, shared), failoverRetry: retry, affinity },
  };
}

/** Problems inside the desugared groups point at the target's model entry. */
function pathsIn(groups: readonly (readonly { m: EffectiveModel }[])[], path: Path): (p: Path) => Path {
  const maps = groups.flatMap((g, gi) => g.map(({ m }, pi) => originOf(m, [...path, 'groups', gi, 'providers', pi])));
  return (p) => maps.reduce((acc, map) => map(acc), p);
}
