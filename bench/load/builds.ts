// Two builds of the gateway side by side: the passthrough JSON and SSE lanes on a baseline
// build (an older commit's `dist/`, copied aside) and on this tree's `dist/`, interleaved over
// rounds so machine noise spreads evenly over both. For changes that must cost nothing
// measurable (a library API swap); the machine's load average is reported with the figures.
//
//   git checkout <before> && npm run build:ts && cp -r dist dist-before && git checkout -
//   npm run build:ts && npm run bench -- --lanes builds --baseline dist-before
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { GATEWAY_PORT } from './ports.js';
import type { LaneContext } from './lanes.js';
import type { Measured } from './run.js';

const CHAT = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello to the benchmark, please.' }],
  max_tokens: 50,
});
const CHAT_STREAM = JSON.stringify({ ...JSON.parse(CHAT), stream: true });
const ROUNDS = 3;

interface Cell {
  build: string;
  lane: 'json' | 'sse';
  runs: Measured[];
}

export async function buildsLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const baseline = ctx.baseline;
  if (baseline === undefined || !existsSync(`${baseline}/main.js`))
    throw new Error('builds lane: pass --baseline <dir> (a built dist/ of the commit to compare with)');
  const builds = [
    { name: `baseline (${baseline})`, main: `${baseline}/main.js` },
    { name: 'this tree (dist)', main: 'dist/main.js' },
  ];
  const cells: Cell[] = builds.flatMap((b) => (['json', 'sse'] as const).map((lane) => ({ build: b.name, lane, runs: [] })));
  const url = `http://127.0.0.1:${GATEWAY_PORT}/openai/v1/chat/completions`;
  const load0 = loadavg()[0]!;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which build goes first, so neither always runs on a warmer machine.
    const order = round % 2 === 0 ? builds : [...builds].reverse();
    for (const b of order) {
      const gw = await ctx.startGateway('bench/load/gateway.yaml', {}, undefined, [], b.main);
      try {
        await ctx.load('warmup', url, CHAT, ctx.connections, 2);
        for (const [lane, body] of [
          ['json', CHAT],
          ['sse', CHAT_STREAM],
        ] as const) {
          const m = await ctx.load(`${b.name} ${lane}`, url, body, ctx.connections, ctx.duration, gw.pid!);
          cells.find((c) => c.build === b.name && c.lane === lane)!.runs.push(m);
        }
      } finally {
        gw.kill('SIGTERM');
        await new Promise((r) => gw.once('exit', r));
      }
    }
  }
  return report(cells, builds[0]!.name, [load0, loadavg()[0]!]);
}

function report(cells: Cell[], baseline: string, load: number[]): { data: unknown; text: string } {
  const mean = (rs: Measured[], k: 'rps' | 'p50' | 'p99' | 'cpuUsPerReq') => rs.reduce((s, r) => s + (r[k] ?? NaN), 0) / rs.length;
  const lines = [
    '| build | lane | req/s per round | mean req/s | x baseline | p50 ms | p99 ms | gateway CPU µs/req | errors |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const rows = cells.map((c) => {
    const base = cells.find((b) => b.build === baseline && b.lane === c.lane)!;
    const row = {
      build: c.build,
      lane: c.lane,
      rps: mean(c.runs, 'rps'),
      ratio: mean(c.runs, 'rps') / mean(base.runs, 'rps'),
      p50: mean(c.runs, 'p50'),
      p99: mean(c.runs, 'p99'),
      cpu: mean(c.runs, 'cpuUsPerReq'),
      cpuRatio: mean(c.runs, 'cpuUsPerReq') / mean(base.runs, 'cpuUsPerReq'),
      errors: c.runs.reduce((s, r) => s + r.errors + r.non2xx, 0),
      rounds: c.runs,
    };
    lines.push(
      `| ${c.build} | ${c.lane} | ${c.runs.map((r) => Math.round(r.rps)).join(' / ')} | ${Math.round(row.rps)} | ${row.ratio.toFixed(3)} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${row.cpu.toFixed(1)} (x${row.cpuRatio.toFixed(3)}) | ${row.errors} |`,
    );
    return row;
  });
  lines.push(`\nload average (1 min) at start / end of the lane: ${load.map((l) => l.toFixed(2)).join(' / ')}`);
  const text = lines.join('\n');
  console.log(text);
  return { data: { rows, loadAverage: load }, text };
}
