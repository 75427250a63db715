// Which engine runs config-written regexes (route matchers, prompt-guard patterns): V8's
// backtracking engine, V8's linear engine (the `l` flag), or RE2 (src/config/linear-regex.ts).
// Per job: time per call on ordinary input, and time on input that makes a backtracking engine
// explode. Each engine's answers are checked against the others' before timing.
//   npx tsx bench/micro/regex.ts
import { setFlagsFromString } from 'node:v8';
import { Bench } from 'tinybench';
import { linearRegExp } from '../../src/config/linear-regex.js';

// `l` needs this flag; the second is what the gateway runs with (src/v8-flags.ts).
setFlagsFromString('--enable-experimental-regexp-engine');
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

type Engine = 'V8' | 'V8 linear (l)' | 'RE2';
const make: Record<Engine, (p: string, f: string) => RegExp> = {
  V8: (p, f) => new RegExp(p, f),
  'V8 linear (l)': (p, f) => new RegExp(p, `${f}l`),
  RE2: (p, f) => linearRegExp(p, f),
};

const PROMPT = `${'Hello, my name is Bob and I live at 42 Main Street. '.repeat(200)}call me at 555-12-3456, key sk-${'x'.repeat(16)}`;
const JOBS: { name: string; pattern: string; flags: string; input: string; op: 'test' | 'scan' }[] = [
  {
    name: 'route regex, /v1/chat/completions',
    pattern: '^(?:/v1/(chat|embeddings)/.*)$',
    flags: '',
    input: '/v1/chat/completions',
    op: 'test',
  },
  { name: 'guard \\d{3}-\\d{2}-\\d{4}, 10 KB prompt', pattern: '\\d{3}-\\d{2}-\\d{4}', flags: 'g', input: PROMPT, op: 'scan' },
  { name: 'guard words, 10 KB prompt', pattern: 'ignore (?:all|previous) instructions', flags: 'g', input: PROMPT, op: 'scan' },
  { name: 'guard sk-[A-Za-z0-9]{16}, 10 KB prompt', pattern: 'sk-[A-Za-z0-9]{16}', flags: 'g', input: PROMPT, op: 'scan' },
];

function run(re: RegExp, op: 'test' | 'scan', input: string): number {
  re.lastIndex = 0;
  if (op === 'test') return re.test(input) ? 1 : 0;
  let n = 0;
  while (re.exec(input) !== null) n++;
  return n;
}

const bench = new Bench({ time: 400, warmupTime: 100 });
for (const job of JOBS) {
  const answers = new Set<number>();
  for (const [engine, build] of Object.entries(make) as [Engine, (p: string, f: string) => RegExp][]) {
    let re: RegExp;
    try {
      re = build(job.pattern, job.flags);
    } catch {
      console.log(`${job.name}: ${engine} cannot run this pattern`);
      continue;
    }
    answers.add(run(re, job.op, job.input));
    bench.add(`${job.name} | ${engine}`, () => run(re, job.op, job.input));
  }
  if (answers.size !== 1) throw new Error(`${job.name}: engines disagree (${[...answers].join(', ')})`);
}
await bench.run();
console.log('| job | engine | per call |\n| --- | --- | ---: |');
for (const t of bench.tasks) {
  const r = t.result as { latency?: { p50?: number; mean: number } } | undefined;
  const ns = (r?.latency?.p50 ?? r?.latency?.mean ?? Number.NaN) * 1e6;
  const [job, engine] = t.name.split(' | ');
  console.log(`| ${job} | ${engine} | ${ns >= 1000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`} |`);
}

// Backtracking blow-ups (V8 with the excessive-backtracks fallback, as the gateway runs).
const EVIL: [string, number][] = [
  ['^(a+)+$', 30],
  ['^(a+)+$', 100_000],
  ['^(?:a{1,20})+$', 24],
];
console.log('\n| pattern | input | engine | time |\n| --- | --- | --- | ---: |');
for (const [pattern, n] of EVIL) {
  const input = `${'a'.repeat(n)}!`;
  for (const [engine, build] of Object.entries(make) as [Engine, (p: string, f: string) => RegExp][]) {
    let re: RegExp;
    try {
      re = build(pattern, '');
    } catch {
      console.log(`| \`${pattern}\` | ${n} × a + ! | ${engine} | refuses the pattern |`);
      continue;
    }
    const t = performance.now();
    if (re.test(input)) throw new Error(`${pattern} matched`);
    console.log(`| \`${pattern}\` | ${n} × a + ! | ${engine} | ${(performance.now() - t).toFixed(2)} ms |`);
  }
}
