// redisRateLimit with a real redis-server and two gateway processes sharing it: together they
// respect one limit (the Lua script is atomic), per-client and token buckets hold across them,
// and when Redis goes away each failureMode does what it says, until Redis is back.
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { RedisServer } from '../helpers/redis-server.js';
import { chat, plainMock, post, providerRoute, sleep, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const GW_PORTS = [await freePort(), await freePort()];
const REDIS_PORT = await freePort();
/** Nothing listens here when the gateways start. */
const LATE_REDIS_PORT = await freePort();
let redis: RedisServer;
let up: MockUpstream;
let gws: GatewayProcess[];

/** Routes that test sharing, not failure modes: a Redis answer slowed by a loaded machine (test
 * files run in parallel) must not turn into a failClosed 500 there. */
const SHARING = new Set(['shared', 'perclient', 'tokens']);

function route(name: string, failureMode: string, limit: string, port = REDIS_PORT): string {
  const timeout = SHARING.has(name) ? '10s' : '200ms';
  const policies = `redisRateLimit:\n  url: redis://127.0.0.1:${port}\n  failureMode: ${failureMode}\n  timeout: ${timeout}\n  limits:\n  - ${limit}`;
  return providerRoute(name, up.port, { policies, model: 'gpt-4o' });
}

function config(port: number): string {
  return `binds:
- port: ${port}
  listeners:
  - name: main
    routes:${route('shared', 'failClosed', '{maxTokens: 5, tokensPerFill: 5, fillInterval: 1h}')}${route(
      'perclient',
      'failClosed',
      `{maxTokens: 2, tokensPerFill: 2, fillInterval: 1h, key: 'request.headers["x-user"]'}`,
    )}${route('tokens', 'failClosed', '{maxTokens: 40, tokensPerFill: 40, fillInterval: 1h, type: tokens}')}${route(
      'open',
      'failOpen',
      '{maxTokens: 1000, tokensPerFill: 1000, fillInterval: 1h}',
    )}${route('closed', 'failClosed', '{maxTokens: 1000, tokensPerFill: 1000, fillInterval: 1h}')}${route(
      'late',
      'failClosed',
      '{maxTokens: 1000, tokensPerFill: 1000, fillInterval: 1h}',
      LATE_REDIS_PORT,
    )}
`;
}

beforeAll(async () => {
  [redis, up] = await Promise.all([RedisServer.start(REDIS_PORT), plainMock()]);
  gws = await Promise.all(GW_PORTS.map((p) => startGateway(config(p))));
});
afterAll(async () => {
  for (const gw of gws) expect(await gw.stop()).toBe(0);
  await Promise.all([up.close(), redis.stop()]);
});
afterEach(() => up.reset());

const url = (i: number, route: string) => `http://127.0.0.1:${GW_PORTS[i % 2]}/${route}/v1/chat/completions`;

describe('two gateways, one Redis', () => {
  it('together admit exactly maxTokens requests, even when they arrive at once', async () => {
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => post(url(i, 'shared'), chat()).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    expect(up.requests).toHaveLength(5);
    // both gateways refuse now, whichever was asked
    for (const i of [0, 1]) expect((await post(url(i, 'shared'), chat())).status).toBe(429);
  });

  it('share per-client buckets', async () => {
    const as = (i: number, user: string) => post(url(i, 'perclient'), chat(), { 'x-user': user }).then((r) => r.status);
    expect([await as(0, 'alice'), await as(1, 'alice'), await as(0, 'alice')]).toEqual([200, 200, 429]);
    expect([await as(1, 'bob'), await as(0, 'bob'), await as(1, 'bob')]).toEqual([200, 200, 429]);
  });

  it('share token buckets, debited from the usage each gateway saw', async () => {
    // usage 29 per answer: 40 -> 11 (via gateway 1) -> 0 (via gateway 2) -> refused by gateway 1.
    // The debit is sent when an answer ends, so wait for Redis to have it before the next request.
    const r1 = await post(url(0, 'tokens'), chat());
    expect(r1.status).toBe(200);
    await bucketHolds('agw:rl:{main/tokens}:0:', '11');
    const r2 = await post(url(1, 'tokens'), chat());
    expect(r2.status).toBe(200);
    expect(r2.headers.get('x-ratelimit-remaining')).toBe('11');
    await bucketHolds('agw:rl:{main/tokens}:0:', '0');
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${GW_PORTS[0]}/tokens/v1`, apiKey: 'k', maxRetries: 0 });
    const err = await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

/** Waits until the bucket stored under `key` holds `tokens`. */
async function bucketHolds(key: string, tokens: string): Promise<void> {
  const client = new Redis(redis.url, { lazyConnect: true });
  try {
    await client.connect();
    await waitUntilAsync(async () => (await client.hget(key, 'tokens')) === tokens, `bucket ${key} at ${tokens} tokens`);
  } finally {
    client.disconnect();
  }
}

async function waitUntilAsync(cond: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within 5 s`);
    await sleep(10);
  }
}

describe('Redis unreachable', () => {
  it('failOpen lets requests through, failClosed answers 500 in the dialect; both recover when Redis is back', async () => {
    expect((await post(url(0, 'open'), chat())).status).toBe(200);
    await redis.stop();
    const open = await post(url(0, 'open'), chat());
    expect(open.status).toBe(200);
    const closed = await post(url(1, 'closed'), chat());
    expect(closed.status).toBe(500);
    expect(JSON.parse(closed.text).error.message).toMatch(/rate limit service unavailable/);
    redis = await RedisServer.start(REDIS_PORT);
    // ioredis reconnects in the background; wait for the limiter to answer again
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await post(url(1, 'closed'), chat())).status) !== 200) await sleep(200);
    expect(status).toBe(200);
  });

  it('a Redis that was down when the gateway started is used once it comes up', async () => {
    expect((await post(url(0, 'late'), chat())).status).toBe(500);
    const late = await RedisServer.start(LATE_REDIS_PORT);
    try {
      const deadline = Date.now() + 15_000;
      let status = 0;
      while (Date.now() < deadline && (status = (await post(url(0, 'late'), chat())).status) !== 200) await sleep(200);
      expect(status).toBe(200);
    } finally {
      await late.stop();
    }
  });
});
