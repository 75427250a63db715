// The gateway's own CPU per non-streamed chat completion, in-process: bench/load/gateway.yaml
// compiled as the load bench runs it, each request driven through handle() with a client
// connection that records what it got and an upstream pool that answers at once with the load
// mock's 330-byte chat.completion (no sockets, no undici: what is left is the pipeline's work).
// Lanes: `/openai` (route type passthrough: relayed as it is) and `/openai-llm` (completions:
// body parsed, model set, the answer's usage and model read), with observability off and with
// metrics on (the access log stays off here: its cost is measured by the load bench). The
// difference between the two lanes is what the completions route costs beyond passthrough.
// Every run checks what the upstream received and what the client got, byte for byte.
//   npx tsx bench/micro/completions.bench.ts
//   npm run build:ts && BENCH_FROM=dist npx tsx bench/micro/completions.bench.ts   (what ships)
import { readFileSync } from 'node:fs';
import type { Downstream, HeaderList } from '../../src/pipeline/downstream.js';
import type { AiBackendRt, BindRt, Snapshot } from '../../src/runtime/snapshot.js';
import { CHAT_COMPLETION } from '../load/mock-completion.js';
import { check } from './common.js';

/**
 * `BENCH_FROM=dist` measures the build (`npm run build:ts`) rather than the sources through tsx,
 * whose esbuild transform names every closure it creates (`__name`): ~0.4 µs per request here
 * that the shipped gateway does not pay.
 */
const FROM = process.env.BENCH_FROM === 'dist' ? '../../dist' : '../../src';
const load = <T>(path: string): Promise<T> => import(`${FROM}/${path}`) as Promise<T>;
const { parseConfig } = await load<typeof import('../../src/config/load.js')>('config/load.js');
const { configureLogging } = await load<typeof import('../../src/observability/log.js')>('observability/log.js');
const { Observability } = await load<typeof import('../../src/observability/index.js')>('observability/index.js');
const { handle } = await load<typeof import('../../src/pipeline/handle.js')>('pipeline/handle.js');
const { compile } = await load<typeof import('../../src/runtime/compile.js')>('runtime/compile.js');
const { LiveState } = await load<typeof import('../../src/runtime/live-state.js')>('runtime/live-state.js');
const { ConnectOverrides } = await load<typeof import('../../src/upstream/connect-overrides.js')>('upstream/connect-overrides.js');
const { PoolFactory } = await load<typeof import('../../src/upstream/pools.js')>('upstream/pools.js');
type Observability = InstanceType<typeof Observability>;

const PORT = 18080;

/** The load bench's request (autocannon's body and headers). */
export const REQUEST_BODY = Buffer.from(
  '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello to the benchmark, please."}],"max_tokens":50}',
);

/** bench/load/mock-upstream.ts's chat.completion, as it sends it. */
export const COMPLETION = Buffer.from(CHAT_COMPLETION);

/** The mock's response head (uWS writes Date and its own header; undici hands raw buffers). */
const RAW_HEAD = [
  ['Date', 'Tue, 08 Dec 2026 02:00:00 GMT'],
  ['uWebSockets', '20'],
  ['content-type', 'application/json'],
  ['Content-Length', String(COMPLETION.length)],
].flatMap(([k, v]) => [Buffer.from(k!), Buffer.from(v!)]);

interface Handler {
  onConnect(abort: (e: Error) => void): void;
  onHeaders(status: number, raw: Buffer[], resume: () => void): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: Buffer[]): void;
}

/** An undici dispatcher that answers every request at once; remembers the last request body. */
class AnsweringPool {
  lastBody: Uint8Array | null = null;
  dispatch(opts: { body: Uint8Array | null }, h: Handler): boolean {
    this.lastBody = opts.body;
    h.onConnect(noop);
    h.onHeaders(200, RAW_HEAD, noop);
    h.onData(COMPLETION);
    h.onComplete([]);
    return true;
  }
}

const noop = (): void => {};
const REQUEST_HEADERS = ['host', '127.0.0.1:18080', 'content-type', 'application/json', 'content-length', String(REQUEST_BODY.length)];

/** The client connection, keeping only what the checks read. */
export class BenchDownstream implements Downstream {
  readonly method = 'POST';
  readonly query = '';
  readonly headers = REQUEST_HEADERS;
  readonly remoteAddress = '127.0.0.1';
  readonly body = REQUEST_BODY;
  readonly aborted = false;
  headSent = false;
  status = 0;
  sent: Uint8Array | string | undefined = undefined;
  constructor(readonly path: string) {}
  onAbort(): void {}
  head(status: number, _headers: HeaderList): void {
    this.status = status;
  }
  write(): void {
    throw new Error('a held JSON answer is written once, with end()');
  }
  end(chunk?: Uint8Array | string): void {
    this.headSent = true;
    this.sent = chunk;
  }
  setFlow(): void {}
  close(): void {
    throw new Error('closed uncleanly');
  }
}

export function setUp(): { snapshot: Snapshot; bind: BindRt; pools: AnsweringPool[] } {
  const file = new URL('../load/gateway.yaml', import.meta.url);
  const env = { ...process.env, BENCH_GATEWAY_PORT: String(PORT), BENCH_MOCK_PORT: '18000' };
  const live = new LiveState();
  const scope = live.begin();
  const { snapshot } = compile(parseConfig(readFileSync(file, 'utf8'), file.pathname, env), new PoolFactory(new ConnectOverrides()), 1, {
    live: scope,
  });
  scope.commit();
  const bind = snapshot.binds.get(PORT)!;
  const pools: AnsweringPool[] = [];
  for (const route of bind.listeners[0]!.routes.routes) {
    for (const b of route.backends) {
      if (b.kind !== 'ai-groups') continue;
      for (const p of b.groups.flat()) {
        const pool = new AnsweringPool();
        (p as { pool: unknown }).pool = pool;
        pools.push(pool);
      }
    }
  }
  return { snapshot, bind, pools };
}

const asText = (b: Uint8Array | string | undefined): string => (b === undefined ? '' : Buffer.from(b).toString());

export interface CompletionsFigures {
  /** ns per request by lane name. */
  ns: Record<string, number>;
}

export function completionsBench(): CompletionsFigures {
  configureLogging({ level: 'info,request=off' });
  const { snapshot, bind, pools } = setUp();
  const off = new Observability();
  const metrics = new Observability();
  metrics.start(snapshot.observability, true);
  const one = (path: string, obs: Observability) => (): void => {
    const down = new BenchDownstream(path);
    handle(down, snapshot, bind, obs);
    check(down.status === 200 && down.sent !== undefined, `${path}: status ${down.status}`);
  };
  // Output checks, once per lane and observability: the client gets the provider's bytes, the
  // upstream the client's (the model already is the provider's), usage and model were read.
  for (const obs of [off, metrics]) {
    for (const path of ['/openai/v1/chat/completions', '/openai-llm/v1/chat/completions']) {
      for (const p of pools) p.lastBody = null;
      const down = new BenchDownstream(path);
      handle(down, snapshot, bind, obs);
      check(asText(down.sent) === COMPLETION.toString(), `${path}: the client got ${asText(down.sent)}`);
      const sentUp = pools.find((p) => p.lastBody !== null);
      check(sentUp !== undefined && asText(sentUp.lastBody!) === REQUEST_BODY.toString(), `${path}: the upstream got the client's body`);
    }
  }
  const llm = bind.listeners[0]!.routes.routes.find((r) => r.name === 'openai-llm')!;
  check(llm.backends[0]!.kind === 'ai-groups' && (llm.backends[0]!.groups[0]![0] as AiBackendRt).model === 'gpt-4o-mini', 'openai-llm');
  return {
    ns: cpuNsPerRequest({
      'passthrough /openai, observability off': one('/openai/v1/chat/completions', off),
      'completions /openai-llm, observability off': one('/openai-llm/v1/chat/completions', off),
      'passthrough /openai, metrics on': one('/openai/v1/chat/completions', metrics),
      'completions /openai-llm, metrics on': one('/openai-llm/v1/chat/completions', metrics),
    }),
  };
}

/** Requests per lane and round; `BENCH_REQUESTS` trades time for steadiness. */
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 100_000);
/** Rounds, each lane once per round in turn; the median round is reported. */
const CPU_ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

/**
 * CPU time (process.cpuUsage: not wall time, so other processes on a shared machine cost it
 * little) per request, median over interleaved rounds, after a warm-up of every lane.
 */
function cpuNsPerRequest(lanes: Record<string, () => void>): Record<string, number> {
  const samples: Record<string, number[]> = {};
  for (const fn of Object.values(lanes)) for (let i = 0; i < REQUESTS / 2; i++) fn();
  for (let round = 0; round < CPU_ROUNDS; round++) {
    for (const [name, fn] of Object.entries(lanes)) {
      const t0 = process.cpuUsage();
      for (let i = 0; i < REQUESTS; i++) fn();
      const d = process.cpuUsage(t0);
      (samples[name] ??= []).push(((d.user + d.system) * 1000) / REQUESTS);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, xs] of Object.entries(samples)) out[name] = xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return out;
}

async function main(): Promise<void> {
  console.error(
    `CPU time per request, median of ${CPU_ROUNDS} interleaved rounds of ${REQUESTS} requests per lane; handle() per request, in-process upstream`,
  );
  const { ns } = completionsBench();
  const lines = ['| lane | µs per request |', '| --- | ---: |'];
  for (const [name, v] of Object.entries(ns)) lines.push(`| ${name} | ${(v / 1000).toFixed(2)} |`);
  const d = (a: string, b: string) => ((ns[b]! - ns[a]!) / 1000).toFixed(2);
  lines.push(
    `| completions - passthrough, observability off | ${d('passthrough /openai, observability off', 'completions /openai-llm, observability off')} |`,
  );
  lines.push(`| completions - passthrough, metrics on | ${d('passthrough /openai, metrics on', 'completions /openai-llm, metrics on')} |`);
  console.log(lines.join('\n'));
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) void main();
