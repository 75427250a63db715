// How LiteLLM routes between deployments, as `llm:` models and virtual models:
// - a model_name with one deployment and no fallbacks is a public model entry of that name;
// - several deployments: internal entries `litellm/<name>/<n>` behind a virtual model <name>,
//   weighted by `weight`/rpm (simple-shuffle, LiteLLM's default) or balanced by health and
//   latency (least-busy, latency- and usage-based routing: pick-2 within one failover priority);
// - fallbacks (`router_settings.fallbacks`, `litellm_settings.default_fallbacks`): a failover
//   virtual model, the model's own deployments first, then each fallback's, in order;
// - `model_group_alias`: another name for the same routing.
import type { Json, Noted } from '../plan.js';
import type { Deployment } from './deployments.js';
import type { LiteLlmSource, YamlPath } from './source.js';

export interface RoutingSettings {
  /** weighted: simple-shuffle; balanced: pick-2 over health and latency. */
  readonly strategy: 'weighted' | 'balanced';
  readonly fallbacks: ReadonlyMap<string, { readonly targets: readonly string[]; readonly path: YamlPath }>;
  readonly defaultFallbacks: { readonly targets: readonly string[]; readonly path: YamlPath } | null;
  readonly aliases: ReadonlyMap<string, { readonly target: string; readonly path: YamlPath }>;
}

export interface Routed {
  readonly models: Noted<Json>[];
  readonly virtualModels: Noted<Json>[];
}

export function routeDeployments(src: LiteLlmSource, deployments: readonly Deployment[], s: RoutingSettings): Routed {
  const groups = new Map<string, Deployment[]>();
  for (const d of deployments) groups.set(d.name, [...(groups.get(d.name) ?? []), d]);
  const fallbacksOf = (name: string) => {
    const own = s.fallbacks.get(name);
    if (own !== undefined) return own;
    if (s.defaultFallbacks === null || name.includes('*')) return null;
    const targets = s.defaultFallbacks.targets.filter((t) => t !== name);
    return targets.length > 0 ? { targets, path: s.defaultFallbacks.path } : null;
  };
  // Deployments that sit behind a virtual model get internal names; the rest keep the public one.
  const targetsOf = new Map<string, string[]>();
  const models: Noted<Json>[] = [];
  const failover = (name: string) => fallbacksOf(name) !== null || (s.strategy === 'balanced' && groups.get(name)!.length > 1);
  const fallbackTargets = new Set([...groups.keys()].flatMap((n) => (failover(n) ? (fallbacksOf(n)?.targets ?? []) : [])));
  const limits = (d: Deployment, name: string) => limitsOf(src, d, failover(name), fallbackTargets.has(name));
  for (const [name, list] of groups) {
    const behindVirtual = list.length > 1 || fallbacksOf(name) !== null;
    if (behindVirtual && name.includes('*')) {
      list
        .slice(1)
        .forEach((d) => src.skipped(d.path, `a second deployment of wildcard model "${name}" cannot be balanced or failed over`));
      models.push({ value: { name, ...list[0]!.entry, ...limits(list[0]!, name) }, note: list[0]!.note });
      targetsOf.set(name, [name]);
      continue;
    }
    const names = list.map((_d, i) => (behindVirtual ? `litellm/${name}${list.length > 1 ? `/${i + 1}` : ''}` : name));
    list.forEach((d, i) => {
      const visibility = behindVirtual ? { visibility: 'internal' } : {};
      models.push({ value: { name: names[i]!, ...visibility, ...d.entry, ...limits(d, name) }, note: d.note });
    });
    targetsOf.set(name, names);
  }
  const virtualModels: Noted<Json>[] = [];
  const routingOf = new Map<string, Json>();
  for (const [name, list] of groups) {
    const fb = fallbacksOf(name);
    const own = targetsOf.get(name)!;
    let routing: Json | null = null;
    let note = '';
    if (fb !== null && !name.includes('*')) {
      const chain = fb.targets.flatMap((t) => {
        const names = targetsOf.get(t);
        if (names === undefined) src.skipped(fb.path, `fallback "${t}" of "${name}" is not in model_list`);
        return names === undefined ? [] : [names];
      });
      const targets = [own, ...chain].flatMap((names, priority) => names.map((model) => ({ model, priority })));
      routing = { failover: { targets } };
      note = `${src.where(fb.path)}: ${name} falls back to ${fb.targets.join(', ')}, in order`;
      if (own.length > 1 && s.strategy === 'weighted' && new Set(list.map((d) => d.weight)).size > 1) {
        src.approximate(
          fb.path,
          `the deployments of "${name}" share one failover priority, balanced by health and latency rather than by weight`,
        );
      }
    } else if (own.length > 1) {
      routing =
        s.strategy === 'weighted'
          ? { weighted: { targets: list.map((d, i) => ({ model: own[i]!, weight: d.weight })) } }
          : { failover: { targets: own.map((model) => ({ model, priority: 0 })) } };
      note = `model_list: ${list.length} deployments of ${name}, ${s.strategy === 'weighted' ? 'weighted by weight or rpm (simple-shuffle)' : 'balanced by health and latency'}`;
    }
    if (routing === null) continue;
    routingOf.set(name, routing);
    virtualModels.push({ value: { name, routing }, note });
  }
  for (const [alias, { target, path }] of s.aliases) {
    const routing = routingOf.get(target) ?? (targetsOf.has(target) ? { weighted: { targets: [{ model: target, weight: 1 }] } } : null);
    if (routing === null) src.skipped(path, `alias target "${target}" is not in model_list`);
    else
      virtualModels.push({
        value: { name: alias, routing: structuredClone(routing) },
        note: `${src.where(path)}: ${alias} is another name for ${target}`,
      });
  }
  return { models, virtualModels };
}

/**
 * rpm / tpm as the model's own per-minute buckets. LiteLLM steers traffic away from a full
 * deployment; here a full one answers 429, and behind a failover virtual model (which picks by
 * health and latency) its buckets cannot apply at all, so they are reported, not written.
 */
function limitsOf(src: LiteLlmSource, d: Deployment, behindFailover: boolean, aFallback: boolean): Json {
  for (const l of d.limits) {
    const what = `${l.key} ${String(l.bucket.maxTokens)}`;
    if (aFallback && !behindFailover) {
      src.approximate(
        l.path,
        `${what} is a per-minute ${String(l.bucket.type)} limit on requests for this model (429 past it); it does not count requests it serves as a fallback`,
        'limit the fallback traffic with llm.policies.localRateLimit',
      );
    } else if (behindFailover) {
      src.approximate(
        l.path,
        `${what} is not enforced: this deployment is reached through a failover virtual model`,
        'limit the virtual model with llm.policies.localRateLimit (key: llm.requestModel)',
      );
    } else {
      src.approximate(
        l.path,
        `${what} is a per-minute ${String(l.bucket.type)} limit on this model: past it clients get 429 with Retry-After, where LiteLLM would send them to another deployment`,
        'add deployments and fallbacks to spill over instead',
      );
    }
  }
  return d.limits.length === 0 || behindFailover ? {} : { localRateLimit: d.limits.map((l) => l.bucket) };
}
