// Resident memory of the gateway with the defaults a new user gets (bench/load/gateway.yaml,
// text access log and metrics on, one thread), beside the floor and, with `--baseline <dist>`,
// another build; rounds interleaved, the order alternating. Per process: RSS idle (1 s, 5 s and
// 15 s after ready; the 15 s figure is the idle one, 1 s is when the suite, bench/load/suite.ts,
// reads it), peak (VmHWM) over c=50 load on four routes, and RSS 5, 10 and 30 s after the load;
// RssAnon/RssFile split; the gateway's CPU µs per request per route, so a memory lever's CPU
// cost shows in the same run. Issue 18's targets: idle <= 80 MB, peak <= 130 MB, after within
// 10% of idle at 30 s.
//
//   npm run bench -- --lanes memory [--baseline dist-before] [--duration 10]
//   BENCH_MEMORY_VARIANTS='semi4: --max-semi-space-size=4; w2: -- --workers 2' npm run bench -- --lanes memory
//     extra variants of this tree: `name: <node args> [-- <gateway args>]`, separated by `;`
//   BENCH_MEMORY_ROUNDS (default 2)
import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAT, CHAT_STREAM, type LaneContext } from './lanes.js';
import { GATEWAY_PORT, STATS_PORT } from './ports.js';
import { cpuSecondsTree, processTree } from './proc.js';
import { FLOOR_PORT, stopChild } from './targets.js';

// A function: lanes.ts imports this module, so its CHAT is not initialised yet at load.
const routes = () => [
  { id: 'json', path: '/openai/v1/chat/completions', body: CHAT },
  { id: 'sse', path: '/openai/v1/chat/completions', body: CHAT_STREAM },
  { id: 'completions', path: '/openai-llm/v1/chat/completions', body: CHAT },
  { id: 'translated', path: '/anthropic/v1/chat/completions', body: CHAT_STREAM },
];
const AFTER_S = [5, 10, 30];
const DEFAULTS_ON = { STATS_ADDR: `127.0.0.1:${STATS_PORT}`, AGW_LOG_LEVEL: 'info' };

interface Variant {
  name: string;
  kind: 'floor' | 'gateway';
  main?: string;
  nodeArgs: string[];
  args: string[];
}

interface Mem {
  rss: number;
  anon: number;
  file: number;
}

interface Round {
  /** 1 s after ready (the suite's idle reading). */
  idle1: Mem;
  /** 5 s after ready. */
  idle5: Mem;
  /** 15 s after ready: settled (the gateway's quiet-time GC runs ~7 s after start). */
  idle: Mem;
  peak: number;
  after: Record<number, Mem>;
  cpuUsPerReq: Record<string, number>;
  rps: Record<string, number>;
  /** VmRSS right after each route's load (where the peak was reached). */
  rssAfterRoute: Record<string, number>;
  errors: number;
}

/** VmRSS, RssAnon and RssFile (MB) of a process tree, or its VmHWM. */
function mem(pid: number): Mem {
  const m: Mem = { rss: 0, anon: 0, file: 0 };
  for (const p of processTree(pid)) {
    const s = readFileSync(`/proc/${p}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? 0) / 1024;
    m.rss += kb('VmRSS');
    m.anon += kb('RssAnon');
    m.file += kb('RssFile');
  }
  return m;
}

function hwm(pid: number): number {
  return processTree(pid).reduce((s, p) => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    return s + (m ? Number(m[1]) / 1024 : 0);
  }, 0);
}

function variants(baseline: string | undefined): Variant[] {
  const extra = (process.env.BENCH_MEMORY_VARIANTS ?? '')
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((spec): Variant => {
      const colon = spec.indexOf(':');
      const [node, gw] = spec.slice(colon + 1).split(' -- ');
      const words = (s: string | undefined) => (s ?? '').trim().split(/\s+/).filter(Boolean);
      return { name: spec.slice(0, colon).trim(), kind: 'gateway', nodeArgs: words(node), args: words(gw) };
    });
  return [
    { name: 'floor', kind: 'floor', nodeArgs: [], args: [] },
    ...(baseline !== undefined
      ? [{ name: `baseline (${baseline})`, kind: 'gateway' as const, main: `${baseline}/main.js`, nodeArgs: [], args: [] }]
      : []),
    { name: 'this tree (dist)', kind: 'gateway', nodeArgs: [], args: [] },
    ...extra,
  ];
}

async function start(ctx: LaneContext, v: Variant, out: string): Promise<{ child: ChildProcess; port: number }> {
  if (v.kind === 'floor') {
    const child = await ctx.startProcess(
      [...v.nodeArgs, 'bench/load/floor-proxy.mjs', String(FLOOR_PORT), String(ctx.mockPort)],
      'floor proxy listening',
    );
    return { child, port: FLOOR_PORT };
  }
  const ports = { BENCH_GATEWAY_PORT: String(GATEWAY_PORT), BENCH_MOCK_PORT: String(ctx.mockPort) };
  const args = [...v.nodeArgs, v.main ?? 'dist/main.js', '-f', 'bench/load/gateway.yaml', '--workers', '1', ...v.args];
  const child = await ctx.startProcess(args, 'agentgateway ready', { ...DEFAULTS_ON, ...ports }, out);
  return { child, port: GATEWAY_PORT };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function measure(ctx: LaneContext, v: Variant): Promise<Round> {
  const out = join(tmpdir(), `agw-bench-memory-${process.pid}.log`);
  const { child, port } = await start(ctx, v, out);
  const pid = child.pid!;
  try {
    await sleep(1000);
    const idle1 = mem(pid);
    await sleep(4000);
    const idle5 = mem(pid);
    await sleep(10_000);
    const round: Round = { idle1, idle5, idle: mem(pid), peak: 0, after: {}, cpuUsPerReq: {}, rps: {}, rssAfterRoute: {}, errors: 0 };
    // The floor serves every path as its one proxied route.
    const url = (path: string) => `http://127.0.0.1:${port}${v.kind === 'floor' ? '/v1/chat/completions' : path}`;
    for (const r of routes()) {
      if (v.kind === 'floor' && (r.id === 'completions' || r.id === 'translated')) continue;
      const c0 = cpuSecondsTree(pid);
      const m = await ctx.load(`${v.name} ${r.id}`, url(r.path), r.body, ctx.connections, ctx.duration);
      round.cpuUsPerReq[r.id] = ((cpuSecondsTree(pid) - c0) * 1e6) / Math.max(1, m.rps * ctx.duration);
      round.rps[r.id] = m.rps;
      round.rssAfterRoute[r.id] = mem(pid).rss;
      round.errors += m.errors + m.non2xx;
    }
    round.peak = hwm(pid);
    let waited = 0;
    for (const s of AFTER_S) {
      await sleep((s - waited) * 1000);
      waited = s;
      round.after[s] = mem(pid);
    }
    const f = (n: number) => n.toFixed(0);
    console.log(
      `  ${v.name}: idle ${f(round.idle1.rss)} MB at 1 s, ${f(round.idle5.rss)} at 5 s, ${f(round.idle.rss)} at 15 s, after each route ${Object.values(round.rssAfterRoute).map(f).join('/')}, peak ${f(round.peak)}, after ${AFTER_S.map((s) => `${s}s ${f(round.after[s]!.rss)}`).join(' ')}; CPU µs/req ${Object.entries(
        round.cpuUsPerReq,
      )
        .map(([k, x]) => `${k} ${x.toFixed(1)}`)
        .join(', ')}`,
    );
    return round;
  } finally {
    await stopChild(child);
    rmSync(out, { force: true });
  }
}

export async function memoryLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const vs = variants(ctx.baseline);
  const rounds = Number(process.env.BENCH_MEMORY_ROUNDS ?? 2);
  const results = new Map<string, Round[]>(vs.map((v) => [v.name, []]));
  const load0 = loadavg()[0]!;
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? vs : [...vs].reverse();
    for (const v of order) results.get(v.name)!.push(await measure(ctx, v));
  }
  return report(vs, results, [load0, loadavg()[0]!]);
}

function report(vs: Variant[], results: Map<string, Round[]>, load: number[]): { data: unknown; text: string } {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
  const lines = [
    `| variant | idle MB at 1 s / 5 s | idle MB at 15 s (anon/file) | peak MB | after ${AFTER_S.join(' / ')} s MB | after 30 s vs idle | CPU µs/req ${routes()
      .map((r) => r.id)
      .join(' / ')} | errors |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  const rows = vs.map((v) => {
    const rs = results.get(v.name)!;
    const idle = mean(rs.map((r) => r.idle.rss));
    const after = AFTER_S.map((s) => mean(rs.map((r) => r.after[s]!.rss)));
    const row = {
      variant: v.name,
      nodeArgs: v.nodeArgs,
      args: v.args,
      idle1Mb: mean(rs.map((r) => r.idle1.rss)),
      idle5Mb: mean(rs.map((r) => r.idle5.rss)),
      idleMb: idle,
      idleAnonMb: mean(rs.map((r) => r.idle.anon)),
      idleFileMb: mean(rs.map((r) => r.idle.file)),
      peakMb: mean(rs.map((r) => r.peak)),
      afterMb: Object.fromEntries(AFTER_S.map((s, i) => [s, after[i]!])),
      cpuUsPerReq: Object.fromEntries(routes().map((r) => [r.id, mean(rs.map((x) => x.cpuUsPerReq[r.id] ?? NaN))])),
      rounds: rs,
    };
    lines.push(
      `| ${v.name}${v.nodeArgs.length + v.args.length > 0 ? ` (\`${[...v.nodeArgs, ...v.args].join(' ')}\`)` : ''} | ${f(row.idle1Mb)} / ${f(row.idle5Mb)} | ${f(idle)} (${f(row.idleAnonMb)}/${f(row.idleFileMb)}) | ${f(row.peakMb)} | ${after.map((a) => f(a)).join(' / ')} | ${f(((after[after.length - 1]! - idle) / idle) * 100)}% | ${routes()
        .map((r) => f(row.cpuUsPerReq[r.id]!, 1))
        .join(' / ')} | ${rs.reduce((s, r) => s + r.errors, 0)} |`,
    );
    return row;
  });
  lines.push(
    `\nmeans of ${results.get(vs[0]!.name)!.length} interleaved rounds; RSS from /proc/<pid>/status (VmRSS, VmHWM); load average (1 min) at start / end: ${load.map((l) => l.toFixed(2)).join(' / ')}`,
  );
  const text = lines.join('\n');
  console.log(text);
  return { data: { rows, loadAverage: load }, text };
}
