// Load benchmark: a separate mock upstream process, the targets (the floor proxy, nginx, the
// real gateway process with defaults on and off), and autocannon (in this process) against the
// upstream directly and through each target, in one run. Reports requests/s, p50/p99 latency,
// ratios to direct and to the floor, and each target's CPU time per request from /proc. Not a
// test: numbers are reported, never asserted.
//
//   npm run bench                         # the suite, quick (3 s per measurement, 1 round)
//   npm run bench -- --full               # the suite, full (10 s, 2 interleaved rounds, RSS 30 s after); or BENCH_FULL=1
//   npm run bench -- --name my-run        # run directory bench/results/my-run (default <date>-<host>-<HHMM>)
//   npm run bench -- --rows gw-on/json    # only these rows (direct and floor always run)
//   npm run bench -- --baseline <dist dir> # also the gateway (defaults on) of another build (e.g. dist-before): a lever's before
//   npm run bench -- --lanes builds --baseline <dist dir>   # the same build beside this one, passthrough JSON/SSE only (builds.ts)
//   npm run bench -- --profile after      # V8 profile of the defaults-on passthrough lane, summarised
//   npm run bench -- --profile before --profile-target gw-on-base --baseline <dist dir>   # the same of another build
//   npm run bench -- --lanes json,paced --duration 5   # the older single-purpose lanes
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, release } from 'node:os';
import { fileURLToPath } from 'node:url';
import { LANES, type Lane, type LaneContext } from './lanes.js';
import { paced, percentile } from './paced.js';
import { GATEWAY_PORT, MOCK_PORT } from './ports.js';
import { cpuSeconds, rssMb } from './proc.js';
import { profileRun } from './profile.js';
import { markdown, summarize, svgChart } from './report.js';
import { runSuite, type SuiteDeps, type SuiteOptions } from './suite.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Args {
  lanes: string[] | null;
  duration: number;
  connections: number;
  full: boolean;
  name: string | undefined;
  rows: string[];
  profile: string | undefined;
  profileTarget: string | undefined;
  baseline?: string;
}

function parseArgs(): Args {
  const a = process.argv.slice(2);
  const get = (k: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  const lanes = get('--lanes');
  const full = a.includes('--full') || process.env.BENCH_FULL === '1';
  return {
    lanes: lanes === undefined ? null : lanes.split(','),
    duration: Number(get('--duration') ?? (full || lanes ? 10 : 3)),
    connections: Number(get('--connections') ?? 50),
    full,
    name: get('--name'),
    rows: get('--rows')?.split(',') ?? [],
    profile: get('--profile'),
    profileTarget: get('--profile-target'),
    ...(get('--baseline') !== undefined ? { baseline: get('--baseline') } : {}),
  };
}

export interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuUsPerReq?: number;
}

/**
 * Starts `node args` and resolves once it printed `readyText`. With `outFile` its output goes
 * to that file instead of a pipe into this process, which also runs the load generator:
 * draining megabytes of access log per second here would slow the loader, not the gateway.
 */
export function startProcess(args: string[], readyText: string, env: NodeJS.ProcessEnv = {}, outFile?: string): Promise<ChildProcess> {
  if (outFile !== undefined) return startWithOutputFile(args, readyText, env, outFile);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let ready = false;
    const onData = (d: Buffer) => {
      // After the ready line output is drained, not kept: access logs under load are large.
      if (ready) return;
      out += d.toString();
      if (out.includes(readyText)) {
        ready = true;
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`)));
  });
}

function startWithOutputFile(args: string[], readyText: string, env: NodeJS.ProcessEnv, outFile: string): Promise<ChildProcess> {
  const fd = openSync(outFile, 'w');
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (readFileSync(outFile, 'utf8').includes(readyText)) {
        clearInterval(poll);
        resolve(child);
      }
    }, 50);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${args.join(' ')} exited ${code}:\n${readFileSync(outFile, 'utf8')}`));
    });
  });
}

/**
 * Lanes measure the proxy path with the access log off, as the nginx baseline ran with
 * access_log off; the obs lane measures what it costs.
 */
export function startGateway(
  config: string,
  env: NodeJS.ProcessEnv = {},
  outFile?: string,
  args: string[] = [],
  main = 'dist/main.js',
): Promise<ChildProcess> {
  const ports = { BENCH_GATEWAY_PORT: String(GATEWAY_PORT), BENCH_MOCK_PORT: String(MOCK_PORT) };
  return startProcess(
    [main, '-f', config, ...args],
    'agentgateway ready',
    { AGW_LOG_LEVEL: 'info,request=off', ...ports, ...env },
    outFile,
  );
}

/** Closed-loop load with autocannon; exact latency percentiles from every response. */
export async function load(
  name: string,
  url: string,
  body: string,
  c: number,
  durationS: number,
  pid?: number,
  headers: Record<string, string> = {},
): Promise<Measured> {
  const latencies: number[] = [];
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  // autocannon's result is also an event emitter (its typings show only the promise side)
  const inst = autocannon({
    url,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
    connections: c,
    duration: durationS,
    pipelining: 1,
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
  });
  const r = await inst;
  const cpu = pid ? cpuSeconds(pid) - cpu0 : 0;
  const sorted = Float64Array.from(latencies).sort();
  const ok = r['2xx'];
  return {
    name,
    rps: ok / durationS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    ...(pid ? { cpuUsPerReq: (cpu * 1e6) / Math.max(1, ok) } : {}),
  };
}

export async function pacedRun(name: string, port: number, path: string, body: string, rate: number, durationS: number, pid?: number) {
  const request = Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const r = await paced({ host: '127.0.0.1', port, request, rate, connections: 20, durationS });
  const cpu = pid ? cpuSeconds(pid) - cpu0 : 0;
  const sorted = Float64Array.from(r.latenciesMs).sort();
  return {
    name,
    sent: r.sent,
    ok: r.ok,
    errors: r.errors,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    ...(pid ? { cpuUsPerReq: (cpu * 1e6) / Math.max(1, r.ok) } : {}),
  };
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : '-');

export function printTable(title: string, rows: Measured[], baseline: Measured): string {
  const lines = [
    `\n### ${title}`,
    '| target | req/s | x direct | p50 ms | p99 ms | gateway CPU µs/req | non-2xx | errors |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${Math.round(r.rps)} | ${f(r.rps / baseline.rps)} | ${f(r.p50, 3)} | ${f(r.p99, 3)} | ${r.cpuUsPerReq !== undefined ? f(r.cpuUsPerReq, 1) : '-'} | ${r.non2xx} | ${r.errors} |`,
    );
  }
  const text = lines.join('\n');
  console.log(text);
  return text;
}

async function main(): Promise<void> {
  const args = parseArgs();
  if (args.lanes === null) return suiteMain(args);
  const lanes = args.lanes;
  const mock = await startProcess(['--import', 'tsx', 'bench/load/mock-upstream.ts', String(MOCK_PORT)], 'mock upstream listening');
  const startMock = (port: number, delayMs: number) =>
    startProcess(['--import', 'tsx', 'bench/load/mock-upstream.ts', String(port), String(delayMs)], 'mock upstream listening');
  const ctx: LaneContext = {
    mockPort: MOCK_PORT,
    mockPid: mock.pid!,
    duration: args.duration,
    connections: args.connections,
    ...(args.baseline !== undefined ? { baseline: args.baseline } : {}),
    startGateway,
    startMock,
    load,
    pacedRun,
    printTable,
    rssMb,
    startProcess,
  };
  const report: Record<string, unknown> = { date: new Date().toISOString(), node: process.version, args };
  let markdown = `# Load benchmark (${report.date}, ${args.duration} s per run, c=${args.connections})\n`;
  try {
    for (const name of lanes) {
      const lane: Lane | undefined = LANES[name];
      if (!lane) throw new Error(`unknown lane "${name}" (have: ${Object.keys(LANES).join(', ')})`);
      console.log(`\n== lane ${name}: ${lane.description}`);
      const { data, text } = await lane.run(ctx);
      report[name] = data;
      markdown += `\n## ${name}: ${lane.description}\n${text}\n`;
    }
  } finally {
    mock.kill();
  }
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(`${ROOT}bench/results/${stamp}.json`, JSON.stringify(report, null, 2));
  writeFileSync(`${ROOT}bench/results/${stamp}.md`, markdown);
  console.log(`\nresults: bench/results/${stamp}.{json,md}`);
}

/** The run directory: bench/results/<name>, by default <date>-<host>-<HHMM> (UTC). */
function runDirectory(name: string | undefined): string {
  const now = new Date().toISOString();
  const dir = `${ROOT}bench/results/${name ?? `${now.slice(0, 10)}-${hostname()}-${now.slice(11, 16).replace(':', '')}`}`;
  mkdirSync(dir, { recursive: true });
  return dir;
}

function machine(): Record<string, string> {
  return {
    date: new Date().toISOString(),
    host: hostname(),
    cpu: `${cpus().length} x ${cpus()[0]?.model ?? '?'}`,
    kernel: release(),
    node: process.version,
    'load average at start (1/5/15 min)': loadavg()
      .map((l) => l.toFixed(2))
      .join(' / '),
  };
}

async function suiteMain(args: Args): Promise<void> {
  const o: SuiteOptions = {
    duration: args.duration,
    rounds: args.full ? 2 : 1,
    connections: args.connections,
    afterS: args.full ? 30 : 5,
    pacedRate: 1000,
    gapMs: 25,
    streamConnections: 10,
    only: args.rows,
    ...(args.baseline ? { baseline: args.baseline } : {}),
  };
  const dir = runDirectory(args.name);
  const mock = await startProcess(['--import', 'tsx', 'bench/load/mock-upstream.ts', String(MOCK_PORT)], 'mock upstream listening');
  const deps: SuiteDeps = { mockPort: MOCK_PORT, startProcess, load: (n, url, body, c, d) => load(n, url, body, c, d) };
  try {
    if (args.profile !== undefined) {
      await profileRun(deps, dir, args.profile, args.duration, args.connections, args.profileTarget, args.baseline);
      console.log(`\nprofile: ${dir}/profile-${args.profile}.md`);
      return;
    }
    const env = machine();
    const { rows, targets } = await runSuite(deps, o);
    env['load average at end (1/5/15 min)'] = loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ');
    const sum = summarize(rows);
    const title = `agentgateway load benchmark, ${env.date!.slice(0, 16)}Z on ${env.host} (${args.full ? 'full' : 'quick'} run)`;
    const md = markdown(title, o, env, sum, targets);
    writeFileSync(`${dir}/results.json`, JSON.stringify({ env, options: o, summary: sum, targets, rows }, null, 2));
    writeFileSync(`${dir}/results.md`, md);
    writeFileSync(`${dir}/chart.svg`, svgChart(title, sum));
    console.log(`\n${md}\nresults: ${dir}/{results.json,results.md,chart.svg}`);
  } finally {
    mock.kill();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
