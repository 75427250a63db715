// Header rewriting compiled once per backend: hop-by-hop removal, credential injection and
// request/responseHeaderModifier (add/set/remove), applied to a flat name/value list in one pass.
import type { HeaderModifierT } from '../config/schema/policies.js';

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the framing headers the proxy sets itself. */
export const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
] as const;

export interface HeaderRules {
  /** Lower-case names removed from the incoming list. */
  readonly drop: ReadonlySet<string>;
  /** Added after removal, replacing nothing (already removed by `drop`). */
  readonly add: readonly (readonly [string, string])[];
  /** Added only when the incoming list has no header of that name. */
  readonly addIfAbsent: readonly (readonly [string, string])[];
}

export interface HeaderRuleSpec {
  drop?: Iterable<string>;
  /** Headers whose values replace any incoming ones. */
  set?: Iterable<readonly [string, string]>;
  append?: Iterable<readonly [string, string]>;
  addIfAbsent?: Iterable<readonly [string, string]>;
  /** requestHeaderModifier / responseHeaderModifier of each policy layer, applied in order (route, then backend). */
  modifiers?: readonly (HeaderModifierT | undefined)[];
}

export function compileHeaderRules(spec: HeaderRuleSpec): HeaderRules {
  const drop = new Set<string>([...(spec.drop ?? [])].map((n) => n.toLowerCase()));
  const add: [string, string][] = [];
  const setPair = (n: string, v: string) => {
    const name = n.toLowerCase();
    drop.add(name);
    for (let i = add.length - 1; i >= 0; i--) if (add[i]![0] === name) add.splice(i, 1);
    add.push([name, checkValue(name, v)]);
  };
  for (const [n, v] of spec.set ?? []) setPair(n, v);
  for (const [n, v] of spec.append ?? []) add.push([n.toLowerCase(), checkValue(n, v)]);
  for (const m of spec.modifiers ?? []) {
    if (m === undefined) continue;
    for (const n of m.remove ?? []) {
      const name = n.toLowerCase();
      drop.add(name);
      for (let i = add.length - 1; i >= 0; i--) if (add[i]![0] === name) add.splice(i, 1);
    }
    for (const [n, v] of Object.entries(m.set ?? {})) setPair(n, v);
    for (const [n, v] of Object.entries(m.add ?? {})) add.push([n.toLowerCase(), checkValue(n, v)]);
  }
  const addIfAbsent = [...(spec.addIfAbsent ?? [])]
    .map(([n, v]) => [n.toLowerCase(), checkValue(n, v)] as const)
    .filter(([n]) => add.every(([a]) => a !== n));
  return { drop, add, addIfAbsent };
}

function checkValue(name: string, v: string): string {
  if (/[\r\n\0]/.test(v)) throw new Error(`header ${name}: value contains CR, LF or NUL`);
  return v;
}

/** Rewrites a flat lower-case `[name, value, ...]` list (as uWS hands it over). */
export function rewriteRequestHeaders(list: readonly string[], rules: HeaderRules): string[] {
  const out: string[] = [];
  const connectionNamed = namedByConnection(list);
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (rules.drop.has(name) || (connectionNamed !== null && connectionNamed.has(name))) continue;
    out.push(name, list[i + 1]!);
  }
  for (const [n, v] of rules.addIfAbsent) if (!hasName(out, n)) out.push(n, v);
  for (const [n, v] of rules.add) out.push(n, v);
  return out;
}

function namedByConnection(list: readonly string[]): Set<string> | null {
  for (let i = 0; i < list.length; i += 2) {
    if (list[i] === 'connection') {
      const names = list[i + 1]!.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'close' && s !== 'keep-alive');
      return names.length > 0 ? new Set(names) : null;
    }
  }
  return null;
}

function hasName(list: readonly string[], name: string): boolean {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return true;
  return false;
}

/**
 * Rewrites undici's raw response headers (Buffers, names in the upstream's case) into a flat
 * list uWS can write. Values stay Buffers: uWS copies bytes, so no string is made for them.
 */
export function rewriteResponseHeaders(raw: readonly Buffer[], rules: HeaderRules): (string | Buffer)[] {
  const out: (string | Buffer)[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1').toLowerCase();
    if (rules.drop.has(name)) continue;
    out.push(name, raw[i + 1]!);
  }
  for (const [n, v] of rules.add) out.push(n, v);
  return out;
}

/** Value of a header in a flat lower-case list. */
export function headerValue(list: readonly string[], name: string): string | undefined {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

/** Value of a header in undici's raw list (names in any case). */
export function rawHeaderValue(raw: readonly Buffer[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === name.length && n.toString('latin1').toLowerCase() === name) return raw[i + 1]!.toString('latin1');
  }
  return undefined;
}
