// `policies.ai` of the layers an AI backend sees (route < backend < provider), merged field by
// field as agentgateway does (store/binds.rs `merge_llm_policies`): each field comes from the
// most specific layer that sets it, so a route's `promptGuard` and a backend's `modelAliases`
// both apply. A field is replaced whole, never deep-merged (a backend's `promptGuard` replaces
// the route's); empty `routes` and `modelAliases` maps count as unset, as there.
import { formatPath } from '../config/errors.js';
import type { BackendPoliciesT } from '../config/schema/policies.js';
import type { PolicyLayer } from './header-layers.js';

export type AiPolicyT = NonNullable<BackendPoliciesT['ai']>;
type Path = readonly (string | number)[];

export const AI_FIELDS = [
  'routes',
  'promptGuard',
  'defaults',
  'overrides',
  'prompts',
  'modelAliases',
  'promptCaching',
] as const satisfies readonly (keyof AiPolicyT)[];
export type AiField = (typeof AI_FIELDS)[number];

export interface MergedAi {
  /** The policy in force: each field from the most specific layer setting it. */
  readonly spec: AiPolicyT;
  /** Field -> YAML path of the `policies.ai` it came from. */
  readonly from: Readonly<Partial<Record<AiField, Path>>>;
  /** Fields a less specific layer set and a more specific one replaced (for a load warning). */
  readonly shadowed: readonly { readonly field: AiField; readonly lost: Path; readonly by: Path }[];
}

/** Only `routes` and `modelAliases` fall back when empty (agentgateway checks `is_empty()` on these). */
function isSet(field: AiField, v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (field === 'routes' || field === 'modelAliases') return Object.keys(v as object).length > 0;
  return true;
}

export function mergeAiPolicies(layers: readonly PolicyLayer[]): MergedAi | null {
  const spec: Record<string, unknown> = {};
  const from: Partial<Record<AiField, Path>> = {};
  const shadowed: { field: AiField; lost: Path; by: Path }[] = [];
  let any = false;
  for (const layer of layers) {
    const ai = layer.policies?.ai;
    if (ai === undefined) continue;
    any = true;
    const at = [...layer.path, 'policies', 'ai'];
    for (const field of AI_FIELDS) {
      if (!isSet(field, ai[field])) continue;
      const before = from[field];
      if (before !== undefined) shadowed.push({ field, lost: [...before, field], by: [...at, field] });
      spec[field] = ai[field];
      from[field] = at;
    }
  }
  return any ? { spec: spec as AiPolicyT, from, shadowed } : null;
}

/** One line per replaced field, naming both places. */
export function shadowWarnings(m: MergedAi): string[] {
  return m.shadowed.map(
    (s) =>
      `${formatPath(s.lost)} has no effect: ${formatPath(s.by)} replaces it (per field, the more specific layer wins: route < backend < provider)`,
  );
}
