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
  const plan = new Routing(src, deployments, s);
  const models = plan.models();
  const virtualModels = plan.virtualModels();
  return { models, virtualModels: [...virtualModels, ...plan.aliases()] };
}

type Fallback = { readonly targets: readonly string[]; readonly path: YamlPath };

class Routing {
  /** Deployments by model_name, in config order. */
  private readonly groups = new Map<string, Deployment[]>();
  /** The entry names a model_name's deployments got (internal ones behind a virtual model). */
  private readonly targetsOf = new Map<string, string[]>();
  /** Virtual model routing by model_name (aliases copy it). */
  private readonly routingOf = new Map<string, Json>();

  constructor(
    private readonly src: LiteLlmSource,
    deployments: readonly Deployment[],
    private readonly s: RoutingSettings,
  ) {
    for (const d of deployments) this.groups.set(d.name, [...(this.groups.get(d.name) ?? []), d]);
  }

  /** Its own fallbacks, else the default ones (never to itself, never for wildcards). */
  private fallbacksOf(name: string): Fallback | null {
    const own = this.s.fallbacks.get(name);
    if (own !== undefined) return own;
    const d = this.s.defaultFallbacks;
    if (d === null || name.includes('*')) return null;
    const targets = d.targets.filter((t) => t !== name);
    return targets.length > 0 ? { targets, path: d.path } : null;
  }

  private failover(name: string): boolean {
    return this.fallbacksOf(name) !== null || (this.s.strategy === 'balanced' && this.groups.get(name)!.length > 1);
  }

  /** Deployments behind a virtual model get internal names; the rest keep the public one. */
  models(): Noted<Json>[] {
    const fallbackTargets = new Set([...this.groups.keys()].flatMap((n) => (this.failover(n) ? (this.fallbacksOf(n)?.targets ?? []) : [])));
    const limits = (d: Deployment, name: string) => limitsOf(this.src, d, this.failover(name), fallbackTargets.has(name));
    const models: Noted<Json>[] = [];
    for (const [name, list] of this.groups) {
      const behindVirtual = list.length > 1 || this.fallbacksOf(name) !== null;
      if (behindVirtual && name.includes('*')) {
        for (const d of list.slice(1))
          this.src.skipped(d.path, `a second deployment of wildcard model "${name}" cannot be balanced or failed over`);
        models.push({ value: { name, ...list[0]!.entry, ...limits(list[0]!, name) }, note: list[0]!.note });
        this.targetsOf.set(name, [name]);
        continue;
      }
      const names = list.map((_d, i) => (behindVirtual ? `litellm/${name}${list.length > 1 ? `/${i + 1}` : ''}` : name));
      const visibility = behindVirtual ? { visibility: 'internal' } : {};
      list.forEach((d, i) => models.push({ value: { name: names[i]!, ...visibility, ...d.entry, ...limits(d, name) }, note: d.note }));
      this.targetsOf.set(name, names);
    }
    return models;
  }

  virtualModels(): Noted<Json>[] {
    const out: Noted<Json>[] = [];
    for (const [name, list] of this.groups) {
      const fb = this.fallbacksOf(name);
      const routed = fb !== null && !name.includes('*') ? this.withFallbacks(name, list, fb) : this.balanced(name, list);
      if (routed === null) continue;
      this.routingOf.set(name, routed.routing);
      out.push({ value: { name, routing: routed.routing }, note: routed.note });
    }
    return out;
  }

  /** The model's own deployments first, then each fallback's, one priority each. */
  private withFallbacks(name: string, list: readonly Deployment[], fb: Fallback): { routing: Json; note: string } {
    const own = this.targetsOf.get(name)!;
    const chain = fb.targets.flatMap((t) => {
      const names = this.targetsOf.get(t);
      if (names === undefined) this.src.skipped(fb.path, `fallback "${t}" of "${name}" is not in model_list`);
      return names === undefined ? [] : [names];
    });
    const targets = [own, ...chain].flatMap((names, priority) => names.map((model) => ({ model, priority })));
    if (own.length > 1 && this.s.strategy === 'weighted' && new Set(list.map((d) => d.weight)).size > 1) {
      this.src.approximate(
        fb.path,
        `the deployments of "${name}" share one failover priority, balanced by health and latency rather than by weight`,
      );
    }
    return {
      routing: { failover: { targets } },
      note: `${this.src.where(fb.path)}: ${name} falls back to ${fb.targets.join(', ')}, in order`,
    };
  }

  /** Several deployments without fallbacks: weighted (simple-shuffle) or pick-2 in one priority. */
  private balanced(name: string, list: readonly Deployment[]): { routing: Json; note: string } | null {
    const own = this.targetsOf.get(name)!;
    if (own.length < 2) return null;
    const weighted = this.s.strategy === 'weighted';
    const routing = weighted
      ? { weighted: { targets: list.map((d, i) => ({ model: own[i]!, weight: d.weight })) } }
      : { failover: { targets: own.map((model) => ({ model, priority: 0 })) } };
    const how = weighted ? 'weighted by weight or rpm (simple-shuffle)' : 'balanced by health and latency';
    return { routing, note: `model_list: ${list.length} deployments of ${name}, ${how}` };
  }

  /** model_group_alias: another name with the target's routing. */
  aliases(): Noted<Json>[] {
    const out: Noted<Json>[] = [];
    for (const [alias, { target, path }] of this.s.aliases) {
      const routing =
        this.routingOf.get(target) ?? (this.targetsOf.has(target) ? { weighted: { targets: [{ model: target, weight: 1 }] } } : null);
      if (routing === null) this.src.skipped(path, `alias target "${target}" is not in model_list`);
      else
        out.push({
          value: { name: alias, routing: structuredClone(routing) },
          note: `${this.src.where(path)}: ${alias} is another name for ${target}`,
        });
    }
    return out;
  }
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
