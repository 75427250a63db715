// Failover, eviction, recovery and retries through the real gateway, with the official SDKs
// (maxRetries: 0, so every retry observed is the gateway's).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import { MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { OPENAI_TEXT, openaiStream } from '../helpers/provider-formats.js';
import { chat, plainMock, post, sleep, startGateway } from '../helpers/traffic.js';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

const PORT = await freePort();
let primary: MockUpstream;
let fallback: MockUpstream;
let plain: MockUpstream;
let gw: GatewayProcess;
/** A port nothing listens on (a mock that was closed). */
let deadPort: number;

const overloaded = (res: Parameters<typeof sendJson>[0]) => sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } });

function config(): string {
  const groups = (route: string, health: string, primaryPort = primary.port) => `
    - name: ${route}
      matches: [{path: {pathPrefix: /${route}}}]
      policies:
        retry: {attempts: 1, codes: [503, 429]}
        ai: {routes: {/v1/chat/completions: completions, /v1/messages: messages}}
      backends:
      - ai:
          groups:
          - providers:
            - name: primary
              provider: {openAI: {model: gpt-4o}}
              hostOverride: 127.0.0.1:${primaryPort}
              policies: {backendAuth: {key: sk-primary}${health}}
          - providers:
            - name: fallback
              provider: {openAI: {model: gpt-4o-mini}}
              hostOverride: 127.0.0.1:${fallback.port}
              policies: {backendAuth: {key: sk-fallback}}`;
  return `binds:
- port: ${PORT}
  listeners:
  - routes:${groups('failover', ', health: {eviction: {duration: 1s}}')}${groups('dead', '', deadPort)}${groups('ratelimited', ', health: {unhealthyExpression: "response.code == 429 || response.code >= 500"}')}
    - name: replay
      matches: [{path: {pathPrefix: /replay}}]
      policies:
        retry: {attempts: 2, codes: [500, 502]}
      backends: [{host: "127.0.0.1:${plain.port}"}]
    - name: weighted
      matches: [{path: {pathPrefix: /weighted}}]
      backends:
      - {host: "127.0.0.1:${primary.port}", weight: 3}
      - {host: "127.0.0.1:${fallback.port}", weight: 1}
`;
}

beforeAll(async () => {
  [primary, fallback, plain] = await Promise.all([plainMock(), plainMock(), plainMock()]);
  const closed = await plainMock();
  deadPort = closed.port;
  await closed.close();
  // debug logs each retry (traffic-metrics.ts): the refused-connection test counts them
  gw = await startGateway(config(), { AGW_LOG_LEVEL: 'debug' });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await Promise.all([primary.close(), fallback.close(), plain.close()]);
});
afterEach(() => {
  primary.reset();
  fallback.reset();
  plain.reset();
});

/** Sends requests until `cond` holds (the deadline only bounds the wait; no timing is asserted). */
async function pokeUntil(cond: () => boolean, route: string, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 15 s`);
    await post(`http://127.0.0.1:${PORT}/${route}/v1/chat/completions`, chat('poke'));
    await sleep(100);
  }
}

const openai = (route: string) => new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/${route}/v1`, apiKey: 'client', maxRetries: 0 });

describe('priority groups', () => {
  it('fails over from a group whose provider answers 503 to the next, replaying the request', async () => {
    primary.handler = (_req, res) => overloaded(res);
    const r = await openai('failover').chat.completions.create({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'Hello there' }],
      temperature: 0.3,
    });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(primary.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(1);
    const retried = fallback.last;
    expect(retried.headers['x-retry-attempt']).toBe('1');
    expect(retried.headers.authorization).toBe('Bearer sk-fallback');
    expect(retried.json).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello there' }], temperature: 0.3 });
    expect(primary.last.json.model).toBe('gpt-4o');
    expect(primary.last.headers['x-retry-attempt']).toBeUndefined();
  });

  it('keeps the evicted group out of rotation, then brings it back when the eviction ends', async () => {
    // Evicted now: requests go on until one reaches the primary (the previous test's eviction may
    // still hold, and end at any moment on a loaded machine), whose 503 starts a fresh eviction
    // (1 s times the ejections so far); within it, traffic goes straight to the fallback.
    primary.reset();
    primary.handler = (_req, res) => overloaded(res);
    await pokeUntil(() => primary.requests.length > 0, 'failover', 'a request reaching the primary');
    primary.reset();
    fallback.reset();
    const r = await post(`http://127.0.0.1:${PORT}/failover/v1/chat/completions`, chat('b'));
    expect(r.status).toBe(200);
    expect(primary.requests).toHaveLength(0);
    expect(fallback.requests).toHaveLength(1);
    // The primary recovered; once its eviction ends, traffic returns to it.
    await pokeUntil(() => primary.requests.length > 0, 'failover', 'the primary back in rotation');
    fallback.reset();
    const back = await post(`http://127.0.0.1:${PORT}/failover/v1/chat/completions`, chat('d'));
    expect(back.status).toBe(200);
    expect(fallback.requests).toHaveLength(0);
  });

  it("a 429's Retry-After evicts for the announced time, and an unhealthyExpression in CEL decides what is unhealthy", async () => {
    primary.handler = (_req, res) => {
      res.setHeader('retry-after', '1');
      sendJson(res, 429, { error: { message: 'rate limited', type: 'rate_limit_error' } });
    };
    const r = await openai('ratelimited').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(fallback.last.headers['x-retry-attempt']).toBe('1');
    primary.reset();
    await openai('ratelimited').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'y' }] });
    expect(primary.requests).toHaveLength(0);
    await pokeUntil(() => primary.requests.length > 0, 'ratelimited', 'the primary back after its Retry-After');
  });

  it('a provider that refuses connections is unhealthy by default: evicted, and the retry fails over', async () => {
    const r = await openai('dead').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(fallback.requests).toHaveLength(1);
    expect(fallback.last.headers['x-retry-attempt']).toBe('1');
    // evicted (groups evict by default): the next request goes straight to the fallback
    fallback.reset();
    await openai('dead').chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'y' }] });
    expect(fallback.last.headers['x-retry-attempt']).toBeUndefined();
  });

  it('an Anthropic client fails over from one provider to another, each attempt translated for its provider', async () => {
    primary.handler = (_req, res) => overloaded(res);
    // Evictions from the earlier tests may still hold: either way the answer comes from the fallback.
    const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${PORT}/failover`, apiKey: 'client', maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'claude-x', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
    expect(m.content).toEqual([{ type: 'text', text: OPENAI_TEXT }]);
    expect(fallback.last.path).toBe('/v1/chat/completions');
    expect(fallback.last.json).toMatchObject({
      model: 'gpt-4o-mini',
      max_completion_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
    });
  });
});

describe('retries', () => {
  it('replay the whole body on each attempt, with x-retry-attempt, until one succeeds', async () => {
    let n = 0;
    plain.handler = (req, res) =>
      ++n < 3 ? sendJson(res, 500, { error: `attempt ${n}` }) : sendJson(res, 200, { ok: true, got: req.body.length });
    const big = { data: 'x'.repeat(200_000), n: 1 };
    const r = await post(`http://127.0.0.1:${PORT}/replay/upload`, big);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.text)).toEqual({ ok: true, got: JSON.stringify(big).length });
    expect(plain.requests.map((q) => q.headers['x-retry-attempt'])).toEqual([undefined, '1', '2']);
    for (const q of plain.requests) expect(q.body).toBe(JSON.stringify(big));
  });

  it('stop after `attempts` retries and pass the last answer on', async () => {
    plain.handler = (_req, res) => sendJson(res, 502, { error: 'still broken' });
    const r = await post(`http://127.0.0.1:${PORT}/replay/x`, { a: 1 });
    expect(r.status).toBe(502);
    expect(JSON.parse(r.text)).toEqual({ error: 'still broken' });
    expect(plain.requests).toHaveLength(3);
  });

  it('never retry once a streamed response has started reaching the client', async () => {
    plain.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(openaiStream(req.json).slice(0, 3).join(''));
      setTimeout(() => res.destroy(), 50);
    };
    const r = await fetch(`http://127.0.0.1:${PORT}/replay/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify(chat('s', { stream: true })),
    });
    expect(r.status).toBe(200);
    let text = '';
    const reader = r.body!.getReader();
    try {
      for (let c = await reader.read(); !c.done; c = await reader.read()) text += Buffer.from(c.value).toString();
    } catch {
      // the gateway closes the connection: a passthrough stream cannot carry an error event
    }
    expect(text).toContain('Hello');
    expect(text).not.toContain('[DONE]');
    expect(plain.requests).toHaveLength(1);
  });

  it('a refused connection is retried on the next pick (nothing reached the upstream)', async () => {
    // /replay has one backend: stop it, so every attempt is refused, and check all three were made.
    const port = plain.port;
    await plain.close();
    const before = gw.output.split('retrying upstream request').length;
    const r = await post(`http://127.0.0.1:${PORT}/replay/x`, { a: 1 });
    expect(r.status).toBe(503);
    expect(JSON.parse(r.text).error.message).toMatch(/unreachable: connection refused/);
    await waitUntil(() => gw.output.split('retrying upstream request').length - before === 2, 5000, 'two retries logged');
    expect(gw.output).toMatch(/retrying upstream request.*"?reason"?: ?"?upstream_unreachable/);
    plain = await MockUpstream.start({ tls: false, port });
  });
});

describe('weighted backends', () => {
  it('share traffic by weight', async () => {
    for (let i = 0; i < 400; i++) await fetch(`http://127.0.0.1:${PORT}/weighted/v1/models`);
    const a = primary.requests.length;
    expect(a + fallback.requests.length).toBe(400);
    expect(a).toBeGreaterThan(240); // 3:1 -> 300 expected; 240 is ~7 standard deviations away
    expect(a).toBeLessThan(360);
  });
});
