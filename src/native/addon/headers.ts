// HeaderRewriter over the addon. The addon only decides which input pairs survive (pair
// indexes written to `plan`); this wrapper builds the output from the caller's own strings or
// Buffers plus the compiled append list, so the Rust side never creates a string or Buffer.
import type { CompiledHeaderRulesLike, HeaderRewriter } from '../types.js';
import type { Addon, AddonHeaderRules } from './load.js';

/** One addon rule handle per compiled rule set, and one reusable plan array. */
class Handles {
  private readonly handles = new WeakMap<CompiledHeaderRulesLike, AddonHeaderRules>();
  private plan = new Int32Array(64);

  constructor(private readonly addon: Addon) {}

  of(rules: CompiledHeaderRulesLike): AddonHeaderRules {
    let h = this.handles.get(rules);
    if (h === undefined) {
      h = new this.addon.HeaderRules([...rules.drop], rules.dropConnectionListed);
      this.handles.set(rules, h);
    }
    return h;
  }

  planFor(elements: number): Int32Array {
    const pairs = elements >> 1;
    if (this.plan.length < pairs) this.plan = new Int32Array(Math.max(this.plan.length * 2, pairs));
    return this.plan;
  }
}

/**
 * Strings cross as one NUL-joined string (one Node-API string read instead of two per header;
 * bench/micro/headers.bench.ts measures both). A NUL inside an element changes the element
 * count, which the addon reports so this falls back to reading element by element.
 */
export function nativeHeaderRewriter(addon: Addon): HeaderRewriter {
  const hs = new Handles(addon);
  return {
    strings(list, rules) {
      const h = hs.of(rules);
      const plan = hs.planFor(list.length);
      let n = h.filterJoined(list.join('\0'), list.length, plan);
      if (n < 0) n = h.filterStrings(list, plan);
      return materialize(list, plan, n, rules.append);
    },
    buffers(list, rules) {
      const plan = hs.planFor(list.length);
      const n = hs.of(rules).filterBuffers(list, plan);
      return materialize(list, plan, n, rules.appendBuffers);
    },
  };
}

/** The element-by-element string crossing, kept so the benchmark can compare the two. */
export function nativeHeaderStringsPerElement(addon: Addon): HeaderRewriter['strings'] {
  const hs = new Handles(addon);
  return (list, rules) => {
    const plan = hs.planFor(list.length);
    const n = hs.of(rules).filterStrings(list, plan);
    return materialize(list, plan, n, rules.append);
  };
}

function materialize<T>(list: readonly T[], plan: Int32Array, n: number, append: readonly T[]): T[] {
  const out: T[] = [];
  for (let k = 0; k < n; k++) {
    const i = plan[k]!;
    out.push(list[i]!, list[i + 1]!);
  }
  for (let k = 0; k < append.length; k++) out.push(append[k]!);
  return out;
}
