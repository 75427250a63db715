// The import rules of the tree, as one table (ARCHITECTURE.md "Boundaries"), checked against
// every file under src/. A folder may import itself, the leaves every layer shares (the error
// model and the process logger) and what its row names; a more specific row wins (a provider
// folder under src/llm/providers/ over src/llm/). Type-only imports count: a type is a
// dependency too. Third-party modules with one owner are checked the same way, and the imports
// between folders must not form a cycle (the native facade and the TS twins it chooses between
// are the one declared pair).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

interface Rule {
  /** A folder (`src/x/`) or a file (`src/x.ts`). */
  readonly at: string;
  readonly owns: string;
  /** Folders and files it may import besides itself and the shared leaves. '*': anything. */
  readonly may: readonly string[] | '*';
}

/** Shared by every layer: the one error model, and the process logger. */
const LEAVES = ['src/errors.ts', 'src/observability/log.ts'];

/** The TS twins of the Rust addon's jobs, which the native facade chooses between. */
const TWINS = ['src/lb/p2c.ts', 'src/lb/affinity-hash.ts', 'src/http/header-rules.ts', 'src/http/header-rewrite.ts'];

const BOUNDARIES: readonly Rule[] = [
  {
    at: 'src/errors.ts',
    owns: 'the error class with a kind, and the table kind -> status, dialect types, source, retryable, reason, code',
    may: [],
  },
  { at: 'src/config/', owns: 'zod schemas of the YAML, loading, $VAR substitution, errors with YAML paths', may: [] },
  { at: 'src/cel/', owns: 'CEL compile (with the variables read) and lazy activations', may: [] },
  { at: 'src/native/', owns: 'the facade over the Rust addon and its TS twins: one interface, which one runs', may: TWINS },
  {
    at: 'src/lb/',
    owns: 'balancing: pick-2 and affinity hashing (TS twins), groups, eviction, live buckets, session tables',
    may: ['src/native/'],
  },
  {
    at: 'src/http/',
    owns: 'HTTP pieces every layer reads: paths, header lists and rules (TS twin), JSON bodies, the SSE reader',
    may: ['src/native/'],
  },
  {
    at: 'src/llm/providers/',
    owns: 'one module or folder per provider: endpoint, auth, capabilities',
    may: ['src/llm/', 'src/native/', 'src/http/'],
  },
  {
    at: 'src/llm/',
    owns: 'wire types per API format, conversions, stream transducers, usage, the client dialect; never server/pipeline',
    may: ['src/native/', 'src/http/'],
  },
  { at: 'src/upstream/', owns: 'the only importer of undici: pools, dispatch with pause/resume/abort, policy calls', may: [] },
  { at: 'src/a2a/', owns: 'A2A requests classified, answers read, agent cards rewritten', may: ['src/http/'] },
  {
    at: 'src/keys/',
    owns: 'virtual keys, teams and spend behind one store interface: the embedded log-file store, the Redis store (Lua)',
    may: [],
  },
  {
    at: 'src/policies/',
    owns: 'one file per policy: compile(spec) -> request, backend or response policy; the network only through the port handed in',
    may: ['src/cel/', 'src/config/', 'src/llm/', 'src/native/', 'src/http/', 'src/keys/'],
  },
  {
    at: 'src/mcp/',
    owns: 'MCP sessions, federation, target transports, tool authorization',
    may: ['src/cel/', 'src/policies/', 'src/upstream/', 'src/config/', 'src/http/', 'src/llm/', 'src/native/'],
  },
  {
    at: 'src/observability/',
    owns: 'metrics, tracing, access log, recent requests: one object the Gateway owns',
    may: ['src/config/', 'src/llm/', 'src/a2a/', 'src/mcp/', 'src/cel/'],
  },
  {
    at: 'src/runtime/',
    owns: 'compile(config) -> frozen Snapshot, the store, live state carried over by id',
    may: [
      'src/config/',
      'src/policies/',
      'src/llm/',
      'src/lb/',
      'src/upstream/',
      'src/native/',
      'src/http/',
      'src/cel/',
      'src/observability/',
      'src/keys/',
      'src/mcp/',
    ],
  },
  {
    at: 'src/pipeline/',
    owns: 'the phase list, retries/failover, error -> response in the caller dialect (one place)',
    may: [
      'src/config/',
      'src/runtime/',
      'src/policies/',
      'src/llm/',
      'src/upstream/',
      'src/native/',
      'src/http/',
      'src/lb/',
      'src/cel/',
      'src/a2a/',
      'src/mcp/',
      'src/observability/',
      'src/keys/',
    ],
  },
  {
    at: 'src/server/',
    owns: 'the only importer of uWebSockets.js: listen, the HTTP edge (acceptor hand-off, uWS, Node http), copy the request, body limits, backpressure',
    // The native facade for the connection acceptor; config for the edge settings' type.
    may: ['src/pipeline/', 'src/native/', 'src/config/'],
  },
  {
    at: 'src/admin/',
    owns: 'admin API and UI, readiness and stats listeners',
    // the Keys page and /api/keys: the store, and the compiled keys: section (declared keys, settings)
    may: ['src/runtime/', 'src/config/', 'src/observability/', 'src/native/', 'src/upstream/', 'src/keys/', 'src/policies/virtual-keys.ts'],
  },
  { at: 'src/binary/', owns: 'the single executable: its entry (the command, main.ts) and the assets it unpacks', may: ['src/main.ts'] },
  {
    at: 'src/import/',
    owns: 'configs imported from other gateways (LiteLLM), validated by compiling them',
    may: ['src/config/', 'src/runtime/', 'src/upstream/', 'src/keys/'],
  },
  {
    at: 'src/workers/',
    owns: 'worker threads (--workers N) as the main thread drives them: the pool, connection dispatch, the messages between threads',
    may: ['src/server/', 'src/native/', 'src/config/', 'src/observability/', 'src/policies/', 'src/upstream/'],
  },
  { at: 'src/', owns: 'the command, the worker-thread entry and the wiring (main.ts, worker.ts, gateway.ts)', may: '*' },
];

/** Third-party modules only one place may import. */
const OWNERS: readonly (readonly [string, string])[] = [
  ['uWebSockets.js', 'src/server/'],
  ['undici', 'src/upstream/'],
  ['prom-client', 'src/observability/'],
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return f === 'ui' && dir.endsWith('admin') ? [] : files(p);
    return p.endsWith('.ts') ? [relative(ROOT, p)] : [];
  });
}

const SOURCES = files(join(ROOT, 'src'));

/** Every module a file imports or re-exports (type-only included). */
function specifiers(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|^import\s+'([^']+)'/gms)].map((m) => (m[1] ?? m[2])!);
}

function resolved(file: string, spec: string): string {
  return relative(ROOT, resolve(join(ROOT, file, '..'), spec)).replace(/\.js$/, '.ts');
}

function ruleOf(file: string): Rule {
  let best: Rule | undefined;
  for (const r of BOUNDARIES) {
    const hit = r.at.endsWith('/') ? file.startsWith(r.at) : file === r.at;
    if (hit && (best === undefined || r.at.length > best.at.length)) best = r;
  }
  return best!;
}

const within = (file: string, at: string) => (at.endsWith('/') ? file.startsWith(at) : file === at);

/** Files of ours each file imports. */
const EDGES = SOURCES.flatMap((f) =>
  specifiers(f)
    .filter((s) => s.startsWith('.'))
    .map((s) => [f, resolved(f, s)] as const),
);

describe('the boundary table', () => {
  it('has a row for every folder of src/', () => {
    const folders = new Set(SOURCES.filter((f) => f.split('/').length > 2).map((f) => `src/${f.split('/')[1]}/`));
    expect([...folders].filter((d) => !BOUNDARIES.some((r) => r.at === d))).toEqual([]);
  });

  for (const rule of BOUNDARIES) {
    it(`${rule.at} imports only ${rule.may === '*' ? 'anything' : [rule.at, ...rule.may, ...LEAVES].join(', ')}`, () => {
      const offenders = EDGES.filter(([from]) => ruleOf(from) === rule)
        .filter(([, to]) => {
          if (rule.may === '*' || within(to, rule.at) || LEAVES.includes(to)) return false;
          // a provider folder is inside src/llm/providers/, and its own folder is its own
          if (rule.at === 'src/llm/providers/' && within(to, 'src/llm/providers/')) return false;
          return !rule.may.some((m) => within(to, m));
        })
        .map(([from, to]) => `${from} -> ${to}`);
      expect(offenders).toEqual([]);
    });
  }

  it('the shared leaves import nothing of ours but each other', () => {
    const offenders = EDGES.filter(([from, to]) => LEAVES.includes(from) && !LEAVES.includes(to)).map(([f, t]) => `${f} -> ${t}`);
    expect(offenders.filter((o) => !o.startsWith('src/observability/log.ts -> src/observability/log'))).toEqual([]);
  });

  for (const [pkg, owner] of OWNERS) {
    it(`only ${owner} imports ${pkg}`, () => {
      const users = SOURCES.filter((f) => specifiers(f).includes(pkg) && !within(f, owner));
      expect(users).toEqual([]);
    });
  }

  it('the imports between folders form no cycle (the facade and its TS twins excepted)', () => {
    const folder = (f: string) => {
      const r = ruleOf(f);
      return r.at === 'src/' ? f : r.at;
    };
    const graph = new Map<string, Set<string>>();
    for (const [from, to] of EDGES) {
      if (LEAVES.includes(to) || (within(from, 'src/native/') && TWINS.includes(to))) continue;
      const a = folder(from);
      const b = folder(to);
      if (a !== b) (graph.get(a) ?? graph.set(a, new Set()).get(a)!).add(b);
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (n: string, path: string[]): void => {
      if (state.get(n) === 'done') return;
      if (state.get(n) === 'open') {
        cycles.push([...path.slice(path.indexOf(n)), n].join(' -> '));
        return;
      }
      state.set(n, 'open');
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
      state.set(n, 'done');
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });

  it('keeps every source file under ~600 lines', () => {
    const long = SOURCES.filter((f) => readFileSync(join(ROOT, f), 'utf8').split('\n').length > 600);
    expect(long).toEqual([]);
  });
});
