// 1 vs N worker threads (`--workers`), side by side in one run: the same gateway config started
// with `--workers 1` and `--workers N` (default 2; BENCH_WORKERS), interleaved over
// BENCH_WORKERS_ROUNDS rounds (default 2), loaded with wrk (C, a fraction of autocannon's CPU,
// so more of the machine is left to the gateway). Three paths: the built-in mock provider (/mock,
// no upstream process: the gateway's own work only), the /openai passthrough to the mock
// upstream process (which then competes for the same cores), and /shared, which touches the
// per-gateway state on every request (a pick-2 group, a local rate limit, session affinity: in
// shared memory with workers, see bench/micro/shared-state.ts). Per run: req/s, latency, the
// gateway's CPU per request from /proc, and how the machine's cores were shared during the run
// (gateway, wrk, the upstream, everything else), from /proc/stat. `--baseline <dist dir>` adds
// that build's N workers to every round (a lever's before, interleaved with its after);
// BENCH_WORKERS_PATHS=shared runs only the named paths.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHAT, type Lane, type LaneContext } from './lanes.js';
import { GATEWAY_PORT, MOCK_PORT } from './ports.js';
import { cpuSeconds } from './proc.js';

interface WrkRun {
  name: string;
  workers: number;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuUsPerReq: number;
  /** Cores used during the run (CPU seconds / wall seconds). */
  cores: { gateway: number; wrk: number; upstream: number; other: number; machine: number };
}

/** Busy and total jiffies of the whole machine (/proc/stat). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = f[3]! + (f[4] ?? 0);
  return { busy: total - idle, total };
}

function ms(v: string, unit: string): number {
  const n = Number(v);
  return unit === 'us' ? n / 1000 : unit === 's' ? n * 1000 : n;
}

/** Runs wrk (one thread per core it may use, `c` connections) and reads its summary. */
async function wrk(url: string, body: string, c: number, durationS: number, pids: { gateway: number; upstream: number }) {
  const script = join(tmpdir(), `agw-wrk-${process.pid}.lua`);
  writeFileSync(script, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(body)}\nwrk.headers["Content-Type"] = "application/json"\n`);
  const g0 = cpuSeconds(pids.gateway);
  const u0 = cpuSeconds(pids.upstream);
  const m0 = machineTicks();
  const t0 = performance.now();
  const child = spawn('wrk', ['-t1', `-c${c}`, `-d${durationS}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // wrk's own CPU: the last reading of its /proc entry before it exits.
  let wrkCpu = 0;
  const sample = setInterval(() => {
    try {
      wrkCpu = cpuSeconds(child.pid!);
    } catch {
      // exited
    }
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(sample);
  const wall = (performance.now() - t0) / 1000;
  const gatewayCpu = cpuSeconds(pids.gateway) - g0;
  const upstreamCpu = cpuSeconds(pids.upstream) - u0;
  const m1 = machineTicks();
  if (code !== 0) throw new Error(`wrk exited ${code}:\n${out}`);
  const cores = availableParallelism();
  const machine = ((m1.busy - m0.busy) / (m1.total - m0.total)) * cores;
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const lat = (p: string) => {
    const m = new RegExp(`\\s${p}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    return m ? ms(m[1]!, m[2]!) : Number.NaN;
  };
  const ok = requests - non2xx;
  return {
    rps: ok / durationS,
    p50: lat('50'),
    p99: lat('99'),
    non2xx,
    errors: errs ? errs.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    cpuUsPerReq: (gatewayCpu * 1e6) / Math.max(1, ok),
    cores: {
      gateway: gatewayCpu / wall,
      wrk: wrkCpu / wall,
      upstream: upstreamCpu / wall,
      other: Math.max(0, machine - (gatewayCpu + wrkCpu + upstreamCpu) / wall),
      machine,
    },
  };
}

const ALL_PATHS = [
  { name: 'built-in mock provider /mock', path: '/mock/v1/chat/completions' },
  { name: 'passthrough to the mock upstream /openai', path: '/openai/v1/chat/completions' },
  { name: 'pick-2 group + local limit + affinity /shared', path: '/shared/v1/chat/completions' },
];
/** BENCH_WORKERS_PATHS=shared,mock: only those paths (by the path's first segment). */
const only = (process.env.BENCH_WORKERS_PATHS ?? '').split(',').filter((x) => x !== '');
const PATHS = ALL_PATHS.filter((p) => only.length === 0 || only.includes(p.path.split('/')[1]!));

/** One gateway setup measured: a worker count and the build it runs. */
interface Setup {
  workers: number;
  main: string;
  /** Row label: "1 worker", "2 workers", "2 workers, baseline". */
  name: string;
}

/** 1 and N workers of this tree; with `--baseline <dist dir>` also N workers of that build (a lever's before). */
function setups(n: number, baseline: string | undefined): Setup[] {
  const list = [
    { workers: 1, main: 'dist/main.js', name: '1 worker' },
    { workers: n, main: 'dist/main.js', name: `${n} workers` },
  ];
  if (baseline !== undefined) list.push({ workers: n, main: join(baseline, 'main.js'), name: `${n} workers, baseline` });
  return list;
}

async function runWorkers(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const n = Number(process.env.BENCH_WORKERS || 2);
  const rounds = Number(process.env.BENCH_WORKERS_ROUNDS || 2);
  const runs: (WrkRun & { path: string; round: number })[] = [];
  const all = setups(n, ctx.baseline);
  for (let round = 0; round < rounds; round++) {
    // Rotate which goes first, so none always meets the same moment of a busy machine.
    const order = all.map((_, i) => all[(i + round) % all.length]!);
    for (const { workers, main, name } of order) {
      const gw = await ctx.startProcess([main, '-f', 'bench/load/gateway.yaml', '--workers', String(workers)], 'agentgateway ready', {
        AGW_LOG_LEVEL: 'info,request=off',
        BENCH_GATEWAY_PORT: String(GATEWAY_PORT),
        BENCH_MOCK_PORT: String(MOCK_PORT),
      });
      try {
        for (const p of PATHS) {
          const url = `http://127.0.0.1:${GATEWAY_PORT}${p.path}`;
          const pids = { gateway: gw.pid!, upstream: ctx.mockPid };
          await wrk(url, CHAT, ctx.connections, 2, pids); // warm-up: JIT, pools
          const r = await wrk(url, CHAT, ctx.connections, ctx.duration, pids);
          const run = { name, workers, path: p.name, round, ...r };
          runs.push(run);
          console.log(
            `round ${round + 1} ${run.name} ${p.name}: ${Math.round(r.rps)} req/s, ${r.cpuUsPerReq.toFixed(1)} µs CPU/req, gateway ${r.cores.gateway.toFixed(2)} cores`,
          );
        }
      } finally {
        gw.kill('SIGTERM');
        await new Promise((r) => gw.once('exit', r));
      }
    }
  }
  const names = all.map((x) => x.name);
  return {
    data: { workers: n, rounds, cores: availableParallelism(), baseline: ctx.baseline ?? null, runs },
    text: table(runs, names, ctx.connections),
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function table(runs: (WrkRun & { path: string })[], names: string[], c: number): string {
  const f = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '-');
  const lines = [
    `wrk -t1, c=${c} keep-alive connections; medians over rounds; cores = CPU seconds / wall seconds during the run (${availableParallelism()} cores on this machine)`,
    '',
    '| path | workers | req/s | x 1 worker | p50 ms | p99 ms | gateway CPU µs/req | cores: gateway / wrk / upstream / other | non-2xx | errors |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const p of PATHS) {
    const of = (name: string) => runs.filter((r) => r.path === p.name && r.name === name);
    const one = median(of(names[0]!).map((r) => r.rps));
    for (const w of names) {
      const rs = of(w);
      const med = (k: (r: WrkRun) => number) => median(rs.map(k));
      lines.push(
        `| ${p.name} | ${w} | ${Math.round(med((r) => r.rps))} | ${f(med((r) => r.rps) / one)} | ${f(
          med((r) => r.p50),
          3,
        )} | ${f(
          med((r) => r.p99),
          3,
        )} | ${f(
          med((r) => r.cpuUsPerReq),
          1,
        )} | ${f(med((r) => r.cores.gateway))} / ${f(med((r) => r.cores.wrk))} / ${f(med((r) => r.cores.upstream))} / ${f(med((r) => r.cores.other))} | ${rs.reduce((a, r) => a + r.non2xx, 0)} | ${rs.reduce((a, r) => a + r.errors, 0)} |`,
      );
    }
  }
  const text = lines.join('\n');
  console.log(text);
  return text;
}

export const workersLane: Lane = {
  description: '1 vs N worker threads (--workers), wrk, the built-in mock provider and the passthrough lane',
  run: runWorkers,
};
