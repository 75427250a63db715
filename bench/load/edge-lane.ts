// What the HTTP edge costs: the /openai passthrough lane (non-streaming JSON, c=50) with uWS
// listening directly (AGW_EDGE=uws, the gateway before the acceptor), with the native acceptor
// in front of uWS (the default), and with Node's http server for every connection (the
// TypeScript twin), interleaved over two rounds against the direct baseline. Keep-alive
// connections show the per-request cost; a new connection per request (a small closed-loop
// loader here: autocannon cannot, its reconnectRate: 1 sends nothing and a `Connection: close`
// header comes after its own `Connection: keep-alive`) shows what the acceptor costs per
// connection. BENCH_EDGE_ROUNDS (default 2) interleaves more
// rounds; the table reports medians, which a busy shared machine disturbs least.
import type { Lane, LaneContext } from './lanes.js';
import { CHAT, withGateway } from './lanes.js';
import { GATEWAY_PORT } from './ports.js';
import { connect } from 'node:net';
import { completeResponse, percentile } from './paced.js';
import { cpuSeconds, threadCpuSeconds } from './proc.js';
import type { Measured } from './run.js';

const EDGES = [
  { name: 'uWS listening directly (AGW_EDGE=uws)', edge: 'uws' },
  { name: 'acceptor + uWS (default)', edge: 'acceptor' },
  { name: 'Node http edge (AGW_EDGE=node)', edge: 'node' },
];

interface Row {
  name: string;
  runs: Measured[];
  /** CPU of the acceptor thread per request (the acceptor edge only). */
  acceptorUs: number[];
}

/**
 * Closed loop, `c` workers, each opening a connection, sending one request, reading the whole
 * response and closing (client first, so TIME_WAIT stays on the loader's side).
 */
async function connectionPerRequest(
  name: string,
  port: number,
  path: string,
  c: number,
  durationS: number,
  pid?: number,
): Promise<Measured> {
  const request = Buffer.from(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(CHAT)}\r\n\r\n${CHAT}`,
  );
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const cpu0 = pid ? cpuSeconds(pid) : 0;
  const end = performance.now() + durationS * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t0 = performance.now();
      const socket = connect(port, '127.0.0.1', () => socket.write(request));
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (completeResponse(buf) === 0) return;
        if (buf.subarray(9, 10).toString() === '2') ok++;
        else errors++;
        latencies.push(performance.now() - t0);
        socket.destroy();
        resolve();
      });
      socket.on('error', () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: c }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  const cpu = pid ? cpuSeconds(pid) - cpu0 : 0;
  return {
    name,
    rps: ok / durationS,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    non2xx: errors,
    errors: 0,
    ...(pid ? { cpuUsPerReq: (cpu * 1e6) / Math.max(1, ok) } : {}),
  };
}

type Loader = (name: string, port: number, path: string, pid?: number) => Promise<Measured>;

async function measure(ctx: LaneContext, loader: Loader): Promise<{ direct: Measured[]; rows: Row[] }> {
  const direct: Measured[] = [];
  const rows: Row[] = EDGES.map((e) => ({ name: e.name, runs: [], acceptorUs: [] }));
  const rounds = Number(process.env.BENCH_EDGE_ROUNDS ?? 2);
  for (let round = 0; round < rounds; round++) {
    direct.push(await loader('direct', ctx.mockPort, '/v1/chat/completions'));
    // A different edge goes first each round, so no edge always runs right after another's shutdown.
    for (let k = 0; k < EDGES.length; k++) {
      const i = (k + round) % EDGES.length;
      const e = EDGES[i]!;
      const env = { AGW_EDGE: e.edge, ADMIN_ADDR: 'off', READINESS_ADDR: 'off' };
      const run = await withGateway(ctx, env, async (pid) => {
        const before = threadCpuSeconds(pid, 'agw-acceptor');
        const m = await loader(e.name, GATEWAY_PORT, '/openai/v1/chat/completions', pid);
        return { m, acceptor: threadCpuSeconds(pid, 'agw-acceptor') - before };
      });
      rows[i]!.runs.push(run.m);
      if (e.edge === 'acceptor') rows[i]!.acceptorUs.push((run.acceptor * 1e6) / Math.max(1, run.m.rps * ctx.duration));
    }
  }
  return { direct, rows };
}

function table(title: string, m: { direct: Measured[]; rows: Row[] }): string {
  const median = (rs: Measured[], k: 'rps' | 'cpuUsPerReq' | 'p50' | 'p99') => {
    const v = rs.map((r) => r[k] ?? NaN).sort((a, b) => a - b);
    return v.length % 2 === 1 ? v[(v.length - 1) / 2]! : (v[v.length / 2 - 1]! + v[v.length / 2]!) / 2;
  };
  const base = m.rows[0]!.runs;
  const lines = [
    `\n### ${title}`,
    '| edge | req/s per round | x direct | x uWS direct | p50 / p99 ms | gateway CPU µs/req | CPU x uWS direct | acceptor thread µs/req | errors |',
    '|---|---|---|---|---|---|---|---|---|',
    `| direct (mock upstream) | ${m.direct.map((r) => Math.round(r.rps)).join(' / ')} | 1 | | ${median(m.direct, 'p50').toFixed(2)} / ${median(m.direct, 'p99').toFixed(2)} | | | | ${m.direct.reduce((s, r) => s + r.errors + r.non2xx, 0)} |`,
  ];
  for (const r of m.rows) {
    lines.push(
      `| ${r.name} | ${r.runs.map((x) => Math.round(x.rps)).join(' / ')} | ${(median(r.runs, 'rps') / median(m.direct, 'rps')).toFixed(3)} | ${(median(r.runs, 'rps') / median(base, 'rps')).toFixed(3)} | ${median(r.runs, 'p50').toFixed(2)} / ${median(r.runs, 'p99').toFixed(2)} | ${median(r.runs, 'cpuUsPerReq').toFixed(1)} | ${(median(r.runs, 'cpuUsPerReq') / median(base, 'cpuUsPerReq')).toFixed(3)} | ${r.acceptorUs.length > 0 ? (r.acceptorUs.reduce((a, b) => a + b, 0) / r.acceptorUs.length).toFixed(2) : ''} | ${r.runs.reduce((s, x) => s + x.errors + x.non2xx, 0)} |`,
    );
  }
  const text = lines.join('\n');
  console.log(text);
  return text;
}

export const edgeLane: Lane = {
  description:
    'HTTP edge cost: uWS listening directly vs the native acceptor vs the Node http edge, keep-alive and a connection per request',
  run: async (ctx) => {
    const keepAlive = await measure(ctx, (name, port, path, pid) =>
      ctx.load(name, `http://127.0.0.1:${port}${path}`, CHAT, ctx.connections, ctx.duration, pid),
    );
    const perConnection = await measure(ctx, (name, port, path, pid) =>
      connectionPerRequest(name, port, path, ctx.connections, ctx.duration, pid),
    );
    const text = table('Keep-alive connections (per-request cost)', keepAlive) + table('A new connection per request', perConnection);
    return { data: { keepAlive, perConnection }, text };
  },
};
