// The evidence behind the CEL library choice (README "Dependency notes"): for each candidate,
// (1) pass rate on the official cel-spec conformance cases that do not need protobuf messages,
// (2) a set of expressions written for what the gateway needs (auth rules over JWT claims,
// headers and paths, macros, overflow errors, optional fields, timestamps), and
// (3) time per evaluation of the gateway's own kind of rules, precompiled, with tinybench.
//
//   npm i --no-save cel-js@0.8.2 @bufbuild/cel@0.6.1   # the rejected candidates
//   npx tsx bench/cel/compare.ts
import { Bench } from 'tinybench';
import { CANDIDATES } from './candidates.js';
import { EXTENSION_SECTIONS, loadCases, runCase, score, type Candidate } from './conformance.js';
import { NEEDS } from './needs.js';

function conformance(): void {
  const cases = loadCases();
  console.log(`\n## cel-spec conformance (${cases.length} cases without protobuf messages)\n`);
  const rows: string[][] = [];
  const sections = [...new Set(cases.map((c) => c.section))];
  const totals: string[] = [];
  for (const cand of CANDIDATES) {
    const scores = score(cases.map((c) => runCase(c, cand)));
    const get = (s: string) => scores.find((x) => x.section === s)!;
    rows.push([cand.name, ...sections.map((s) => `${get(s).passed}/${get(s).total}`)]);
    const sum = (pred: (s: string) => boolean) =>
      scores.filter((s) => pred(s.section)).reduce((a, s) => [a[0]! + s.passed, a[1]! + s.total], [0, 0]);
    const core = sum((s) => !EXTENSION_SECTIONS.has(s));
    const ext = sum((s) => EXTENSION_SECTIONS.has(s));
    totals.push(`| ${cand.name} | ${core[0]}/${core[1]} (${pct(core)}) | ${ext[0]}/${ext[1]} (${pct(ext)}) |`);
  }
  console.log(['| library | core | extensions |', '|---|---|---|', ...totals].join('\n'));
  console.log(`\n| library | ${sections.join(' | ')} |\n|---|${sections.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

const pct = ([a, b]: number[]) => `${((100 * a!) / b!).toFixed(1)}%`;

function needs(): void {
  console.log(`\n## Gateway needs (${NEEDS.length} expressions)\n`);
  for (const cand of CANDIDATES) {
    const failed = NEEDS.map((n) => ({
      n,
      o: runCase({ section: 'needs', name: n.expr, expr: n.expr, bindings: n.bindings, expect: n.expect }, cand),
    })).filter((x) => !x.o.ok);
    console.log(
      `- ${cand.name}: ${NEEDS.length - failed.length}/${NEEDS.length}${failed.length ? `; fails: ${failed.map((f) => `\`${f.n.expr}\` (${f.o.detail})`).join(', ')}` : ''}`,
    );
  }
}

/** The rule shapes the gateway evaluates per request, with a typical activation. */
const RULES = [
  'jwt.scope.contains("mcp:read")',
  'request.method == "POST" && request.path.startsWith("/openai/")',
  '"admin" in jwt.groups || jwt.email.endsWith("@example.com")',
  'request.headers["x-tenant"] == "acme" && jwt.exp > 1700000000',
  'jwt.roles.exists(r, r == "admin")',
];

function activation(cand: Candidate): Record<string, unknown> {
  const pb = {
    request: {
      mapValue: {
        entries: [
          kv('method', s('POST')),
          kv('path', s('/openai/v1/chat/completions')),
          kv('headers', { mapValue: { entries: [kv('x-tenant', s('acme')), kv('content-type', s('application/json'))] } }),
        ],
      },
    },
    jwt: {
      mapValue: {
        entries: [
          kv('sub', s('alice')),
          kv('scope', s('openid mcp:read mcp:write')),
          kv('email', s('alice@example.com')),
          kv('groups', { listValue: { values: [s('dev'), s('ops')] } }),
          kv('roles', { listValue: { values: [s('reader'), s('admin')] } }),
          kv('exp', { int64Value: '1900000000' }),
        ],
      },
    },
  };
  return Object.fromEntries(Object.entries(pb).map(([k, v]) => [k, cand.input(v)]));
}

const s = (v: string) => ({ stringValue: v });
const kv = (k: string, value: object) => ({ key: s(k), value });

async function speed(): Promise<void> {
  console.log('\n## Time per evaluation (precompiled, ns; tinybench)\n');
  console.log(`| rule | ${CANDIDATES.map((c) => c.name).join(' | ')} |\n|---|${CANDIDATES.map(() => '---').join('|')}|`);
  for (const rule of RULES) {
    const cells: string[] = [];
    for (const cand of CANDIDATES) {
      const act = activation(cand);
      let fn: (b: Record<string, unknown>) => unknown;
      try {
        fn = cand.compile(rule);
        if (fn(act) !== true) throw new Error('did not evaluate to true');
      } catch (e) {
        cells.push(`unsupported (${String((e as Error).message).split('\n')[0]})`);
        continue;
      }
      const bench = new Bench({ time: 400, warmupTime: 100 });
      bench.add(rule, () => {
        fn(act);
      });
      await bench.run();
      const t = bench.tasks[0]!.result as { latency?: { p50?: number; mean: number } } | undefined;
      cells.push(`${Math.round((t?.latency?.p50 ?? t?.latency?.mean ?? NaN) * 1e6)}`);
    }
    console.log(`| \`${rule}\` | ${cells.join(' | ')} |`);
  }
}

conformance();
needs();
await speed();
