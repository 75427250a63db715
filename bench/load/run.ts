// Load benchmark: a separate mock upstream process, the real gateway process, and autocannon
// (in this process) against the upstream directly and through the gateway, in one run.
// Reports requests/s, p50/p99 latency, their ratio to direct, and the gateway's CPU time per
// request from /proc. Not a test: numbers are reported, never asserted.
//
//   npm run bench                         # all lanes, 10 s each
//   npm run bench -- --lanes json,paced --duration 5
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LANES, type Lane, type LaneContext } from './lanes.js';
import { paced, percentile } from './paced.js';
import { GATEWAY_PORT, MOCK_PORT } from './ports.js';
import { cpuSeconds, rssMb } from './proc.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Args {
  lanes: string[];
  duration: number;
  connections: number;
  baseline?: string;
}

function parseArgs(): Args {
  const a = process.argv.slice(2);
  const get = (k: string) => {
    const i = a.indexOf(k);
    return i >= 0 ? a[i + 1] : undefined;
  };
  return {
    lanes: (get('--lanes') ?? Object.keys(LANES).join(',')).split(','),
    duration: Number(get('--duration') ?? 10),
    connections: Number(get('--connections') ?? 50),
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
    for (const name of args.lanes) {
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

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
