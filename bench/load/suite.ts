// The suite run (`npm run bench`): every target of targets.ts measured in one run against the
// same mock, one process at a time, rounds interleaved (A B C ... A B C). Per row: req/s at
// c=50, x direct, x floor, CPU µs per request from /proc of the target's process tree, p50/p99,
// added latency at c=1 and at a paced rate; per target: RSS idle, peak and some seconds after
// the load; per streaming row: time to first token and the gap between events against a mock
// that paces its events. Writes results.json, results.md and chart.svg into the run directory.
import type { ChildProcess } from 'node:child_process';
import { CHAT, CHAT_STREAM } from './lanes.js';
import { paced, percentile } from './paced.js';
import { GATEWAY_PORT } from './ports.js';
import { cpuSecondsTree, rssTreeMb } from './proc.js';
import { streamTiming, type StreamTiming } from './stream-timing.js';
import { suiteTargets, type Target, type TargetDeps } from './targets.js';

export interface SuiteOptions {
  duration: number;
  rounds: number;
  connections: number;
  /** Seconds to wait after the load before reading RSS again. */
  afterS: number;
  pacedRate: number;
  /** Milliseconds between the paced mock's events, and the streaming lanes' connections. */
  gapMs: number;
  streamConnections: number;
  /** Row ids to run (`gw-on/json`, ...); all when empty. */
  only: string[];
  /** dist/ of a baseline build measured beside this one (`--baseline`). */
  baseline?: string;
}

export interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

export interface RowResult {
  id: string;
  target: string;
  route: string;
  label: string;
  kind: 'json' | 'sse';
  c50: Load[];
  cpuUsPerReq: number[];
  c1: Load[];
  paced: { p50: number; p99: number; errors: number; cpuUsPerReq: number }[];
  timing?: StreamTiming;
}

export interface TargetResult {
  id: string;
  label: string;
  /** RSS 1 s after ready. */
  rssIdleMb: number;
  /** RSS SETTLE_MS after ready: startup's garbage collected and new space shrunk (V8's memory reducer runs ~9 s after the last busy GC). */
  rssSettledMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
}

export interface SuiteDeps extends TargetDeps {
  mockPort: number;
  load(name: string, url: string, body: string, c: number, durationS: number): Promise<Load>;
}

const ROUTES: Record<string, { label: string; kind: 'json' | 'sse' }> = {
  json: { label: 'passthrough, JSON', kind: 'json' },
  completions: { label: 'completions (body parsed, model set), JSON', kind: 'json' },
  sse: { label: 'passthrough, SSE 20 events', kind: 'sse' },
  translated: { label: 'SSE Anthropic -> OpenAI, translated', kind: 'sse' },
};

/** When idle RSS is read a second time, in the first round only (the memory lane reads idle at 15 s too). */
const SETTLE_MS = 15_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rowsOf(t: Target, only: string[]): RowResult[] {
  return Object.keys(t.paths)
    .map((route) => ({ route, id: `${t.id}/${route}` }))
    .filter((r) => only.length === 0 || only.includes(r.id) || r.id.startsWith('direct/') || r.id.startsWith('floor/'))
    .map(({ route, id }) => ({
      id,
      target: t.id,
      route,
      label: `${t.label}: ${ROUTES[route]!.label}`,
      kind: ROUTES[route]!.kind,
      c50: [],
      cpuUsPerReq: [],
      c1: [],
      paced: [],
    }));
}

/** CPU µs per request of `pid`'s tree over `fn` (NaN for direct, which has no process of its own). */
async function withCpu<T>(pid: number | undefined, requests: (r: T) => number, fn: () => Promise<T>): Promise<[T, number]> {
  const c0 = pid ? cpuSecondsTree(pid) : 0;
  const r = await fn();
  return [r, pid ? ((cpuSecondsTree(pid) - c0) * 1e6) / Math.max(1, requests(r)) : NaN];
}

async function pacedLoad(port: number, path: string, rate: number, durationS: number) {
  const request = Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(CHAT)}\r\n\r\n${CHAT}`,
  );
  const r = await paced({ host: '127.0.0.1', port, request, rate, connections: 20, durationS });
  const sorted = Float64Array.from(r.latenciesMs).sort();
  return { ok: r.ok, p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors: r.errors };
}

/** One round of one target: throughput, c=1 and paced rows, then RSS peak and after. */
async function measureTarget(deps: SuiteDeps, t: Target, rows: RowResult[], o: SuiteOptions, res: TargetResult, first: boolean) {
  const run = await t.start(deps, deps.mockPort);
  const url = (route: string) => `http://127.0.0.1:${run.port}${t.paths[route]}`;
  try {
    await sleep(1000);
    if (first && run.pid) {
      res.rssIdleMb = rssTreeMb(run.pid);
      await sleep(SETTLE_MS - 1000);
      res.rssSettledMb = rssTreeMb(run.pid);
    }
    for (const r of rows) await deps.load('warmup', url(r.route), r.kind === 'sse' ? CHAT_STREAM : CHAT, o.connections, 1);
    for (const r of rows) {
      const body = r.kind === 'sse' ? CHAT_STREAM : CHAT;
      const [m, cpu] = await withCpu(
        run.pid,
        (x) => x.rps * o.duration,
        () => deps.load(r.id, url(r.route), body, o.connections, o.duration),
      );
      r.c50.push(m);
      r.cpuUsPerReq.push(cpu);
      console.log(`  ${r.id} c=${o.connections}: ${Math.round(m.rps)} req/s, ${cpu.toFixed(1)} µs/req, p50 ${m.p50.toFixed(3)} ms`);
    }
    for (const r of rows.filter((x) => x.kind === 'json')) {
      r.c1.push(await deps.load(r.id, url(r.route), CHAT, 1, o.duration));
      const [p, cpu] = await withCpu(
        run.pid,
        (x) => x.ok,
        () => pacedLoad(run.port, t.paths[r.route]!, o.pacedRate, o.duration),
      );
      r.paced.push({ p50: p.p50, p99: p.p99, errors: p.errors, cpuUsPerReq: cpu });
    }
    if (run.pid) {
      res.rssPeakMb = Math.max(res.rssPeakMb || 0, rssTreeMb(run.pid, 'VmHWM'));
      await sleep(o.afterS * 1000);
      res.rssAfterMb = rssTreeMb(run.pid);
    }
  } finally {
    await run.stop();
  }
}

/** Streaming rows against the paced mock: each target restarted with that mock as its upstream. */
async function measureTiming(deps: SuiteDeps, t: Target, rows: RowResult[], o: SuiteOptions, pacedPort: number) {
  const sse = rows.filter((r) => r.kind === 'sse');
  if (sse.length === 0) return;
  const run = await t.start(deps, pacedPort);
  try {
    for (const r of sse) {
      await streamTiming(run.port, t.paths[r.route]!, CHAT_STREAM, o.streamConnections, 1);
      r.timing = await streamTiming(run.port, t.paths[r.route]!, CHAT_STREAM, o.streamConnections, o.duration);
      console.log(`  ${r.id} paced stream: TTFT p50 ${r.timing.ttftP50.toFixed(2)} ms, gap p50 ${r.timing.gapP50.toFixed(2)} ms`);
    }
  } finally {
    await run.stop();
  }
}

export async function runSuite(deps: SuiteDeps, o: SuiteOptions): Promise<{ rows: RowResult[]; targets: TargetResult[] }> {
  const targets = suiteTargets(o.baseline);
  const plan = targets.map((t) => ({ t, rows: rowsOf(t, o.only) })).filter((p) => p.rows.length > 0);
  const results = plan.map(({ t }) => ({ id: t.id, label: t.label, rssIdleMb: NaN, rssSettledMb: NaN, rssPeakMb: NaN, rssAfterMb: NaN }));
  for (let round = 0; round < o.rounds; round++) {
    for (const [i, { t, rows }] of plan.entries()) {
      console.log(`\n== round ${round + 1}/${o.rounds}: ${t.label}`);
      await measureTarget(deps, t, rows, o, results[i]!, round === 0);
    }
  }
  const pacedPort = GATEWAY_PORT + 12;
  const mock: ChildProcess = await deps.startProcess(
    ['--import', 'tsx', 'bench/load/mock-upstream.ts', String(pacedPort), '0', String(o.gapMs)],
    'mock upstream listening',
  );
  try {
    console.log(`\n== streaming against a mock pacing events ${o.gapMs} ms apart (c=${o.streamConnections})`);
    for (const { t, rows } of plan) await measureTiming(deps, t, rows, o, pacedPort);
  } finally {
    mock.kill();
  }
  return { rows: plan.flatMap((p) => p.rows), targets: results };
}
