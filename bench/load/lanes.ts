// The benchmark lanes. Each compares the gateway with the direct baseline measured in the
// same run, so the ratios hold even though absolute numbers move with the machine.
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { affinityLane } from './affinity.js';
import { mcpLane } from './mcp-lane.js';
import { GATEWAY_PORT, OTLP_SINK_PORT, STATS_PORT } from './ports.js';
import type { Measured } from './run.js';
import { buildsLane } from './builds.js';
import { edgeLane } from './edge-lane.js';
import { memoryLane } from './memory-lane.js';
import { workersLane } from './workers-lane.js';

export interface LaneContext {
  mockPort: number;
  mockPid: number;
  duration: number;
  connections: number;
  /** `outFile`: the gateway's output goes there instead of a pipe into the loader's process. */
  startGateway(config: string, env?: NodeJS.ProcessEnv, outFile?: string, args?: string[], main?: string): Promise<ChildProcess>;
  /** `--baseline <dir>`: another build's dist/ (the builds lane compares it with this tree's; the suite adds it as a row). */
  baseline?: string;
  /** Another mock upstream process on `port`, answering `delayMs` late. */
  startMock(port: number, delayMs: number): Promise<ChildProcess>;
  load(
    name: string,
    url: string,
    body: string,
    c: number,
    durationS: number,
    pid?: number,
    headers?: Record<string, string>,
  ): Promise<Measured>;
  pacedRun(
    name: string,
    port: number,
    path: string,
    body: string,
    rate: number,
    durationS: number,
    pid?: number,
  ): Promise<{ name: string; p50: number; p99: number; ok: number; errors: number; cpuUsPerReq?: number }>;
  printTable(title: string, rows: Measured[], baseline: Measured): string;
  rssMb(pid: number): number;
  /** Starts a helper process (node args) and resolves once it printed `readyText`. */
  startProcess(args: string[], readyText: string, env?: NodeJS.ProcessEnv, outFile?: string): Promise<ChildProcess>;
}

export interface Lane {
  description: string;
  run(ctx: LaneContext): Promise<{ data: unknown; text: string }>;
}

const GATEWAY = GATEWAY_PORT;
export const CHAT = JSON.stringify({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant.' },
    { role: 'user', content: 'Say hello to the benchmark, please.' },
  ],
  max_tokens: 50,
});
export const CHAT_STREAM = JSON.stringify({ ...JSON.parse(CHAT), stream: true });

export async function withGateway<T>(
  ctx: LaneContext,
  env: NodeJS.ProcessEnv,
  fn: (pid: number) => Promise<T>,
  config = 'bench/load/gateway.yaml',
  opts: { port?: number; outFile?: string; args?: string[]; warmupPath?: string } = {},
): Promise<T> {
  const port = opts.port ?? GATEWAY;
  const gw = await ctx.startGateway(config, env, opts.outFile, opts.args);
  try {
    // warm up JIT and pools
    await ctx.load(
      'warmup',
      `http://127.0.0.1:${port}${opts.warmupPath ?? '/openai/v1/chat/completions'}`,
      CHAT,
      ctx.connections,
      2,
      undefined,
    );
    return await fn(gw.pid!);
  } finally {
    gw.kill('SIGTERM');
    await new Promise((r) => gw.once('exit', r));
  }
}

/** Direct and gateway runs interleaved, `rounds` times, to spread machine noise evenly. */
async function compare(
  ctx: LaneContext,
  title: string,
  body: string,
  gatewayPath: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ data: unknown; text: string }> {
  const direct = `http://127.0.0.1:${ctx.mockPort}/v1/chat/completions`;
  const via = `http://127.0.0.1:${GATEWAY}${gatewayPath}`;
  return withGateway(ctx, env, async (pid) => {
    await ctx.load('warmup-direct', direct, body, ctx.connections, 2);
    const d = await ctx.load('direct (mock upstream)', direct, body, ctx.connections, ctx.duration);
    const g = await ctx.load(`gateway ${gatewayPath}`, via, body, ctx.connections, ctx.duration, pid);
    const rss = ctx.rssMb(pid);
    const text = `${ctx.printTable(title, [d, g], d)}\n\ngateway/direct: ${(g.rps / d.rps).toFixed(3)}x; gateway peak RSS ${rss.toFixed(0)} MB`;
    console.log(`gateway/direct: ${(g.rps / d.rps).toFixed(3)}x, peak RSS ${rss.toFixed(0)} MB`);
    return { data: { direct: d, gateway: g, ratio: g.rps / d.rps, rssMb: rss }, text };
  });
}

/**
 * Streaming cost per SSE event: the same 20-event stream relayed as bytes (/openai passthrough),
 * watched for usage (/openai-llm, same format) and translated from Anthropic events into OpenAI
 * chunks (/anthropic/v1/chat/completions), each measured as gateway CPU per request.
 */
async function translationLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  return withGateway(ctx, {}, async (pid) => {
    const base = `http://127.0.0.1:${GATEWAY}`;
    const direct = await ctx.load(
      'direct (mock upstream)',
      `http://127.0.0.1:${ctx.mockPort}/v1/chat/completions`,
      CHAT_STREAM,
      ctx.connections,
      ctx.duration,
    );
    const pass = await ctx.load(
      'passthrough /openai',
      `${base}/openai/v1/chat/completions`,
      CHAT_STREAM,
      ctx.connections,
      ctx.duration,
      pid,
    );
    const same = await ctx.load(
      'same format, usage read /openai-llm',
      `${base}/openai-llm/v1/chat/completions`,
      CHAT_STREAM,
      ctx.connections,
      ctx.duration,
      pid,
    );
    await ctx.load('warmup-translate', `${base}/anthropic/v1/chat/completions`, CHAT_STREAM, ctx.connections, 2, undefined);
    const tr = await ctx.load(
      'translated Anthropic -> OpenAI /anthropic',
      `${base}/anthropic/v1/chat/completions`,
      CHAT_STREAM,
      ctx.connections,
      ctx.duration,
      pid,
    );
    await ctx.load('warmup-bedrock', `${base}/bedrock/v1/chat/completions`, CHAT_STREAM, ctx.connections, 2, undefined);
    const br = await ctx.load(
      'translated Bedrock -> OpenAI /bedrock (SigV4 signed)',
      `${base}/bedrock/v1/chat/completions`,
      CHAT_STREAM,
      ctx.connections,
      ctx.duration,
      pid,
    );
    // the Anthropic stream has 23 events (message_start, block start/stop, 18 deltas, message_delta, message_stop);
    // the Bedrock one 23 event-stream messages (messageStart, 19 deltas, contentBlockStop, messageStop, metadata)
    const perEvent = (tr.cpuUsPerReq! - pass.cpuUsPerReq!) / 23;
    const perBedrockEvent = (br.cpuUsPerReq! - pass.cpuUsPerReq!) / 23;
    const table = ctx.printTable('Streaming: passthrough vs same-format vs translated (c=50)', [direct, pass, same, tr, br], direct);
    const note =
      `translation cost: ${(tr.cpuUsPerReq! - pass.cpuUsPerReq!).toFixed(1)} µs of gateway CPU per stream over passthrough, ${perEvent.toFixed(2)} µs per upstream event; ` +
      `Bedrock (signing included): ${(br.cpuUsPerReq! - pass.cpuUsPerReq!).toFixed(1)} µs per stream, ${perBedrockEvent.toFixed(2)} µs per upstream event`;
    console.log(note);
    return {
      data: {
        direct,
        passthrough: pass,
        sameFormat: same,
        translated: tr,
        bedrock: br,
        perEventUs: perEvent,
        perBedrockEventUs: perBedrockEvent,
      },
      text: `${table}\n\n${note}`,
    };
  });
}

const SLOW_PORT = 18001;
const SLOW_DELAY_MS = 20;

async function served(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/__stats`)).json()) as { served: number }).served;
}

/**
 * The pick-2 balancer next to random weighted choice, over a fast and a slow upstream: the
 * share of requests the slow one gets, and the latency percentiles that share costs.
 */
async function balancerLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const slow = await ctx.startMock(SLOW_PORT, SLOW_DELAY_MS);
  const gw = await ctx.startGateway('bench/load/balancer.yaml');
  try {
    const rows: Measured[] = [];
    const shares: Record<string, number> = {};
    for (const route of ['weighted', 'pick2']) {
      const url = `http://127.0.0.1:${GATEWAY}/${route}/v1/chat/completions`;
      await ctx.load(`warmup-${route}`, url, CHAT, ctx.connections, 2);
      const [f0, s0] = [await served(ctx.mockPort), await served(SLOW_PORT)];
      const m = await ctx.load(
        route === 'pick2' ? 'pick-2 (one group, both providers)' : 'weighted random (two backends, weight 1)',
        url,
        CHAT,
        ctx.connections,
        ctx.duration,
        gw.pid!,
      );
      const [f1, s1] = [await served(ctx.mockPort), await served(SLOW_PORT)];
      shares[route] = (s1 - s0) / Math.max(1, f1 - f0 + s1 - s0);
      rows.push(m);
    }
    const table = ctx.printTable(`Fast upstream and one ${SLOW_DELAY_MS} ms slower (c=${ctx.connections})`, rows, rows[0]!);
    const note = `share of requests sent to the slow upstream: weighted ${(shares.weighted! * 100).toFixed(1)}%, pick-2 ${(shares.pick2! * 100).toFixed(1)}%`;
    console.log(note);
    return { data: { rows, slowShare: shares, slowDelayMs: SLOW_DELAY_MS }, text: `${table}\n\n${note}` };
  } finally {
    for (const p of [gw, slow]) p.kill('SIGTERM');
    await Promise.all([gw, slow].map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)))));
  }
}

/** bench/load/gateway-jwt.yaml: ES256, kid bench-es256, iss https://bench.idp, aud agw-bench, scope mcp:read, exp 2100. */
const BENCH_JWT =
  'eyJhbGciOiJFUzI1NiIsImtpZCI6ImJlbmNoLWVzMjU2IiwidHlwIjoiSldUIn0.eyJzdWIiOiJiZW5jaCIsInNjb3BlIjoib3BlbmlkIG1jcDpyZWFkIiwiaXNzIjoiaHR0cHM6Ly9iZW5jaC5pZHAiLCJhdWQiOiJhZ3ctYmVuY2giLCJpYXQiOjE3OTU1NjA5MjMsImV4cCI6NDEwMjQ0NDgwMH0.1boXhLtPHett9Gait0tjQx7AXXNhyI8acWPxv4tluEkfWpAWAeyEEmgf2mEsQDhPnS7VJ3xYfhpUgUorDGAfEw';
const JWT_GATEWAY = 4180;

/** The passthrough route bare and with jwtAuth + two CEL rules, same gateway, same run. */
function jwtLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const direct = `http://127.0.0.1:${ctx.mockPort}/v1/chat/completions`;
  const gw = `http://127.0.0.1:${JWT_GATEWAY}`;
  const auth = { authorization: `Bearer ${BENCH_JWT}` };
  return withGateway(
    ctx,
    {},
    async (pid) => {
      await ctx.load('warmup-jwt', `${gw}/openai-jwt/v1/chat/completions`, CHAT, ctx.connections, 2, undefined, auth);
      await ctx.load('warmup-direct', direct, CHAT, ctx.connections, 2);
      const d = await ctx.load('direct (mock upstream)', direct, CHAT, ctx.connections, ctx.duration);
      const bare = await ctx.load(
        'gateway /openai (no auth)',
        `${gw}/openai/v1/chat/completions`,
        CHAT,
        ctx.connections,
        ctx.duration,
        pid,
      );
      const jwt = await ctx.load(
        'gateway /openai-jwt (jwtAuth + 2 CEL rules)',
        `${gw}/openai-jwt/v1/chat/completions`,
        CHAT,
        ctx.connections,
        ctx.duration,
        pid,
        auth,
      );
      if (jwt.non2xx > 0) throw new Error(`jwt lane: ${jwt.non2xx} requests were refused; the bench token or config is wrong`);
      const ratio = jwt.rps / bare.rps;
      const addedCpu = (jwt.cpuUsPerReq ?? NaN) - (bare.cpuUsPerReq ?? NaN);
      const summary = `jwt/bare: ${ratio.toFixed(3)}x req/s; added gateway CPU ${addedCpu.toFixed(1)} µs/req; added p50 ${(jwt.p50 - bare.p50).toFixed(3)} ms`;
      console.log(summary);
      return {
        data: { direct: d, bare, jwt, ratio, addedCpuUsPerReq: addedCpu },
        text: `${ctx.printTable('jwtAuth + 2 CEL rules vs bare passthrough (c=50)', [d, bare, jwt], d)}\n\n${summary}`,
      };
    },
    'bench/load/gateway-jwt.yaml',
    { port: JWT_GATEWAY },
  );
}

const KEYS_GATEWAY = 4181;

/**
 * What virtual keys cost per request: the same parsed chat route bare, with a static API key,
 * with a virtual key (lookup, identity, settlement), and with a virtual key and team holding
 * hard budgets (input counted, reservation, settlement appended to the store file), one gateway,
 * one run; rounds interleave to spread machine noise.
 */
function keysLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const store = join(tmpdir(), `agw-bench-keys-${process.pid}.db`);
  rmSync(store, { force: true });
  const gw = `http://127.0.0.1:${KEYS_GATEWAY}`;
  const variants = [
    { name: 'no authentication', path: '/bare', key: null },
    { name: 'static apiKey', path: '/static', key: 'sk-bench-static-key-0000000003' },
    { name: 'virtual key, no budget', path: '/virtual', key: 'sk-bench-virtual-free-0000000001' },
    { name: 'virtual key + team, hard budgets', path: '/virtual', key: 'sk-bench-virtual-budget-00000002' },
  ];
  return withGateway(
    ctx,
    { BENCH_KEYS_FILE: store },
    async (pid) => {
      const runs: Measured[][] = variants.map(() => []);
      for (const v of variants) {
        const headers = v.key === null ? undefined : { authorization: `Bearer ${v.key}` };
        await ctx.load(`warmup ${v.name}`, `${gw}${v.path}/v1/chat/completions`, CHAT, ctx.connections, 2, undefined, headers);
      }
      for (let round = 0; round < 2; round++) {
        for (const [i, v] of variants.entries()) {
          const headers = v.key === null ? undefined : { authorization: `Bearer ${v.key}` };
          const m = await ctx.load(v.name, `${gw}${v.path}/v1/chat/completions`, CHAT, ctx.connections, ctx.duration, pid, headers);
          if (m.non2xx > 0) throw new Error(`keys lane: ${m.non2xx} requests of "${v.name}" were refused; the bench config is wrong`);
          runs[i]!.push(m);
        }
      }
      const mean = (rs: Measured[], k: 'rps' | 'p50' | 'p99' | 'cpuUsPerReq') => rs.reduce((s, r) => s + (r[k] ?? NaN), 0) / rs.length;
      const bare = runs[0]!;
      const lines = [
        '| variant | req/s (round 1 / 2) | x bare | p50 ms | p99 ms | gateway CPU µs/req | + µs/req vs bare |',
        '|---|---|---|---|---|---|---|',
      ];
      const rows = variants.map((v, i) => {
        const rs = runs[i]!;
        const added = mean(rs, 'cpuUsPerReq') - mean(bare, 'cpuUsPerReq');
        lines.push(
          `| ${v.name} | ${rs.map((r) => Math.round(r.rps)).join(' / ')} | ${(mean(rs, 'rps') / mean(bare, 'rps')).toFixed(3)} | ${mean(rs, 'p50').toFixed(3)} | ${mean(rs, 'p99').toFixed(3)} | ${mean(rs, 'cpuUsPerReq').toFixed(1)} | ${i === 0 ? '-' : added.toFixed(1)} |`,
        );
        return { name: v.name, rps: mean(rs, 'rps'), cpuUsPerReq: mean(rs, 'cpuUsPerReq'), addedCpuUsPerReq: added, rounds: rs };
      });
      const text = `Virtual keys and budget accounting, chat completions route (c=${ctx.connections})\n\n${lines.join('\n')}`;
      console.log(text);
      return { data: { rows }, text };
    },
    'bench/load/gateway-keys.yaml',
    { port: KEYS_GATEWAY, warmupPath: '/bare/v1/chat/completions' },
  ).finally(() => rmSync(store, { force: true }));
}

/** Gateway output of the obs lane: a file, as a container runtime would take it, not a pipe. */
const LOG_FILE = join(tmpdir(), `agw-bench-obs-${process.pid}.log`);

/** Process logs at info, the access log (target `request`) off. */
const NO_ACCESS_LOG = 'info,request=off';

interface ObsVariant {
  name: string;
  config: string;
  env: NodeJS.ProcessEnv;
}

/**
 * The passthrough lane (/openai, non-streaming, c=50) with observability switched on piece by
 * piece, each against "all off" measured in the same run; variants interleave over two rounds
 * so machine noise spreads evenly. Tracing exports to a sink process; gateway output (the
 * access log) goes to a file.
 */
async function observabilityCost(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const sink = await ctx.startProcess(['--import', 'tsx', 'bench/load/otlp-sink.ts', String(OTLP_SINK_PORT)], 'otlp sink listening');
  const stats = `127.0.0.1:${STATS_PORT}`;
  const traced = 'bench/load/gateway-traced.yaml';
  const variants: ObsVariant[] = [
    {
      name: 'all off (STATS_ADDR=off, no tracing, AGW_LOG_LEVEL=info,request=off)',
      config: 'bench/load/gateway.yaml',
      env: { STATS_ADDR: 'off', AGW_LOG_LEVEL: NO_ACCESS_LOG },
    },
    { name: 'metrics', config: 'bench/load/gateway.yaml', env: { STATS_ADDR: stats, AGW_LOG_LEVEL: NO_ACCESS_LOG } },
    {
      name: 'metrics + access log (text; the default config)',
      config: 'bench/load/gateway.yaml',
      env: { STATS_ADDR: stats, AGW_LOG_LEVEL: 'info' },
    },
    {
      name: 'metrics + access log (json)',
      config: 'bench/load/gateway.yaml',
      env: { STATS_ADDR: stats, AGW_LOG_LEVEL: 'info', AGW_LOG_FORMAT: 'json' },
    },
    {
      name: 'metrics + tracing (10% sampled)',
      config: traced,
      env: { STATS_ADDR: stats, AGW_LOG_LEVEL: NO_ACCESS_LOG, BENCH_TRACE_SAMPLING: '0.1' },
    },
    { name: 'metrics + tracing (every request sampled)', config: traced, env: { STATS_ADDR: stats, AGW_LOG_LEVEL: NO_ACCESS_LOG } },
    { name: 'metrics + tracing + access log (text)', config: traced, env: { STATS_ADDR: stats, AGW_LOG_LEVEL: 'info' } },
  ];
  const runs: Measured[][] = variants.map(() => []);
  try {
    for (let round = 0; round < 2; round++) {
      for (const [i, v] of variants.entries()) {
        const env = { ...v.env, BENCH_OTLP_SINK: `127.0.0.1:${OTLP_SINK_PORT}`, ADMIN_ADDR: 'off', READINESS_ADDR: 'off' };
        const run = (pid: number) =>
          ctx.load(v.name, `http://127.0.0.1:${GATEWAY}/openai/v1/chat/completions`, CHAT, ctx.connections, ctx.duration, pid);
        runs[i]!.push(await withGateway(ctx, env, run, v.config, { outFile: LOG_FILE }));
        rmSync(LOG_FILE, { force: true });
      }
    }
    const spans = await (await fetch(`http://127.0.0.1:${OTLP_SINK_PORT}/__stats`)).json();
    return obsReport(variants, runs, spans);
  } finally {
    sink.kill();
  }
}

function obsReport(variants: ObsVariant[], runs: Measured[][], sink: unknown): { data: unknown; text: string } {
  const mean = (rs: Measured[], k: 'rps' | 'p50' | 'p99' | 'cpuUsPerReq') => rs.reduce((s, r) => s + (r[k] ?? NaN), 0) / rs.length;
  const off = runs[0]!;
  const lines = [
    '| variant | req/s (round 1 / 2) | x off | p50 ms | p99 ms | gateway CPU µs/req | + µs/req vs off | errors |',
    '|---|---|---|---|---|---|---|---|',
  ];
  const rows = variants.map((v, i) => {
    const rs = runs[i]!;
    const row = {
      name: v.name,
      rps: mean(rs, 'rps'),
      ratio: mean(rs, 'rps') / mean(off, 'rps'),
      p50: mean(rs, 'p50'),
      p99: mean(rs, 'p99'),
      cpu: mean(rs, 'cpuUsPerReq'),
      addedCpu: mean(rs, 'cpuUsPerReq') - mean(off, 'cpuUsPerReq'),
      errors: rs.reduce((s, r) => s + r.errors + r.non2xx, 0),
      rounds: rs,
    };
    lines.push(
      `| ${v.name} | ${rs.map((r) => Math.round(r.rps)).join(' / ')} | ${row.ratio.toFixed(3)} | ${row.p50.toFixed(3)} | ${row.p99.toFixed(3)} | ${row.cpu.toFixed(1)} | ${i === 0 ? '-' : row.addedCpu.toFixed(1)} | ${row.errors} |`,
    );
    return row;
  });
  lines.push(`\nOTLP sink received: ${JSON.stringify(sink)}`);
  const text = lines.join('\n');
  console.log(text);
  return { data: { rows, sink }, text };
}

export const LANES: Record<string, Lane> = {
  affinity: {
    description:
      'multi-turn agent sessions over 4 deployments with simulated prompt caches: cached-token ratio and gateway CPU, pick-2 vs sessionAffinity',
    run: affinityLane,
  },
  gemini: {
    description:
      'Gemini streams: translated to OpenAI chunks (API key, and Vertex with Google OAuth) next to the Anthropic translation and the native pass-through',
    run: geminiLane,
  },
  mcp: {
    description: 'MCP tools/call per second through the federation vs direct to the SDK server, gateway CPU per call',
    run: mcpLane,
  },
  balancer: {
    description: 'pick-2 over a fast and a slow upstream vs weighted random: latency percentiles and the slow share',
    run: balancerLane,
  },
  translate: {
    description: 'streaming translation cost per event (Anthropic upstream, OpenAI client) next to passthrough',
    run: translationLane,
  },
  json: {
    description: 'non-streaming chat completion, /openai passthrough route vs direct',
    run: (ctx) => compare(ctx, 'Non-streaming JSON (c=50)', CHAT, '/openai/v1/chat/completions'),
  },
  sse: {
    description: '20-event SSE stream, /openai passthrough route vs direct',
    run: (ctx) => compare(ctx, 'SSE, 20 events + [DONE] (c=50)', CHAT_STREAM, '/openai/v1/chat/completions'),
  },
  jwt: {
    description: 'non-streaming JSON, /openai passthrough bare vs with jwtAuth + two CEL rules (same gateway, same run)',
    run: jwtLane,
  },
  keys: {
    description:
      'per-request cost of virtual key lookup and budget accounting (reservation, settlement, store append) vs bare and a static key',
    run: keysLane,
  },
  obs: {
    description: 'cost of metrics, tracing and the access log on the /openai passthrough lane, on vs off in the same run',
    run: observabilityCost,
  },
  edge: edgeLane,
  workers: workersLane,
  memory: {
    description:
      'RSS idle, peak under c=50 and 5/10/30 s after, defaults on, beside the floor (and --baseline): issue 18 memory targets, with CPU µs/req',
    run: memoryLane,
  },
  builds: {
    description: 'passthrough JSON and SSE on a baseline build (--baseline <dist dir>) and on this tree, interleaved',
    run: buildsLane,
  },
  paced: {
    description: 'added latency at a paced 1,000 req/s (open loop, 20 connections)',
    run: (ctx) =>
      withGateway(ctx, {}, async (pid) => {
        type Paced = Awaited<ReturnType<LaneContext['pacedRun']>>;
        const rows: { round: number; direct: Paced; gateway: Paced; addedP50: number; addedP99: number }[] = [];
        for (let round = 0; round < 2; round++) {
          const d = await ctx.pacedRun('direct', ctx.mockPort, '/v1/chat/completions', CHAT, 1000, ctx.duration);
          const g = await ctx.pacedRun('gateway /openai', GATEWAY, '/openai/v1/chat/completions', CHAT, 1000, ctx.duration, pid);
          rows.push({ round, direct: d, gateway: g, addedP50: g.p50 - d.p50, addedP99: g.p99 - d.p99 });
        }
        const lines = [
          '| round | direct p50 / p99 ms | gateway p50 / p99 ms | added p50 ms | added p99 ms | gateway CPU µs/req | errors |',
          '|---|---|---|---|---|---|---|',
        ];
        for (const r of rows) {
          lines.push(
            `| ${r.round + 1} | ${r.direct.p50.toFixed(3)} / ${r.direct.p99.toFixed(3)} | ${r.gateway.p50.toFixed(3)} / ${r.gateway.p99.toFixed(3)} | ${r.addedP50.toFixed(3)} | ${r.addedP99.toFixed(3)} | ${r.gateway.cpuUsPerReq?.toFixed(1)} | ${r.direct.errors + r.gateway.errors} |`,
          );
        }
        const mean = (k: 'addedP50' | 'addedP99') => rows.reduce((s, r) => s + r[k], 0) / rows.length;
        lines.push(`\nmean added latency: p50 ${mean('addedP50').toFixed(3)} ms, p99 ${mean('addedP99').toFixed(3)} ms`);
        const text = lines.join('\n');
        console.log(text);
        return { data: rows, text };
      }),
  },
};

const GEMINI_NATIVE = JSON.stringify({
  contents: [{ role: 'user', parts: [{ text: 'Say hello to the benchmark, please.' }] }],
  systemInstruction: { parts: [{ text: 'You are a helpful assistant.' }] },
});
/** The token endpoint (TLS) and its stats port (plain HTTP). */
const TOKEN_PORT = GATEWAY + 6;

/**
 * Gemini's 20-chunk alt=sse stream through the gateway, each as gateway CPU per request: the
 * native pass-through (a GenAI SDK client), translated to OpenAI chunks with an API key, and the
 * same translation on Vertex, whose requests carry a Google OAuth token the gateway minted once
 * (from a service-account key, at a local token endpoint) and reads from its cache per request;
 * the difference between the two translated rows is the per-request cost of the Google auth
 * path. The Anthropic translation of the same size runs alongside for comparison.
 */
async function geminiLane(ctx: LaneContext): Promise<{ data: unknown; text: string }> {
  const tokens = await ctx.startProcess(
    ['--import', 'tsx', 'bench/load/token-endpoint.ts', String(TOKEN_PORT), String(TOKEN_PORT + 1)],
    'token endpoint listening',
  );
  const dir = mkdtempSync(join(tmpdir(), 'agw-bench-gcp-'));
  const credentials = join(dir, 'service-account.json');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(
    credentials,
    JSON.stringify({
      type: 'service_account',
      project_id: 'bench',
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      client_email: 'bench@bench.iam.gserviceaccount.com',
    }),
  );
  const env = { BENCH_GCP_CREDENTIALS: credentials, NODE_EXTRA_CA_CERTS: 'test/fixtures/tls/ca.pem' };
  const args = ['--connect-to', `oauth2.googleapis.com:443:127.0.0.1:${TOKEN_PORT}`];
  try {
    return await withGateway(
      ctx,
      env,
      async (pid) => {
        const base = `http://127.0.0.1:${GATEWAY}`;
        const nativePath = '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse';
        const run = async (name: string, url: string, body: string) => {
          await ctx.load(`warmup ${name}`, url, body, ctx.connections, 2);
          return ctx.load(name, url, body, ctx.connections, ctx.duration, url.includes(String(GATEWAY)) ? pid : undefined);
        };
        const direct = await run('direct (mock Gemini stream)', `http://127.0.0.1:${ctx.mockPort}${nativePath}`, GEMINI_NATIVE);
        const native = await run('native Gemini pass-through /gemini (GenAI client)', `${base}/gemini${nativePath}`, GEMINI_NATIVE);
        const anthropic = await run('translated Anthropic -> OpenAI /anthropic', `${base}/anthropic/v1/chat/completions`, CHAT_STREAM);
        const gemini = await run('translated Gemini -> OpenAI /gemini (API key)', `${base}/gemini/v1/chat/completions`, CHAT_STREAM);
        const vertex = await run('translated Gemini -> OpenAI /vertex (Google OAuth)', `${base}/vertex/v1/chat/completions`, CHAT_STREAM);
        const exchanges = (await (await fetch(`http://127.0.0.1:${TOKEN_PORT + 1}/`)).json()) as { issued: number };
        const rows = [direct, native, anthropic, gemini, vertex];
        for (const r of rows)
          if (r.non2xx + r.errors > 0) throw new Error(`gemini lane: ${r.name} had ${r.non2xx} non-2xx and ${r.errors} errors`);
        const table = ctx.printTable('Gemini streams, 20 chunks (c=50)', rows, direct);
        const perEvent = (gemini.cpuUsPerReq! - native.cpuUsPerReq!) / 20;
        const auth = vertex.cpuUsPerReq! - gemini.cpuUsPerReq!;
        const note =
          `Gemini translation: ${(gemini.cpuUsPerReq! - native.cpuUsPerReq!).toFixed(1)} µs of gateway CPU per stream over the native pass-through (${perEvent.toFixed(2)} µs per upstream chunk); ` +
          `Anthropic translation ${anthropic.cpuUsPerReq!.toFixed(1)} µs/req, Gemini ${gemini.cpuUsPerReq!.toFixed(1)} µs/req; ` +
          `Google OAuth path (cached token, Vertex) vs API key: ${auth >= 0 ? '+' : ''}${auth.toFixed(1)} µs/req; token exchanges in the whole lane: ${exchanges.issued}`;
        console.log(note);
        return {
          data: { direct, native, anthropic, gemini, vertex, perEventUs: perEvent, authUsPerReq: auth, exchanges },
          text: `${table}\n\n${note}`,
        };
      },
      'bench/load/gateway-google.yaml',
      { args },
    );
  } finally {
    tokens.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}
