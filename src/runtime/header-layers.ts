// Header modifiers of several policy layers (route, backend, AI provider) folded into the one
// set/add/remove spec the native header rules take, with the meaning of applying each layer in
// turn (Gateway API filters): a later `remove` or `set` of a name overrides what earlier layers
// set or added for it, a later `add` appends.
import type { BackendPoliciesT, HeaderModifierT } from '../config/schema/policies.js';

export interface PolicyLayer {
  readonly policies: BackendPoliciesT | undefined;
  /** YAML path of the layer's owner (its `policies` key hangs below it). */
  readonly path: readonly (string | number)[];
}

export interface FoldedModifier {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export function foldModifiers(layers: readonly (HeaderModifierT | undefined)[]): FoldedModifier {
  const set = new Map<string, string>();
  const add = new Map<string, string>();
  const remove = new Set<string>();
  for (const m of layers) {
    if (m === undefined) continue;
    for (const raw of m.remove ?? []) {
      const n = raw.toLowerCase();
      remove.add(n);
      set.delete(n);
      add.delete(n);
    }
    for (const [raw, v] of Object.entries(m.set ?? {})) {
      const n = raw.toLowerCase();
      set.set(n, v);
      add.delete(n);
    }
    for (const [raw, v] of Object.entries(m.add ?? {})) {
      const n = raw.toLowerCase();
      // Two layers adding one name: both values, as one list-valued field (RFC 9110 §5.3).
      const prev = add.get(n);
      add.set(n, prev === undefined ? v : `${prev}, ${v}`);
    }
  }
  return {
    ...(set.size > 0 ? { set: Object.fromEntries(set) } : {}),
    ...(add.size > 0 ? { add: Object.fromEntries(add) } : {}),
    ...(remove.size > 0 ? { remove: [...remove] } : {}),
  };
}
