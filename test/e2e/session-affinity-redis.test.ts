// sessionAffinity's Redis pins with a real redis-server and two gateway replicas: a session one
// replica placed is pinned in Redis (the hash of its key, never the key itself); a session one
// replica moved (its provider was evicted there) is followed by the other replica, which never
// saw the eviction; an operator's pin is obeyed by a replica that does not know the session; and
// with Redis gone, sessions are placed by the hash alone and every request still succeeds.
import Anthropic from '@anthropic-ai/sdk';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AFFINITY_KEY_SEED, affinityHasher } from '../../src/native/index.js';
import { redisKey } from '../../src/policies/affinity-pins.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { type MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';
import { answerOf, PrefixCache, prefixCacheHandler } from '../helpers/prefix-cache.js';
import { RedisServer } from '../helpers/redis-server.js';
import { plainMock, startGateway } from '../helpers/traffic.js';
import { waitUntilAsync } from '../helpers/wait.js';

const GW_PORTS = [await freePort(), await freePort()];
const REDIS_PORT = await freePort();
const NAMES = ['d1', 'd2', 'd3'];
const DOMAIN = 'fleet';
let redis: RedisServer;
let store: Redis;
let mocks: MockUpstream[];
let gws: GatewayProcess[];

function config(port: number): string {
  const providers = NAMES.map(
    (n, i) => `
            - {name: ${n}, provider: {anthropic: {model: claude-sonnet-4-6}}, hostOverride: "127.0.0.1:${mocks[i]!.port}", policies: {health: {eviction: {duration: 10m}}}}`,
  ).join('');
  return `binds:
- port: ${port}
  listeners:
  - routes:
    - name: chat
      policies:
        ai: {routes: {/v1/messages: messages}}
        retry: {attempts: 1, codes: [503]}
      backends:
      - ai:
          groups:
          - providers:${providers}
        policies:
          sessionAffinity: {redis: {url: "redis://127.0.0.1:${REDIS_PORT}", timeout: 3s, domain: ${DOMAIN}}}
`;
}

const clients = () => GW_PORTS.map((p) => new Anthropic({ baseURL: `http://127.0.0.1:${p}`, apiKey: 'sk-client', maxRetries: 0 }));

/** Which deployment answered a one-turn request of session `id` through replica `gw`. */
async function ask(gw: number, id: string): Promise<string> {
  const r = await clients()[gw]!.messages.create(
    { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'next step' }] },
    { headers: { 'x-session-affinity': id } },
  );
  return (r.content[0] as { text: string }).text.replace('answered by ', '');
}

const pinOf = (id: string) => redisKey(DOMAIN, affinityHasher().hash(id, AFFINITY_KEY_SEED));

async function pinned(id: string, name: string): Promise<void> {
  await waitUntilAsync(async () => (await store.get(pinOf(id))) === name, 10_000, `the pin of ${id} = ${name}`);
}

beforeAll(async () => {
  [redis, ...mocks] = await Promise.all([RedisServer.start(REDIS_PORT), ...NAMES.map(() => plainMock())]);
  mocks.forEach((m, i) => (m.handler = prefixCacheHandler(new PrefixCache(NAMES[i]!))));
  store = new Redis(REDIS_PORT, '127.0.0.1');
  gws = await Promise.all(GW_PORTS.map((p) => startGateway(config(p))));
});
afterAll(async () => {
  for (const gw of gws) expect(await gw.stop()).toBe(0);
  store.disconnect();
  await Promise.all([...mocks.map((m) => m.close()), redis.stop()]);
});

describe('sessionAffinity pins in Redis', () => {
  it('pins a placed session under the hash of its key (never the key); the other replica follows it', async () => {
    const where = await ask(0, 'session-a');
    await pinned('session-a', where);
    expect(await store.keys('agw:affinity:*')).not.toContainEqual(expect.stringContaining('session-a'));
    expect(await ask(1, 'session-a')).toBe(where);
  });

  // before any eviction (one replica's health would rightly differ from the other's)
  it('with Redis stopped, sessions are placed by the hash alone and every request succeeds', async () => {
    redis.pause();
    try {
      // a session neither replica knows: both wait for Redis (up to the timeout), then hash alike
      const a = await ask(0, 'session-f');
      expect(await ask(1, 'session-f')).toBe(a);
      expect(answerOf(a)).toMatch(/^answered by d[123]$/);
    } finally {
      redis.resume();
    }
  });

  it('a session moved by one replica is followed by the other, which never saw the eviction', async () => {
    const first = await ask(0, 'session-b');
    await pinned('session-b', first);
    const sick = mocks[NAMES.indexOf(first)]!;
    const healthy = sick.handler;
    sick.handler = (_req, res) => sendJson(res, 503, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const moved = await ask(0, 'session-b');
    expect(moved).not.toBe(first);
    await pinned('session-b', moved);
    // the deployment is healthy again, but replica 1 follows the pin, not the hash
    sick.handler = healthy;
    const before = sick.requests.length;
    expect(await ask(1, 'session-b')).toBe(moved);
    expect(sick.requests.length).toBe(before);
  });

  it("obeys an operator's pin for a session a replica does not know yet", async () => {
    await store.set(pinOf('session-c'), 'd3', 'PX', 60_000);
    expect(await ask(1, 'session-c')).toBe('d3');
    await store.set(pinOf('session-d'), 'd1', 'PX', 60_000);
    expect(await ask(0, 'session-d')).toBe('d1');
    // a pin naming no provider of the backend is ignored: the hash places the session
    await store.set(pinOf('session-e'), 'retired', 'PX', 60_000);
    expect(NAMES).toContain(await ask(0, 'session-e'));
  });
});
