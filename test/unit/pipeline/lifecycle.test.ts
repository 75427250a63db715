// The request lifecycle through handle() with a fake client connection (fake-downstream.ts)
// and an in-process upstream: no gateway process. Each case checks what the client saw, that
// the upstream request was closed when it had to be, that the request finished exactly once
// (the snapshot's in-flight count is back to 0), and that nothing was written after the end.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { Observability } from '../../../src/observability/index.js';
import { handle } from '../../../src/pipeline/handle.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { BindRt, Snapshot } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';
import { FakeDownstream, type FakeRequest } from './fake-downstream.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const PORT = 4499;
let upstream: Server;
let handler: Handler;
/** Requests the upstream received, and how many of them it saw closed before it ended. */
let received: string[] = [];
let closedEarly = 0;
const live = new LiveState();
let snapshot: Snapshot;
let bind: BindRt;
/** This file's own observability (metrics off, no tracing); its recent-requests ring counts finished requests. */
const obs = new Observability();
obs.recent.enabled = true;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A retry policy puts a route on the attempt loop (attempt.ts) instead of the lean one-call path. */
const RETRY = 'retry: {attempts: 1, codes: [503]}';
const llm = (at: string) => `{ai: {name: openai, provider: {openAI: {model: gpt-4o-mini}}, hostOverride: "${at}"}}`;
/** Path prefixes that take each way through attempt.ts: '' the lean path, '/retried' the attempt loop. */
const PATHS = [
  ['lean path', ''],
  ['attempt loop', '/retried'],
] as const;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    received.push(req.url ?? '');
    res.on('close', () => {
      if (!res.writableFinished) closedEarly++;
    });
    handler(req, res);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const at = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const dead = `127.0.0.1:${await freePort()}`;
  const route = (name: string, prefix: string, backend: string, policies = '') =>
    `    - name: ${name}\n      matches: [{path: {pathPrefix: ${prefix}}}]\n${policies === '' ? '' : `      policies: {${policies}}\n`}      backends: [${backend}]\n`;
  const yaml =
    `binds:\n- port: ${PORT}\n  listeners:\n  - routes:\n` +
    route('keyed', '/keyed', `{host: "${at}"}`, 'apiKey: {mode: strict, keys: [{key: sk-good}]}') +
    route('limited', '/limited', `{host: "${at}"}`, 'localRateLimit: [{maxTokens: 1, tokensPerFill: 1, fillInterval: 1h}]') +
    route('dead', '/dead', `{host: "${dead}"}`) +
    route('dead-retried', '/retried/dead', `{host: "${dead}"}`, RETRY) +
    route('llm', '/llm', llm(at), 'backendAuth: {key: sk-upstream}') +
    route('llm-retried', '/retried/llm', llm(at), `backendAuth: {key: sk-upstream}, ${RETRY}`) +
    route('retried', '/retried', `{host: "${at}"}`, RETRY) +
    route('plain', '/', `{host: "${at}"}`);
  const scope = live.begin();
  snapshot = compile(parseConfig(yaml, 'lifecycle.yaml', {}), new PoolFactory(new ConnectOverrides()), 1, { live: scope }).snapshot;
  scope.commit();
  bind = snapshot.binds.get(PORT)!;
});

afterAll(async () => {
  await live.closeAll();
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

/** Requests in flight on the snapshot when the test began (a request an earlier, failed test leaked stays counted there). */
let inFlightBefore = 0;
/** The last request recorded (finish() records each request once) when the test began. */
let recordedBefore = 0;

beforeEach(() => {
  inFlightBefore = snapshot.use.requests;
  recordedBefore = obs.recent.lastSeq;
  received = [];
  closedEarly = 0;
  handler = (_req, res) => res.end('{}');
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one request through handle(); resolves once the client side ended and the request finished. */
async function run(req: FakeRequest | FakeDownstream): Promise<FakeDownstream> {
  const down = req instanceof FakeDownstream ? req : new FakeDownstream(req);
  handle(down, snapshot, bind, obs);
  await down.settled;
  await finished();
  return down;
}

/**
 * Waits for the test's requests to finish (finish() leaves the snapshot); gives up after ~2 s so
 * a request that never finishes fails finishedCleanly() with a count rather than a test timeout.
 */
async function finished(): Promise<void> {
  for (let i = 0; i < 400 && snapshot.use.requests > inFlightBefore; i++) await tick(5);
}

/** The lifecycle invariants every case ends with: each request finished and observed exactly once, nothing after the end. */
function finishedCleanly(down: FakeDownstream, requests = 1): void {
  expect(snapshot.use.requests - inFlightBefore).toBe(0);
  expect(obs.recent.since(recordedBefore)).toHaveLength(requests);
  expect(down.violations).toEqual([]);
}

const sse = (i: number) => `data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"t${i}"}}]}\n\n`;

describe('handle() with a fake downstream', () => {
  it('a normal response: head, body and end reach the client in one piece; the request finishes', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11', 'x-up': '1' });
      res.end('{"ok":true}');
    };
    const down = await run({ path: '/things', query: 'a=1' });
    expect(down.events).toEqual(['head 200', 'end']);
    expect(down.bodyText).toBe('{"ok":true}');
    expect(down.header('x-up')).toBe('1');
    expect(received).toEqual(['/things?a=1']);
    finishedCleanly(down);
  });

  it.each(PATHS)('%s: the client leaves mid-body: the upstream request is closed, nothing more is written', async (_via, prefix) => {
    let upstreamGone!: () => void;
    const gone = new Promise<void>((r) => {
      upstreamGone = r;
    });
    handler = (_req, res) => {
      res.on('close', () => upstreamGone());
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(4 * 1024 * 1024) });
      res.write(Buffer.alloc(512 * 1024));
    };
    const down = new FakeDownstream({ path: `${prefix}/big` });
    down.onWrite = () => down.abort();
    await run(down);
    await gone;
    expect(down.events).toEqual(['head 200', 'write', 'abort']);
    expect(closedEarly).toBe(1);
    finishedCleanly(down);
  });

  it.each(PATHS)(
    '%s: the client leaves mid-stream on an LLM route: the upstream stream is closed, no more events',
    async (_via, prefix) => {
      let upstreamGone!: () => void;
      const gone = new Promise<void>((r) => {
        upstreamGone = r;
      });
      handler = (_req, res) => {
        res.on('close', () => upstreamGone());
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse(0));
        setTimeout(() => res.writable && res.write(sse(1)), 50);
      };
      const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      const down = new FakeDownstream({ path: `${prefix}/llm/v1/chat/completions`, body });
      down.onWrite = () => down.abort();
      await run(down);
      await gone;
      await tick(100);
      expect(received).toEqual(['/v1/chat/completions']);
      expect(down.events).toEqual(['head 200', 'write', 'abort']);
      expect(down.bodyText).toContain('"t0"');
      expect(closedEarly).toBe(1);
      finishedCleanly(down);
    },
  );

  it.each(PATHS)('%s: the upstream fails before its headers: a 503 in the OpenAI dialect with its code', async (_via, prefix) => {
    const down = await run({ path: `${prefix}/dead/x` });
    expect(down.events).toEqual(['head 503', 'end']);
    const err = JSON.parse(down.bodyText).error;
    expect(err).toMatchObject({ code: 'upstream_unreachable', reason: 'UpstreamFailure' });
    expect(err.message).toContain('unreachable');
    finishedCleanly(down);
  });

  it.each(PATHS)(
    '%s: the upstream drops the connection after its headers: the client connection is closed uncleanly, never ended',
    async (_via, prefix) => {
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(sse(0));
        setTimeout(() => res.socket?.destroy(), 20);
      };
      const down = await run({ path: `${prefix}/stream` });
      expect(down.events).toEqual(['head 200', 'write', 'close']);
      expect(down.bodyText).toBe(sse(0));
      finishedCleanly(down);
    },
  );

  it.each(PATHS)('%s: an LLM stream the upstream drops: the events so far, then an error event, never [DONE]', async (_via, prefix) => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(sse(0));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const down = await run({ path: `${prefix}/llm/v1/chat/completions`, body });
    expect(down.events[0]).toBe('head 200');
    expect(down.events.at(-1)).toBe('end');
    expect(down.bodyText).toContain('"t0"');
    expect(down.bodyText).not.toContain('[DONE]');
    const last = down.bodyText.trim().split('\n\n').at(-1)!;
    expect(JSON.parse(last.replace(/^data: /, '')).error).toMatchObject({ code: 'upstream_reset', reason: 'UpstreamFailure' });
    finishedCleanly(down);
  });

  it.each(PATHS)(
    '%s: backpressure: the upstream is paused while the client cannot take more, resumed on drain, nothing lost',
    async (_via, prefix) => {
      const total = 8 * 1024 * 1024;
      handler = (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        let sent = 0;
        const block = Buffer.alloc(64 * 1024, 0x62);
        const pump = (): void => {
          while (sent < total) {
            sent += block.length;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      };
      const down = new FakeDownstream({ path: `${prefix}/flow` }, 256 * 1024);
      let pausedAt = -1;
      down.onWrite = () => {
        if (pausedAt < 0 && down.events.includes('pause')) pausedAt = down.events.length;
      };
      handle(down, snapshot, bind, obs);
      while (pausedAt < 0) await tick(5);
      // While the client is "full", no further chunk is read from the upstream.
      await tick(300);
      expect(down.events.length).toBe(pausedAt);
      expect(down.bodyBytes).toBeLessThan(total);
      const drainer = setInterval(() => down.drain(), 2);
      await down.settled;
      clearInterval(drainer);
      await finished();
      expect(down.bodyBytes).toBe(total);
      expect(down.events.filter((e) => e === 'resume').length).toBeGreaterThan(0);
      expect(down.events.at(-1)).toBe('end');
      finishedCleanly(down);
    },
  );

  it('a request policy refuses (API key missing): 401 with its reason, no upstream call', async () => {
    const down = await run({ path: '/keyed/x' });
    expect(down.events).toEqual(['head 401', 'end']);
    const err = JSON.parse(down.bodyText).error;
    expect(err.code).toBe('api_key_missing');
    expect(err.reason).toBe('APIKeyAuth');
    expect(received).toEqual([]);
    finishedCleanly(down);
  });

  it('a rate limit refuses the second request: 429 with retry-after, one upstream call', async () => {
    const first = await run({ path: '/limited/a' });
    const second = await run({ path: '/limited/b' });
    expect(first.events).toEqual(['head 200', 'end']);
    expect(second.events).toEqual(['head 429', 'end']);
    expect(JSON.parse(second.bodyText).error).toMatchObject({ code: 'rate_limited', reason: 'RateLimit' });
    expect(Number(second.header('retry-after'))).toBeGreaterThan(0);
    expect(received).toEqual(['/limited/a']);
    finishedCleanly(second, 2);
  });
});

describe('observability is the object handed to handle(), not module state', () => {
  it("a request is counted, recorded and charted by its gateway's observability only", async () => {
    const other = new Observability();
    other.start(snapshot.observability, true, 'worker');
    other.recent.enabled = true;
    other.series.enabled = true;
    const down = new FakeDownstream({ path: '/things' });
    handle(down, snapshot, bind, other);
    await down.settled;
    await finished();
    expect(down.events).toEqual(['head 200', 'end']);
    // The other gateway has it: metrics, recent requests and series.
    const json = await other.metricsJson()!;
    const requests = json.find((m) => m.name === 'agentgateway_requests_total')!;
    expect(requests.values.reduce((n, v) => n + v.value, 0)).toBe(1);
    expect(other.recent.since(0).map((r) => r.path)).toEqual(['/things']);
    expect(other.series.query('5m', 'total').series.map((k) => k.totals.requests)).toEqual([1]);
    // This file's own observability (metrics off) saw nothing of it.
    expect(obs.metricsJson()).toBeNull();
    expect(obs.recent.since(recordedBefore)).toEqual([]);
    expect(obs.series.query('5m', 'total').series).toEqual([]);
    await other.stop();
  });
});
