// Per-request cost of the console's traffic series (src/observability/series.ts) and recent
// requests (recent-requests.ts) beside the
// Prometheus recording the gateway already does for every request (GatewayMetrics.record), for
// an LLM request (tokens, cost, TTFT, a virtual key) and a plain HTTP one. Also the heap growth
// over a million recordings after warm-up (the rings are preallocated: it should be ~0).
// `npx tsx --expose-gc bench/micro/series.ts`
import { GatewayMetrics } from '../../src/observability/metrics.js';
import { RecentRequests } from '../../src/observability/recent-requests.js';
import { TrafficSeries } from '../../src/observability/series.js';
import type { RequestSummary } from '../../src/observability/summary.js';
import { nsPerUnit, ROUNDS, TIME_MS } from './common.js';

const BATCH = 1000;
const route = { key: '3000/listener0/chat', name: 'chat' };
const bind = { port: 3000 };

function summary(llm: boolean): RequestSummary {
  const backend = { kind: llm ? 'ai' : 'host', name: llm ? 'openai' : 'web', provider: { name: 'openai' } };
  const ctx = {
    down: { method: 'POST', path: '/v1/chat/completions', remoteAddress: '127.0.0.1', aborted: false },
    path: '/v1/chat/completions',
    bind,
    route,
    upstream: { backend, attempt: 0, affinity: null },
    mcp: null,
    error: undefined,
    apiKey: llm ? { virtualKey: { key: { name: 'team-a-key', team: 'a' } } } : null,
    jwt: null,
    basicAuth: null,
    llm: { charge: undefined, guardActions: null },
    timings: { startNs: 1_000_000n, upstreamStartNs: 1_050_000n, upstreamConnectedNs: 1_060_000n, upstreamHeadersNs: 1_300_000n },
  };
  return {
    ctx,
    durationS: 0.042,
    endNs: 1_420_000n,
    status: 200,
    reason: 'Upstream',
    code: undefined,
    error: undefined,
    llm,
    operation: 'chat',
    system: 'openai',
    requestModel: llm ? 'gpt-4o-mini' : undefined,
    responseModel: llm ? 'gpt-4o-mini-2024-07-18' : undefined,
    usage: llm ? { inputTokens: 120, outputTokens: 48 } : undefined,
    ttftS: llm ? 0.012 : undefined,
    tpotS: undefined,
    upstreamS: 0.04,
    cost: llm ? 0.0000468 : undefined,
    lookup: llm ? 'Exact' : undefined,
  } as unknown as RequestSummary;
}

async function main(): Promise<void> {
  const metrics = new GatewayMetrics('bench', new Set(), false);
  const series = new TrafficSeries();
  const recent = new RecentRequests();
  const tasks: Record<string, { fn: () => void; units: number }> = {};
  for (const llm of [true, false]) {
    const s = summary(llm);
    const kind = llm ? 'llm' : 'http';
    tasks[`prometheus ${kind}`] = { fn: () => loop(() => metrics.record(s)), units: BATCH };
    tasks[`series ${kind}`] = { fn: () => loop(() => series.record(s)), units: BATCH };
    tasks[`recent ${kind}`] = { fn: () => loop(() => recent.record(s)), units: BATCH };
  }
  const ns = await nsPerUnit(tasks);
  console.log(`median of ${ROUNDS} rounds of ${TIME_MS} ms per task, node ${process.version}\n`);
  console.log('| request | Prometheus record (ns) | series record (ns) | recent requests (ns) |\n| --- | ---: | ---: | ---: |');
  for (const kind of ['llm', 'http']) {
    const [p, q, r] = ['prometheus', 'series', 'recent'].map((t) => ns[`${t} ${kind}`]!.toFixed(0));
    console.log(`| ${kind} | ${p} | ${q} | ${r} |`);
  }
  heapGrowth(series, summary(true));
}

function loop(fn: () => void): void {
  for (let k = 0; k < BATCH; k++) fn();
}

/** Bytes the heap grew by per recording (needs --expose-gc; otherwise skipped). */
function heapGrowth(series: TrafficSeries, s: RequestSummary): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return console.log('\n(heap growth: run with --expose-gc)');
  const n = 1_000_000;
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let k = 0; k < n; k++) series.record(s);
  gc();
  const after = process.memoryUsage().heapUsed;
  console.log(`\nheap retained after ${n} series recordings: ${((after - before) / n).toFixed(3)} bytes per request`);
}

void main();
