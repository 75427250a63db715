// The mcp lane: tools/call per second through the gateway's MCP federation next to the same call
// made directly to the SDK server, in one run, plus the gateway's CPU time per call (and the
// upstream's, for scale). Each client holds one MCP session (initialize first) and sends
// tools/call with unique JSON-RPC ids on `c` connections; the stdio row is the same server
// started by the gateway over stdio (no direct counterpart: a stdio server has no socket).
import autocannon from 'autocannon';
import type { LaneContext } from './lanes.js';
import { percentile } from './paced.js';
import { GATEWAY_PORT } from './ports.js';
import { cpuSeconds } from './proc.js';

const MCP_PORT = Number(process.env.BENCH_MCP_PORT || GATEWAY_PORT + 6);
const VERSION = '2025-06-18';

interface CallRun {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  gatewayCpuUs?: number;
  upstreamCpuUs?: number;
}

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': VERSION };

async function initialize(url: string): Promise<string> {
  const init = { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'bench', version: '1' } };
  const r = await fetch(url, {
    method: 'POST',
    headers: HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: init }),
  });
  const sid = r.headers.get('mcp-session-id');
  await r.text();
  if (r.status !== 200 || sid === null) throw new Error(`${url}: initialize answered ${r.status}`);
  const h = { ...HEADERS, 'mcp-session-id': sid };
  await (
    await fetch(url, { method: 'POST', headers: h, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) })
  ).text();
  // The benchmark checks its own output: the tool must answer 3.
  const check = await fetch(url, { method: 'POST', headers: h, body: call(1) });
  const text = await check.text();
  if (!text.includes('"text":"3"')) throw new Error(`${url}: tools/call answered ${check.status} ${text.slice(0, 200)}`);
  return sid;
}

function call(id: number): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } });
}

async function calls(
  name: string,
  url: string,
  sid: string,
  c: number,
  durationS: number,
  gwPid?: number,
  upPid?: number,
): Promise<CallRun> {
  let id = 1;
  const latencies: number[] = [];
  const g0 = gwPid ? cpuSeconds(gwPid) : 0;
  const u0 = upPid ? cpuSeconds(upPid) : 0;
  const inst = autocannon({
    url,
    connections: c,
    duration: durationS,
    headers: { ...HEADERS, 'mcp-session-id': sid },
    requests: [{ method: 'POST', setupRequest: (req: autocannon.Request) => ({ ...req, body: call(++id) }) }],
  }) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
  inst.on('response', (_c: unknown, status: number, _b: number, ms: number) => {
    if (status === 200) latencies.push(ms);
  });
  const r = await inst;
  const ok = r['2xx'];
  const sorted = Float64Array.from(latencies).sort();
  return {
    name,
    rps: ok / durationS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    errors: r.errors + r.timeouts + r.non2xx,
    ...(gwPid ? { gatewayCpuUs: ((cpuSeconds(gwPid) - g0) * 1e6) / Math.max(1, ok) } : {}),
    ...(upPid ? { upstreamCpuUs: ((cpuSeconds(upPid) - u0) * 1e6) / Math.max(1, ok) } : {}),
  };
}

function table(rows: CallRun[], direct: CallRun): string {
  const f = (n: number | undefined, d = 1) => (n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(d));
  const lines = [
    '| target | calls/s | x direct | p50 ms | p99 ms | gateway CPU µs/call | upstream CPU µs/call | errors |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${Math.round(r.rps)} | ${f(r.rps / direct.rps, 2)} | ${f(r.p50, 3)} | ${f(r.p99, 3)} | ${f(r.gatewayCpuUs)} | ${f(r.upstreamCpuUs)} | ${r.errors} |`,
    ),
  ];
  return lines.join('\n');
}

export async function mcpLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const up = await ctx.startProcess(['--import', 'tsx', 'bench/load/mcp-upstream.ts', String(MCP_PORT)], 'mcp upstream listening');
  const gw = await ctx.startGateway('bench/load/mcp.yaml', { BENCH_MCP_PORT: String(MCP_PORT) });
  try {
    const directUrl = `http://127.0.0.1:${MCP_PORT}/mcp`;
    const viaUrl = `http://127.0.0.1:${GATEWAY_PORT}/mcp`;
    const stdioUrl = `http://127.0.0.1:${GATEWAY_PORT}/stdio/mcp`;
    const [direct, via, stdio] = [await initialize(directUrl), await initialize(viaUrl), await initialize(stdioUrl)];
    const c = ctx.connections;
    for (const [u, s] of [
      [directUrl, direct],
      [viaUrl, via],
      [stdioUrl, stdio],
    ] as const)
      await calls('warmup', u, s, c, 2);
    const d = await calls('direct (SDK server, Streamable HTTP)', directUrl, direct, c, ctx.duration, undefined, up.pid);
    const g = await calls('gateway -> Streamable HTTP target', viaUrl, via, c, ctx.duration, gw.pid, up.pid);
    const s = await calls('gateway -> stdio target (started by the gateway)', stdioUrl, stdio, c, ctx.duration, gw.pid);
    const text = `\n### tools/call, one session per client (c=${c})\n${table([d, g, s], d)}\n\ngateway/direct: ${(g.rps / d.rps).toFixed(3)}x`;
    console.log(text);
    return { data: { direct: d, gateway: g, stdio: s, ratio: g.rps / d.rps }, text };
  } finally {
    gw.kill('SIGTERM');
    up.kill('SIGTERM');
    await new Promise((r) => gw.once('exit', r));
  }
}
