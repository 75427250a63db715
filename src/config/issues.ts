// Turns zod issues into positioned config problems: union errors are narrowed to the branch
// the user evidently meant, unknown keys point at the key itself and suggest the nearest
// valid key found by walking the schema at that path.
import { isMap, isPair, isScalar, type Document } from 'yaml';
import type { z } from 'zod';
import { formatPath, nearest, type ConfigProblem } from './errors.js';

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];

export function issuesToProblems(
  issues: readonly Issue[],
  schema: z.ZodType,
  doc: Document,
  position: (offset: number) => { line: number; col: number },
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const flat = flatten(issues, []);
  // An unknown key usually explains the object's other complaints ("needs one of ..."): show it alone.
  const withUnknown = new Set(flat.filter((i) => i.code === 'unrecognized_keys').map((i) => formatPath(i.path as Path)));
  for (const issue of flat) {
    const path = issue.path as Path;
    if (issue.code === 'custom' && withUnknown.has(formatPath(path))) continue;
    if (issue.code === 'unrecognized_keys') {
      const allowed = keysAt(schema, path);
      for (const key of issue.keys) {
        const hint = nearest(key, allowed);
        const suffix = hint !== undefined ? ` (did you mean "${hint}"?)` : allowed.length > 0 ? ` (valid keys: ${allowed.join(', ')})` : '';
        out.push({
          path: formatPath([...path, key]),
          ...position(keyOffset(doc, path, key)),
          message: `unknown key "${key}"${suffix}`,
        });
      }
      continue;
    }
    const missing = issue.code === 'invalid_type' && !doc.hasIn(path);
    out.push({
      path: formatPath(path),
      ...position(nodeOffset(doc, path)),
      message: missing ? `missing required key (${issue.expected})` : describe(issue, isSecretPath(path)),
    });
  }
  return dedupe(out);
}

/** Replaces union issues by the issues of the most plausible branch, with absolute paths. */
function flatten(issues: readonly Issue[], prefix: Path): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as Path)];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      out.push(...flatten(bestBranch(issue.errors), path));
    } else {
      out.push({ ...issue, path } as Issue);
    }
  }
  return out;
}

/** A branch that failed only because the value's type was different is the least plausible. */
function bestBranch(branches: readonly (readonly Issue[])[]): readonly Issue[] {
  let best = branches[0]!;
  let bestScore = -Infinity;
  for (const b of branches) {
    const typeOnly = b.length === 1 && b[0]!.code === 'invalid_type' && b[0]!.path.length === 0;
    const score = (typeOnly ? -1000 : 0) - b.length;
    if (score > bestScore) {
      bestScore = score;
      best = b;
    }
  }
  return best;
}

/** Keys whose values may be credentials: errors about them never echo the value. */
const SECRET_KEY = /key|token|secret|password|htpasswd|credential/i;

function isSecretPath(path: Path): boolean {
  return path.some((k) => typeof k === 'string' && SECRET_KEY.test(k));
}

function describe(issue: Issue, secret: boolean): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${issue.expected}, got ${secret ? typeof issue.input : typeName(issue.input)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}

function dedupe(ps: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = `${p.path}|${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Offset of the deepest existing node on `path` (a missing key points at its parent). */
function nodeOffset(doc: Document, path: Path): number {
  for (let n = path.length; n >= 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    if (node !== undefined && node !== null && typeof node === 'object' && node.range) return node.range[0];
  }
  return 0;
}

function keyOffset(doc: Document, path: Path, key: string): number {
  const map = path.length === 0 ? doc.contents : doc.getIn(path, true);
  if (isMap(map)) {
    for (const item of map.items) {
      if (isPair(item) && isScalar(item.key) && item.key.value === key && item.key.range) return item.key.range[0];
    }
  }
  return nodeOffset(doc, path);
}

/** The keys a strict object accepts at `path` (union branches merged). */
export function keysAt(schema: z.ZodType, path: Path): string[] {
  const found = new Set<string>();
  walk(schema, path, found);
  return [...found].sort();
}

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

function walk(schema: z.ZodType, path: Path, found: Set<string>): void {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'catch':
      return walk(def.innerType!, path, found);
    case 'pipe':
      return walk(def.in!, path, found);
    case 'lazy':
      return walk(def.getter!(), path, found);
    case 'union':
      for (const o of def.options!) walk(o, path, found);
      return;
    case 'array':
      if (path.length > 0 && typeof path[0] === 'number') walk(def.element!, path.slice(1), found);
      return;
    case 'record':
      if (path.length > 0) walk(def.valueType!, path.slice(1), found);
      return;
    case 'object':
      if (path.length === 0) {
        for (const k of Object.keys(def.shape!)) found.add(k);
      } else {
        const next = def.shape![String(path[0])];
        if (next !== undefined) walk(next, path.slice(1), found);
      }
      return;
    default:
      return;
  }
}
