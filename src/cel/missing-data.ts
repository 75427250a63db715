// Which reads of an expression can fail because the data is absent on some requests: a claim
// of `jwt` (no token, or a token without it), a field of `apiKey`, a header of
// `request.headers`, `basicAuth.username` without basic auth, `llm.requestModel` before a
// model is known. Such a read makes the expression fail to evaluate, and a failing rule does not
// hold — harmless for allow and require rules (the request is refused) but it silently disables
// a deny rule. Found at config load so the user can be warned; reads written defensively
// (`has(jwt.sub)`, `default(jwt.sub, "")`, `jwt.?sub`, `"sub" in jwt`) are not reported.
import { celEnvironment } from './env.js';

interface Node {
  readonly op: string;
  readonly args: unknown;
}

/** Maps whose keys may be absent; objects whose listed fields may be unset. */
const OPTIONAL_MAPS = new Set(['jwt', 'apiKey', 'request.headers', 'response.headers']);
const OPTIONAL_FIELDS = new Set(['basicAuth.username', 'llm.requestModel']);

/** The reads of `source` that fail when the data is absent, as written (`jwt.sub`, `request.headers["x-user"]`). */
export function readsOfMissingData(source: string): string[] {
  const env = celEnvironment();
  let root: Node;
  try {
    root = (env.parse(source) as unknown as { ast: Node }).ast;
  } catch {
    return []; // compile errors are reported by compileCel
  }
  const reads: string[] = [];
  const guarded = new Set<string>();
  walk(root, false, reads, guarded);
  return [...new Set(reads.filter((r) => !guarded.has(r)))];
}

function walk(node: Node, safe: boolean, reads: string[], guarded: Set<string>): void {
  const args = node.args as unknown[];
  switch (node.op) {
    case '.':
    case '[]': {
      const read = describeRead(node);
      if (read !== null && safe) guarded.add(read);
      else if (read !== null) reads.push(read);
      return walkChildren(node, safe, reads, guarded);
    }
    case '.?':
    case '[?]':
      return walkChildren(node, true, reads, guarded);
    case 'call': {
      const [name, list] = args as [string, Node[]];
      // has(x) is the guard itself; default(x, y) catches x's failure.
      if (name === 'has' || name === 'default') {
        walk(list[0]!, true, reads, guarded);
        for (const a of list.slice(1)) walk(a, safe, reads, guarded);
        return;
      }
      return walkChildren(node, safe, reads, guarded);
    }
    case 'in': {
      // "sub" in jwt guards jwt.sub (and jwt["sub"]).
      const [key, map] = args as [Node, Node];
      const base = pathOf(map);
      if (key.op === 'value' && typeof key.args === 'string' && base !== null && OPTIONAL_MAPS.has(base)) {
        guarded.add(readText(base, key.args));
      }
      return walkChildren(node, safe, reads, guarded);
    }
    default:
      return walkChildren(node, safe, reads, guarded);
  }
}

function walkChildren(node: Node, safe: boolean, reads: string[], guarded: Set<string>): void {
  const visit = (a: unknown): void => {
    if (Array.isArray(a)) a.forEach(visit);
    else if (a !== null && typeof a === 'object' && typeof (a as Node).op === 'string') walk(a as Node, safe, reads, guarded);
  };
  visit(node.args);
}

/** `jwt.sub` / `jwt["sub"]` / `request.headers["x"]` / `basicAuth.username` when it may be missing. */
function describeRead(node: Node): string | null {
  const [obj, key] = node.args as [Node, Node | string];
  const base = pathOf(obj);
  if (base === null) return null;
  const name = typeof key === 'string' ? key : key.op === 'value' && typeof key.args === 'string' ? key.args : null;
  if (OPTIONAL_MAPS.has(base)) return readText(base, name);
  if (name !== null && OPTIONAL_FIELDS.has(`${base}.${name}`)) return `${base}.${name}`;
  return null;
}

function readText(base: string, key: string | null): string {
  if (key === null) return `${base}[...]`;
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && base !== 'request.headers' && base !== 'response.headers'
    ? `${base}.${key}`
    : `${base}[${JSON.stringify(key)}]`;
}

/** `request.headers` for the node of that expression; null for anything but a variable path. */
function pathOf(node: Node): string | null {
  if (node.op === 'id') return node.args as string;
  if (node.op !== '.') return null;
  const [obj, key] = node.args as [Node, string];
  const base = pathOf(obj);
  return base === null ? null : `${base}.${key}`;
}
