// Soak test: the real gateway process under paced mixed load (OpenAI and Anthropic JSON and
// SSE, translated routes, passthrough, A2A) against a fault-injecting upstream (faults.ts says
// which faults and what each must produce), with hot reloads (reloads.ts) and client aborts,
// while the gateway's RSS and CPU time are read from /proc (memory.ts says when RSS counts as
// growing). Exits 1 when any request is lost, a reload check fails, RSS keeps growing, an
// upstream request is left open or the gateway dies; the report goes to bench/results/.
//
//   npm run soak -- --minutes 10                 # the full soak (then 60 s of settling)
//   npm run soak -- --seconds 30 --settle 10     # a short one
//   options: --rate N (req/s, 50)  --reload-every S (10)  --abort-share F (0.06)
//            --idle S (10)  --seed N  --port-base P (18180; uses P..P+7: gateway P, upstream
//            P+1, P+2, P+6, P+7, admin P+3, stats P+4, readiness P+5)  --out PATH (results prefix)
//            --bad-edits LIST (which refused edits to rotate through; default all of
//            unknown-key,yaml-syntax,empty-file,api-invalid; for narrowing down a failure)
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';
import { AdminClient } from '../../test/helpers/admin-client.js';
import { startProcess } from '../load/run.js';
import { cpuSeconds } from '../load/proc.js';
import { send, type ClientOptions } from './client.js';
import { BAD_EDITS, gatewayConfig, managementEnv, type BadEdit, REQUEST_TIMEOUT_MS, soakPorts, type SoakPorts } from './config.js';
import { KINDS } from './faults.js';
import { runLoad } from './load.js';
import { judgeGrowth, rssNowMb, type Sample } from './memory.js';
import { Reloader } from './reloads.js';
import { details, markdown, type SoakReport } from './report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Args {
  loadSeconds: number;
  rate: number;
  settle: number;
  idle: number;
  reloadEvery: number;
  abortShare: number;
  seed: number;
  portBase: number;
  out: string | null;
  badEdits: BadEdit[];
}

function parseArgs(argv: string[]): Args {
  const get = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (k: string, d: number) => {
    const v = get(k);
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${k} expects a number, got "${v}"`);
    return n;
  };
  const minutes = get('--minutes');
  const loadSeconds = minutes !== undefined ? num('--minutes', 10) * 60 : num('--seconds', 600);
  return {
    loadSeconds,
    rate: num('--rate', 50),
    settle: num('--settle', 60),
    idle: num('--idle', 10),
    reloadEvery: num('--reload-every', 10),
    abortShare: num('--abort-share', 0.06),
    seed: num('--seed', Date.now() % 1e9),
    portBase: num('--port-base', 18180),
    out: get('--out') ?? null,
    badEdits: badEdits(get('--bad-edits')),
  };
}

function badEdits(list: string | undefined): BadEdit[] {
  if (list === undefined) return [...BAD_EDITS];
  const edits = list.split(',') as BadEdit[];
  for (const e of edits) if (!BAD_EDITS.includes(e)) throw new Error(`--bad-edits: unknown edit "${e}" (have: ${BAD_EDITS.join(', ')})`);
  return edits;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Heap used as the gateway's own metrics report it (a diagnostic beside RSS). */
async function heapUsedMb(p: SoakPorts): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${p.stats}/metrics`)).text();
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text);
    return m ? Number(m[1]) / 2 ** 20 : NaN;
  } catch {
    return NaN;
  }
}

/** Both upstream ports are one process: one call sees every request. */
async function upstreamStats(p: SoakPorts): Promise<{ open: number; unplanned: number }> {
  return (await (await fetch(`http://127.0.0.1:${p.upstreamA}/__stats`)).json()) as { open: number; unplanned: number };
}

/** Error-level lines of the gateway log, refused reloads (expected) left out. */
function errorLines(logFile: string): string[] {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    // pino-pretty's `[time] ERROR:`, the text access log's `\terror\t`, or JSON levels 50/60
    if (!/^\[[^\]]*\] (ERROR|FATAL)|\t(error|fatal)\t|"level":(50|60)/.test(l)) continue;
    if (l.includes('config reload failed')) continue;
    out.push(l.slice(0, 300));
    if (out.length >= 20) break;
  }
  return out;
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

export async function soak(args: Args): Promise<SoakReport> {
  const ports = soakPorts(args.portBase);
  const dir = mkdtempSync(join(tmpdir(), 'agw-soak-'));
  const file = join(dir, 'config.yaml');
  const logFile = join(dir, 'gateway.log');
  writeFileSync(file, gatewayConfig(ports, 1));
  const upstream = await startProcess(
    ['--import', 'tsx', 'bench/soak/fault-upstream.ts', ...[ports.upstreamA, ports.upstreamB, ports.passA, ports.passB].map(String)],
    'fault upstream listening',
  );
  let gw: ChildProcess | null = null;
  try {
    // SOAK_NODE_ARGS: extra node flags for the gateway (e.g. --cpu-prof) when chasing a finding.
    const nodeArgs = (process.env.SOAK_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    gw = await startProcess([...nodeArgs, 'dist/main.js', '-f', file], 'agentgateway ready', managementEnv(ports), logFile);
    console.log(`gateway pid ${gw.pid}, config ${file}, log ${logFile}`);
    return await phases(args, ports, gw, file, logFile);
  } finally {
    gw?.kill('SIGTERM');
    upstream.kill('SIGTERM');
  }
}

async function phases(args: Args, ports: SoakPorts, gw: ChildProcess, file: string, logFile: string): Promise<SoakReport> {
  const pid = gw.pid!;
  let gatewayExit: string | null = null;
  gw.once('exit', (code, signal) => (gatewayExit = `exited (${signal ?? code})`));
  const admin = new AdminClient(`http://127.0.0.1:${ports.admin}`);
  const samples: { t: number; rssMb: number; phase: string }[] = [];
  let phase = 'idle';
  let loadStart = performance.now();
  const sampler = setInterval(() => {
    try {
      samples.push({ t: (performance.now() - loadStart) / 1000, rssMb: rssNowMb(pid), phase });
    } catch {
      // the gateway is gone (its exit is recorded and fails the run)
    }
  }, 1000);
  const agent = new Agent({ connections: 512, keepAliveTimeout: 4_000 });
  const client: ClientOptions = { baseUrl: `http://127.0.0.1:${ports.gateway}`, agent, deadlineMs: REQUEST_TIMEOUT_MS + 5_000 };

  // Idle: what the gateway holds before any request.
  await sleep(args.idle * 1000);
  const heapIdle = await heapUsedMb(ports);
  const idleRss = median(samples.filter((s) => s.phase === 'idle').map((s) => s.rssMb));

  // Load, with reloads alongside.
  phase = 'load';
  loadStart = performance.now();
  const cpu0 = cpuSeconds(pid);
  let probeId = 1e9;
  const probe = () => send({ id: ++probeId, kind: KINDS[0]!, plan: ['ok', 'ok'], abort: { at: 'none' } }, client);
  const reloader = new Reloader(file, admin, ports, probe, loadStart, args.badEdits);
  let loading = true;
  const reloading = (async () => {
    while (loading && args.reloadEvery > 0) {
      await sleep(args.reloadEvery * 1000);
      if (loading && gatewayExit === null) await reloader.next();
    }
  })();
  const tally = await runLoad(
    { rate: args.rate, durationS: args.loadSeconds, abortShare: args.abortShare, seed: args.seed, client },
    (t, s) => {
      if (Math.floor(s) % 10 !== 0) return;
      const rss = samples[samples.length - 1]?.rssMb ?? NaN;
      console.log(`${Math.floor(s)} s: ${t.total} done, lost ${t.byOutcome.lost}, RSS ${rss.toFixed(1)} MB`);
    },
  );
  loading = false;
  await reloading;
  const cpu1 = gatewayExit === null ? cpuSeconds(pid) : cpu0;
  const endRss = gatewayExit === null ? rssNowMb(pid) : NaN;
  const heapEnd = await heapUsedMb(ports);

  // Settle: no traffic; what does the gateway give back, and does it stay quiet?
  phase = 'settle';
  const settleFrom = performance.now();
  await sleep(args.settle * 1000);
  clearInterval(sampler);
  const alive = gatewayExit === null;
  const cpu2 = alive ? cpuSeconds(pid) : cpu1;
  const settleRss = alive ? rssNowMb(pid) : NaN;
  const hwm = alive ? hwmMb(pid) : NaN;
  const heapSettle = await heapUsedMb(ports);
  const up = await upstreamStats(ports);
  const rt = alive ? await admin.runtime().catch(() => null) : null;
  const inflight = rt === null ? -1 : (rt.binds as { inflight: number }[]).reduce((a, b) => a + b.inflight, 0);
  await agent.close();

  const loadSamples: Sample[] = samples.filter((s) => s.phase === 'load').map((s) => ({ t: s.t, rssMb: s.rssMb }));
  const verdict = judgeGrowth(loadSamples, args.loadSeconds);
  const report: SoakReport = {
    date: new Date().toISOString(),
    node: process.version,
    commit: commit(),
    args: { ...args },
    loadSeconds: args.loadSeconds,
    tally,
    memory: {
      idleMb: idleRss,
      peakMb: Math.max(...samples.map((s) => s.rssMb)),
      endMb: endRss,
      settleMb: settleRss,
      settleSeconds: Math.round((performance.now() - settleFrom) / 1000),
      hwmMb: hwm,
      heapUsedMb: { idle: heapIdle, end: heapEnd, settle: heapSettle },
      verdict,
      samples: samples.map((s) => [Math.round(s.t * 10) / 10, Math.round(s.rssMb * 10) / 10]),
    },
    cpu: { loadSeconds: cpu1 - cpu0, usPerRequest: ((cpu1 - cpu0) * 1e6) / Math.max(1, tally.total), settleSeconds: cpu2 - cpu1 },
    reloads: reloader.records,
    upstreamOpen: up.open,
    upstreamUnplanned: up.unplanned,
    gatewayInflight: inflight,
    gatewayExit,
    gatewayErrorLines: errorLines(logFile),
    failures: [],
  };
  report.failures = failures(report);
  return report;
}

function failures(r: SoakReport): string[] {
  const f: string[] = [];
  if (r.gatewayExit !== null) f.push(`gateway ${r.gatewayExit}`);
  if (r.tally.byOutcome.lost > 0) f.push(`${r.tally.byOutcome.lost} request(s) lost`);
  const badReloads = r.reloads.filter((x) => !x.ok);
  if (badReloads.length > 0) f.push(`${badReloads.length} reload check(s) failed`);
  if (r.memory.verdict.growing) f.push(`RSS keeps growing (${r.memory.verdict.slopeMbPerMin.toFixed(2)} MB/min)`);
  if (r.upstreamOpen !== 0) f.push(`${r.upstreamOpen} upstream request(s) left open`);
  if (r.gatewayInflight !== 0) f.push(`gateway reports ${r.gatewayInflight} request(s) still in flight`);
  return f;
}

function hwmMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  console.log(
    `soak: ${args.loadSeconds} s at ${args.rate} req/s, reload every ${args.reloadEvery} s, settle ${args.settle} s, seed ${args.seed}`,
  );
  const report = await soak(args);
  const table = markdown(report);
  const more = details(report);
  console.log(`\n${table}\n${more}`);
  const stamp = report.date.replace(/[:.]/g, '-');
  const prefix = args.out ?? join(ROOT, 'bench/results', `soak-${stamp}`);
  mkdirSync(join(prefix, '..'), { recursive: true });
  writeFileSync(`${prefix}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${prefix}.md`, `${table}\n${more}\n`);
  console.log(`\nresults: ${prefix}.{json,md}`);
  process.exit(report.failures.length === 0 ? 0 : 1);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(2);
  });
}
