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
//   SOAK_NODE_ARGS="--cpu-prof ..." passes node flags to the gateway process.
// The gateway's log and config stay in a temp directory named at the start of the run.
import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess } from '../load/run.js';
import { BAD_EDITS, gatewayConfig, managementEnv, soakPorts, type BadEdit } from './config.js';
import { GatewayWatch } from './gateway-watch.js';
import { failures, runPhases, type SoakArgs } from './phases.js';
import { details, markdown, type SoakReport } from './report.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function parseArgs(argv: string[]): SoakArgs {
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

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Starts the upstream and the gateway, runs the phases, stops both. */
export async function soak(args: SoakArgs): Promise<SoakReport> {
  const ports = soakPorts(args.portBase);
  const dir = mkdtempSync(join(tmpdir(), 'agw-soak-'));
  const files = { config: join(dir, 'config.yaml'), log: join(dir, 'gateway.log') };
  writeFileSync(files.config, gatewayConfig(ports, 1));
  const upstreamPorts = [ports.upstreamA, ports.upstreamB, ports.passA, ports.passB];
  const upstream = await startProcess(
    ['--import', 'tsx', 'bench/soak/fault-upstream.ts', ...upstreamPorts.map(String)],
    'fault upstream listening',
  );
  let gw: ChildProcess | null = null;
  try {
    // SOAK_NODE_ARGS: extra node flags for the gateway (e.g. --cpu-prof) when chasing a finding.
    const nodeArgs = (process.env.SOAK_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    gw = await startProcess([...nodeArgs, 'dist/main.js', '-f', files.config], 'agentgateway ready', managementEnv(ports), files.log);
    console.log(`gateway pid ${gw.pid}, config ${files.config}, log ${files.log}`);
    const measured = await runPhases(args, ports, new GatewayWatch(gw, ports.stats), files);
    const report: SoakReport = { date: new Date().toISOString(), node: process.version, commit: commit(), ...measured };
    report.failures = failures(report);
    return report;
  } finally {
    gw?.kill('SIGTERM');
    upstream.kill('SIGTERM');
  }
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
