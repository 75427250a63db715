// The soak's three phases against a started gateway: idle (what it holds before any request),
// load (paced faulted traffic with reloads alongside), settle (no traffic: what it gives back,
// whether it stays quiet, whether anything is left open), then the verdict.
import { Agent } from 'undici';
import { AdminClient } from '../../test/helpers/admin-client.js';
import { send, type ClientOptions } from './client.js';
import { REQUEST_TIMEOUT_MS, type BadEdit, type SoakPorts } from './config.js';
import { KINDS } from './faults.js';
import { errorLines, type GatewayWatch } from './gateway-watch.js';
import { runLoad, type Tally } from './load.js';
import { judgeGrowth } from './memory.js';
import { Reloader } from './reloads.js';
import type { SoakReport } from './report.js';

export interface SoakArgs {
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

export interface RunFiles {
  config: string;
  log: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Both upstream ports are one process: one call sees every request. */
async function upstreamStats(p: SoakPorts): Promise<{ open: number; unplanned: number }> {
  return (await (await fetch(`http://127.0.0.1:${p.upstreamA}/__stats`)).json()) as { open: number; unplanned: number };
}

export async function runPhases(
  args: SoakArgs,
  ports: SoakPorts,
  gw: GatewayWatch,
  files: RunFiles,
): Promise<Omit<SoakReport, 'date' | 'commit' | 'node'>> {
  const admin = new AdminClient(`http://127.0.0.1:${ports.admin}`);
  const agent = new Agent({ connections: 512, keepAliveTimeout: 4_000 });
  const client: ClientOptions = { baseUrl: `http://127.0.0.1:${ports.gateway}`, agent, deadlineMs: REQUEST_TIMEOUT_MS + 10_000 };
  try {
    await sleep(args.idle * 1000);
    const heapIdle = await gw.heapUsedMb();
    const load = await loadPhase(args, ports, gw, files, admin, client);
    const heapEnd = await gw.heapUsedMb();
    gw.enter('settle');
    const settleFrom = performance.now();
    await sleep(args.settle * 1000);
    gw.stop();
    const cpuSettle = gw.cpu() - load.cpuEnd;
    const settleRss = gw.rss();
    const up = await upstreamStats(ports);
    return {
      args: { ...args },
      loadSeconds: args.loadSeconds,
      tally: load.tally,
      memory: {
        idleMb: median(gw.of('idle').map((s) => s.rssMb)),
        peakMb: Math.max(...gw.samples.map((s) => s.rssMb)),
        endMb: load.rssEnd,
        settleMb: settleRss,
        settleSeconds: Math.round((performance.now() - settleFrom) / 1000),
        hwmMb: gw.hwm(),
        heapUsedMb: { idle: heapIdle, end: heapEnd, settle: await gw.heapUsedMb() },
        verdict: judgeGrowth(gw.of('load'), args.loadSeconds),
        samples: gw.samples.map((s) => [Math.round(s.t * 10) / 10, Math.round(s.rssMb * 10) / 10]),
      },
      cpu: {
        loadSeconds: load.cpuSeconds,
        usPerRequest: (load.cpuSeconds * 1e6) / Math.max(1, load.tally.total),
        settleSeconds: cpuSettle,
      },
      reloads: load.reloads.records,
      upstreamOpen: up.open,
      upstreamUnplanned: up.unplanned,
      gatewayInflight: await gw.inflight(admin),
      gatewayExit: gw.exit,
      gatewayErrorLines: errorLines(files.log),
      failures: [],
    };
  } finally {
    await agent.close();
  }
}

interface LoadResult {
  tally: Tally;
  reloads: Reloader;
  cpuSeconds: number;
  cpuEnd: number;
  rssEnd: number;
}

/** The paced load, and the reload loop beside it until the load ends. */
async function loadPhase(
  args: SoakArgs,
  ports: SoakPorts,
  gw: GatewayWatch,
  files: RunFiles,
  admin: AdminClient,
  client: ClientOptions,
): Promise<LoadResult> {
  gw.enter('load');
  const t0 = performance.now();
  const cpu0 = gw.cpu();
  let probeId = 1e9;
  const probe = () => send({ id: ++probeId, kind: KINDS[0]!, plan: ['ok', 'ok'], abort: { at: 'none' } }, client);
  const reloads = new Reloader(files.config, admin, ports, probe, t0, args.badEdits);
  let loading = true;
  const reloading = (async () => {
    while (loading && args.reloadEvery > 0) {
      await sleep(args.reloadEvery * 1000);
      if (loading && gw.alive) await reloads.next();
    }
  })();
  const tally = await runLoad(
    { rate: args.rate, durationS: args.loadSeconds, abortShare: args.abortShare, seed: args.seed, client },
    (t, s) => {
      if (Math.floor(s) % 10 !== 0) return;
      const rss = gw.samples[gw.samples.length - 1]?.rssMb ?? NaN;
      console.log(`${Math.floor(s)} s: ${t.total} done, lost ${t.byOutcome.lost}, RSS ${rss.toFixed(1)} MB`);
    },
  );
  loading = false;
  await reloading;
  const cpuEnd = gw.cpu();
  return { tally, reloads, cpuSeconds: cpuEnd - cpu0, cpuEnd, rssEnd: gw.rss() };
}

/** Why the run fails (empty: it passes). */
export function failures(r: SoakReport): string[] {
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
