// `--workers 2` through the real gateway: connections spread over two worker threads, and what
// users expect per gateway stays per gateway. A local limit of 10/min admits exactly 10 across
// both workers, /metrics sums them, a reload under traffic switches every worker and no
// response mixes two configs, a killed worker is restarted while the other keeps serving, and
// SIGTERM lets a request in flight on a worker finish. The admin's runtime view counts what the
// workers serve (requests in flight, upstream pools), and an eviction one worker made holds on
// the other (pick-2 state in shared memory). Every request opens its own connection
// (agent: false), so the acceptor hands them out round robin. A session's pinned provider holds
// on every worker (session-affinity tables in shared memory).
import { request } from 'node:http';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasAcceptor, startTwoWorkers } from '../helpers/workers.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { freePorts } from '../helpers/ports.js';
import { sleep, writeConfig } from '../helpers/traffic.js';

const [PORT, ADMIN, STATS] = await freePorts(3);
const ADMIN_URL = `http://127.0.0.1:${ADMIN}`;

/** The versioned route's limit, which its responses report (x-ratelimit-limit), per config version. */
const LIMITS: Record<string, number> = { v1: 100_000, v2: 200_000 };

/** Which config version answered, from a header (x-ratelimit-limit) set by the config. */
function headerVersion(a: Answer): string | undefined {
  return Object.keys(LIMITS).find((v) => String(LIMITS[v]) === a.headers['x-ratelimit-limit']);
}

function config(version: string): string {
  // A route to provider groups (the `- providers:` lists follow), retried once on a 503.
  const groupRoute = (name: string) => `    - name: ${name}
      matches: [{path: {pathPrefix: /${name}}}]
      policies:
        retry: {attempts: 1, codes: [503]}
        ai: {routes: {/v1/chat/completions: completions}}
      backends:
      - ai:
          groups:`;
  const mock = (response: string, extra = '') => `
      backends:
      - ai:
          name: mock
          provider:
            mock: {model: gpt-4o, response: '${response}'${extra}}`;
  return `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: limited
      matches: [{path: {pathPrefix: /limited}}]
      policies:
        localRateLimit:
        - {maxTokens: 10, tokensPerFill: 10, fillInterval: 60s}${mock('limited')}
    - name: slow
      matches: [{path: {pathPrefix: /slow}}]${mock('slow', ', firstTokenDelay: 1500ms')}
    - name: proxy
      matches: [{path: {pathPrefix: /proxy}}]
      backends: [{host: "127.0.0.1:${upstream.port}"}]
${groupRoute('failover')}
          - providers:
            - name: primary
              provider: {openAI: {model: gpt-4o}}
              hostOverride: 127.0.0.1:${primary.port}
              policies: {backendAuth: {key: sk-primary}, health: {eviction: {duration: 60s}}}
          - providers:
            - name: fallback
              provider: {openAI: {model: gpt-4o-mini}}
              hostOverride: 127.0.0.1:${fallback.port}
              policies: {backendAuth: {key: sk-fallback}}
${groupRoute('sessions')}
          - providers:${sessionMocks
            .map(
              (m, i) => `
            - {name: s${i}, provider: {openAI: {model: gpt-4o}}, hostOverride: "127.0.0.1:${m.port}", policies: {backendAuth: {key: sk-s}, health: {eviction: {duration: 1s}}}}`,
            )
            .join('')}
        policies:
          sessionAffinity: {}
    - name: versioned
      policies:
        localRateLimit:
        - {maxTokens: ${LIMITS[version]}, tokensPerFill: 1, fillInterval: 1h}${mock(`config ${version}`)}
`;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One chat completion on a connection of its own (streamed: the mock's first-token delay applies). */
function ask(path: string, stream = false, headers: Record<string, string> = {}): Promise<Answer> {
  const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], stream });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: PORT, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function content(a: Answer): string {
  return (JSON.parse(a.body) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
}

interface WorkerInfo {
  index: number;
  ready: boolean;
  restarts: number;
  connections: number;
}

async function workers(): Promise<WorkerInfo[]> {
  const r = await fetch(`${ADMIN_URL}/api/workers`);
  return ((await r.json()) as { workers: WorkerInfo[] }).workers;
}

/** The value of one series in the Prometheus text (0 when absent). */
async function metric(name: string, labels: string[]): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${STATS}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.every((x) => l.includes(x)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

let file: string;
let gw: GatewayProcess;
let upstream: MockUpstream;
let primary: MockUpstream;
let fallback: MockUpstream;
let sessionMocks: MockUpstream[];

beforeAll(async () => {
  [upstream, primary, fallback] = await Promise.all([
    MockUpstream.start({ tls: false }),
    MockUpstream.start({ tls: false }),
    MockUpstream.start({ tls: false }),
  ]);
  sessionMocks = await Promise.all([0, 1, 2].map(() => MockUpstream.start({ tls: false })));
  upstream.handler = (_req, res) => sendJson(res, 200, { ok: true });
  file = writeConfig(config('v1'));
  gw = await startTwoWorkers(file, ADMIN!, STATS!);
});

afterAll(async () => {
  if (gw !== undefined && gw.exitCode === null) await gw.stop('SIGKILL');
  await Promise.all([upstream, primary, fallback, ...(sessionMocks ?? [])].map((m) => m?.close()));
});

// Without the acceptor (test/helpers/workers.ts) the gateway says so and serves on one thread.
const withoutAddon = !hasAcceptor;

describe.runIf(withoutAddon)('--workers 2 without the native addon', () => {
  it('warns that workers need the acceptor edge and serves on the main thread', async () => {
    expect(gw.output).toContain('workers: 2 asked, but worker threads need the acceptor edge');
    expect((await ask('/versioned/v1/chat/completions')).status).toBe(200);
  });
});

describe.skipIf(withoutAddon)('--workers 2', () => {
  it('starts two worker threads and spreads connections over both', async () => {
    expect(gw.output).toContain('2 worker threads serving');
    const before = await workers();
    expect(before.map((w) => w.ready)).toEqual([true, true]);
    for (let i = 0; i < 4; i++) expect((await ask('/versioned/v1/chat/completions')).status).toBe(200);
    const after = await workers();
    for (const [i, w] of after.entries()) expect(w.connections - before[i]!.connections).toBe(2);
  });

  it('a local limit of 10 admits exactly 10 across both workers, and /metrics sums them', async () => {
    const before = await workers();
    const answers = await Promise.all(Array.from({ length: 30 }, () => ask('/limited/v1/chat/completions')));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(20);
    const after = await workers();
    // Both threads took part: each served half of the 30 connections.
    for (const [i, w] of after.entries()) expect(w.connections - before[i]!.connections).toBe(15);
    const route = 'route="limited"';
    expect(await metric('agentgateway_requests_total', [route, 'status="200"'])).toBe(10);
    expect(await metric('agentgateway_requests_total', [route, 'status="429"'])).toBe(20);
    expect(await metric('agentgateway_rate_limit_rejections_total', [route])).toBe(20);
    // One set of histograms: the counts are the sums too.
    expect(await metric('agentgateway_request_duration_seconds_count', [route, 'status="200"'])).toBe(10);
    expect(await metric('agentgateway_request_duration_seconds_bucket', [route, 'status="429"', 'le="+Inf"'])).toBe(20);
    // Gateway-wide series are the main thread's, not one per thread.
    expect(await metric('agentgateway_build_info', [])).toBe(1);
  });

  it('/api/runtime counts the requests in flight on the workers and sums their upstream pools', async () => {
    const runtime = async () => (await (await fetch(`${ADMIN_URL}/api/runtime`)).json()) as any;
    // Two connections, one per worker; the main thread serves neither.
    const slow = [ask('/slow/v1/chat/completions', true), ask('/slow/v1/chat/completions', true)];
    await sleep(500);
    expect((await runtime()).binds[0].inflight).toBe(2);
    for (const a of await Promise.all(slow)) expect([a.status, a.body.endsWith('data: [DONE]\n\n')]).toEqual([200, true]);
    // One request per worker through the proxy route: each worker keeps its own warm connection.
    for (let i = 0; i < 2; i++) expect((await ask('/proxy/anything')).status).toBe(200);
    const rt = await runtime();
    expect(rt.binds[0].inflight).toBe(0);
    const pool = rt.liveState.find((e: any) => e.id === `http://127.0.0.1:${upstream.port}::pool`);
    expect(pool.status).toMatchObject({ connected: 2, running: 0 });
  });

  it('an eviction on one worker keeps the provider out of rotation on the other: pick-2 state is shared', async () => {
    primary.handler = (_req, res) => sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } });
    // Worker A: the primary answers 503, is evicted for 60 s, and the retry goes to the fallback.
    expect((await ask('/failover/v1/chat/completions')).status).toBe(200);
    expect([primary.requests.length, fallback.requests.length]).toEqual([1, 1]);
    // Worker B, then A, then B: none of them tries the evicted primary.
    for (let i = 0; i < 3; i++) expect((await ask('/failover/v1/chat/completions')).status).toBe(200);
    expect([primary.requests.length, fallback.requests.length]).toEqual([1, 4]);
  });

  it("a session's provider holds across workers: moved on one, it stays moved on the other", async () => {
    const session = { 'x-session-affinity': 'agent-run-7' };
    const served = () => sessionMocks.map((m) => m.requests.length);
    const turn = async () => {
      const before = served();
      expect((await ask('/sessions/v1/chat/completions', false, session)).status).toBe(200);
      // The providers that got an attempt of this turn.
      return served().flatMap((n, i) => (n > before[i]! ? [i] : []));
    };
    // First turn: placed by the hash (the same on every worker).
    const [home] = await turn();
    // Its provider fails: the retry moves the session to the next provider, for good.
    sessionMocks[home!]!.handler = (_req, res) => sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } });
    const attempts = await turn();
    expect(attempts).toHaveLength(2);
    const moved = attempts.find((i) => i !== home)!;
    sessionMocks[home!]!.handler = (_req, res) =>
      sendJson(res, 200, {
        id: 'x',
        object: 'chat.completion',
        created: 0,
        model: 'gpt-4o',
        choices: [{ index: 0, message: { role: 'assistant', content: 'home' }, finish_reason: 'stop' }],
      });
    // The eviction (1 s) ends. Four more turns on new connections, two per worker: all stay where
    // the session moved (with a table per worker, the worker that never saw the move sends the
    // session back home by the hash).
    await sleep(1500);
    const turns: number[][] = [];
    for (let i = 0; i < 4; i++) turns.push(await turn());
    expect(turns).toEqual([[moved], [moved], [moved], [moved]]);
  });

  it('a reload under traffic reaches both workers, and no response mixes two configs', async () => {
    let stop = false;
    let reloaded = false;
    const seen: Answer[] = [];
    // Requests sent after the reload was reported (one still in flight on the old snapshot when
    // the log line appears legitimately answers v1).
    const after: Answer[] = [];
    const client = async () => {
      while (!stop) {
        const sentAfter = reloaded;
        const a = await ask('/versioned/v1/chat/completions');
        seen.push(a);
        if (sentAfter) after.push(a);
      }
    };
    const clients = [client(), client(), client()];
    await sleep(300);
    writeFileSync(file, config('v2'));
    await gw.waitFor('config reloaded (version 2)', 15_000);
    reloaded = true;
    await sleep(300);
    stop = true;
    await Promise.all(clients);
    expect(after.length).toBeGreaterThan(0);
    for (const a of seen) {
      expect(a.status).toBe(200);
      // The header and the body come from one snapshot.
      expect(`config ${headerVersion(a)}`).toBe(content(a));
    }
    // Once the main thread reports the reload, every worker serves v2.
    for (const a of after) expect(headerVersion(a)).toBe('v2');
    expect(seen.slice(0, 5).every((a) => headerVersion(a) === 'v1')).toBe(true);
  });

  it('a killed worker is logged and restarted while the other keeps serving', async () => {
    let stop = false;
    const results: (number | string)[] = [];
    const client = async () => {
      while (!stop)
        results.push(
          await ask('/versioned/v1/chat/completions').then(
            (a) => a.status,
            (e: Error) => e.message,
          ),
        );
    };
    const clients = [client(), client()];
    await sleep(200);
    const r = await fetch(`${ADMIN_URL}/api/workers?terminate=0`, { method: 'POST' });
    expect(r.status).toBe(200);
    const killedAt = results.length;
    await gw.waitFor('worker 0 restarted', 20_000);
    const restartedAt = results.length;
    await sleep(300);
    stop = true;
    await Promise.all(clients);
    expect(gw.output).toContain('worker 0 exited');
    // Traffic went on while worker 0 was down (on worker 1) and after it came back.
    expect(restartedAt).toBeGreaterThan(killedAt);
    expect(results.slice(killedAt + 2).every((s) => s === 200)).toBe(true);
    // At most the requests in flight on worker 0 when it was killed (one per client) failed.
    expect(results.filter((s) => s !== 200).length).toBeLessThanOrEqual(2);
    const after = await workers();
    expect(after.map((w) => [w.ready, w.restarts])).toEqual([
      [true, 1],
      [true, 0],
    ]);
    const before = after[0]!.connections;
    for (let i = 0; i < 4; i++) expect((await ask('/versioned/v1/chat/completions')).status).toBe(200);
    expect((await workers())[0]!.connections - before).toBe(2);
  });

  it('SIGTERM lets the requests in flight on the workers finish, then exits 0', async () => {
    const inflight = [ask('/slow/v1/chat/completions'), ask('/slow/v1/chat/completions')];
    await sleep(400);
    gw.child.kill('SIGTERM');
    await sleep(200);
    // New connections are refused once draining started.
    await expect(ask('/versioned/v1/chat/completions')).rejects.toThrow();
    const answers = await Promise.all(inflight);
    expect(answers.map((a) => [a.status, content(a)])).toEqual([
      [200, 'slow'],
      [200, 'slow'],
    ]);
    expect(await gw.wait()).toBe(0);
    expect(gw.output).toContain('shutdown complete');
  });
});
