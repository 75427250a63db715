// Compiling `sessionAffinity` (an AI backend's, or a virtual model's) and `promptCaching`: the
// policy, and the live state it needs (the session table, kept by the backend's stable id while
// its providers stay; the Redis connection for shared pins).
import { formatPath } from '../config/errors.js';
import type { PromptCachingT } from '../config/schema/policies.js';
import type { SessionAffinityT } from '../config/schema/traffic.js';
import { WeightedTargets } from '../lb/affinity.js';
import { PROMPT_CACHING_DEFAULTS, type PromptCaching } from '../llm/prompt-caching.js';
import { compileSessionAffinity, type SessionAffinityPolicy } from '../policies/session-affinity.js';
import type { AiCompiler } from './compile-ai.js';
import type { PolicyLayer } from './header-layers.js';
import { affinityPins, sessionTable } from './live-objects.js';
import type { AffinityRt } from './snapshot.js';

type Path = (string | number)[];

/** Policies of AI providers that a host backend ignores, and why (a load warning each). */
export const HOST_BACKEND_IGNORES = [
  ['health', 'has no effect on host backends (the route picks them by weight); it applies to AI providers'],
  ['sessionAffinity', "has no effect on host backends (one target each); it chooses among an AI backend's providers"],
] as const;

/**
 * The backend's sessionAffinity (the most specific layer that sets it), or null. A backend with
 * one provider has nothing to choose: the policy is ignored with a warning.
 */
export function backendAffinity(
  c: AiCompiler,
  layers: readonly PolicyLayer[],
  key: string,
  groups: readonly (readonly string[])[],
): AffinityRt | null {
  let spec: SessionAffinityT | undefined;
  let at: Path = [];
  for (const l of layers) {
    if (l.policies?.sessionAffinity === undefined) continue;
    spec = l.policies.sessionAffinity;
    at = [...l.path, 'policies', 'sessionAffinity'];
  }
  if (spec === undefined) return null;
  if (groups.flat().length < 2) {
    c.warn(`${formatPath(at)}: sessionAffinity has no effect on a backend with a single provider (there is nothing to choose)`);
    return null;
  }
  return affinityRt(c, spec, at, key, groups);
}

export function affinityRt(
  c: AiCompiler,
  spec: SessionAffinityT,
  at: Path,
  key: string,
  groups: readonly (readonly string[])[],
): AffinityRt {
  const policy = compileSessionAffinity(spec, at, c);
  const sessions = sessionTable(c.liveObjects, key, groups, { ttlMs: policy.ttlMs, maxLoad: policy.maxLoad });
  const pins = policy.redis !== null ? affinityPins(c.liveObjects, policy.redis.url, policy.redis.timeoutMs) : null;
  return { policy, sessions, pins, domain: policy.redis?.domain ?? key };
}

/** A weighted virtual model's sessionAffinity: the policy and the weighted rendezvous over its targets. */
export function weightedAffinity(
  c: AiCompiler,
  spec: SessionAffinityT | undefined,
  at: Path,
  targets: readonly { readonly model: string; readonly weight: number }[],
): { policy: SessionAffinityPolicy; targets: WeightedTargets } | null {
  if (spec === undefined) return null;
  if (spec.redis !== undefined)
    c.warn(`${formatPath([...at, 'redis'])}: a weighted virtual model's sessions follow the hash alone; redis pins apply to failover ones`);
  return {
    policy: compileSessionAffinity(spec, at, c),
    targets: new WeightedTargets(
      targets.map((t) => t.model),
      targets.map((t) => t.weight),
    ),
  };
}

/** promptCaching with agentgateway's defaults filled in; null when unset. */
export function compilePromptCaching(spec: PromptCachingT | undefined): PromptCaching | null {
  if (spec === undefined || spec === null) return null;
  const d = PROMPT_CACHING_DEFAULTS;
  return {
    cacheSystem: spec.cacheSystem ?? d.cacheSystem,
    cacheMessages: spec.cacheMessages ?? d.cacheMessages,
    cacheTools: spec.cacheTools ?? d.cacheTools,
    minTokens: spec.minTokens ?? d.minTokens,
    cacheMessageOffset: spec.cacheMessageOffset ?? d.cacheMessageOffset,
  };
}
