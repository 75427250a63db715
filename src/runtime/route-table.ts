// Route selection with Gateway API HTTPRoute precedence: hostname specificity, then exact
// path, longest (segment-aware) prefix, regex, then method, most header matches, most query
// matches, then config order. Candidates are sorted once at compile time; a request walks the
// list and the first candidate that matches wins (hostname rank breaks the tie when routes
// declare hostnames).
import { linearRegExp } from '../config/linear-regex.js';
import type { RouteMatchT } from '../config/schema/routes.js';

export interface RequestFacts {
  host: string;
  path: string;
  method: string;
  header(name: string): string | undefined;
  /** Raw query string without `?`. */
  query: string;
}

interface ValueMatcher {
  name: string;
  exact?: string;
  regex?: RegExp;
}

export interface CompiledMatch<R> {
  route: R;
  /** The path prefix to strip when forwarding (prefix matches only). */
  prefix: string | null;
  hostnames: readonly string[] | null;
  test(f: RequestFacts): boolean;
}

interface Candidate<R> extends CompiledMatch<R> {
  rank: number[];
}

export class RouteTable<R> {
  private readonly candidates: Candidate<R>[];
  private readonly anyHostnames: boolean;
  /** The routes in config order (for the admin API; matching uses the sorted candidates). */
  readonly routes: readonly R[];

  constructor(routes: { route: R; matches: RouteMatchT[]; hostnames?: string[] | undefined }[]) {
    this.routes = routes.map((r) => r.route);
    const cands: Candidate<R>[] = [];
    routes.forEach((r, order) => {
      const matches = r.matches.length > 0 ? r.matches : [{ path: { pathPrefix: '/' } }];
      for (const m of matches) cands.push(compileMatch(r.route, m, r.hostnames ?? null, order));
    });
    cands.sort((a, b) => compareRank(a.rank, b.rank));
    this.candidates = cands;
    this.anyHostnames = cands.some((c) => c.hostnames !== null);
  }

  match(f: RequestFacts): CompiledMatch<R> | null {
    if (!this.anyHostnames) {
      for (const c of this.candidates) if (c.test(f)) return c;
      return null;
    }
    let best: CompiledMatch<R> | null = null;
    let bestHost = -1;
    for (const c of this.candidates) {
      const h = hostRank(c.hostnames, f.host);
      if (h <= bestHost || !c.test(f)) continue;
      best = c;
      bestHost = h;
      if (h === 2) break;
    }
    return best;
  }
}

/** 2 exact hostname, 1 wildcard hostname, 0 route without hostnames, -1 no match. */
function hostRank(hostnames: readonly string[] | null, host: string): number {
  if (hostnames === null) return 0;
  let rank = -1;
  for (const h of hostnames) {
    if (h === host) return 2;
    if (h.startsWith('*.') && host.endsWith(h.slice(1)) && host.length > h.length - 1) rank = 1;
  }
  return rank;
}

function compileMatch<R>(route: R, m: RouteMatchT, hostnames: string[] | null, order: number): Candidate<R> {
  const p = m.path ?? { pathPrefix: '/' };
  let pathTest: (path: string) => boolean;
  let prefix: string | null = null;
  // rank: [path kind (0 exact, 1 prefix, 2 regex), -prefix length, method?0:1, -headers, -query, order]
  let kind: number;
  let len = 0;
  if (p.exact !== undefined) {
    const exact = p.exact;
    kind = 0;
    pathTest = (path) => path === exact;
  } else if (p.pathPrefix !== undefined) {
    const pre = p.pathPrefix.length > 1 && p.pathPrefix.endsWith('/') ? p.pathPrefix.slice(0, -1) : p.pathPrefix;
    kind = 1;
    len = pre.length;
    prefix = pre === '/' ? '' : pre;
    pathTest =
      pre === '/' ? () => true : (path) => path.startsWith(pre) && (path.length === pre.length || path.charCodeAt(pre.length) === 0x2f);
  } else {
    const re = linearRegExp(`^(?:${p.regex!})$`);
    kind = 2;
    pathTest = (path) => re.test(path);
  }
  const method = m.method;
  const headers = (m.headers ?? []).map((h) => valueMatcher(h, true));
  const query = (m.query ?? []).map((q) => valueMatcher(q, false));
  const test = (f: RequestFacts): boolean => {
    if (!pathTest(f.path)) return false;
    if (method !== undefined && f.method !== method) return false;
    for (const h of headers) if (!matches(h, f.header(h.name))) return false;
    if (query.length > 0) {
      const q = new URLSearchParams(f.query);
      for (const h of query) if (!matches(h, q.get(h.name) ?? undefined)) return false;
    }
    return true;
  };
  const rank = [kind, -len, method !== undefined ? 0 : 1, -headers.length, -query.length, order];
  return { route, prefix, hostnames, test, rank };
}

function valueMatcher(
  m: { name: string; value: { exact?: string | undefined; regex?: string | undefined } },
  lower: boolean,
): ValueMatcher {
  // header names are case-insensitive (uWS hands them over lower-cased); query names are not
  const name = lower ? m.name.toLowerCase() : m.name;
  if (m.value.exact !== undefined) return { name, exact: m.value.exact };
  return { name, regex: linearRegExp(`^(?:${m.value.regex!})$`) };
}

function matches(m: ValueMatcher, v: string | undefined): boolean {
  if (v === undefined) return false;
  return m.exact !== undefined ? v === m.exact : m.regex!.test(v);
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
