// Two gateway processes sharing one Redis keys store (a real redis-server): a key created
// through one works on the other at once; concurrent requests spread over both never
// double-spend one budget; a revocation or rotation through either stops the key on the other
// on its next request; per-key rate limits are shared; a stream is cut at the shared limit.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { KeysAdmin, longOpenAiStream, startKeysGateway } from '../helpers/keys.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { RedisServer } from '../helpers/redis-server.js';
import { plainMock } from '../helpers/traffic.js';
import { waitUntilAsync } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const REDIS = await freePort();
const GATEWAYS = [
  { llm: await freePort(), admin: await freePort() },
  { llm: await freePort(), admin: await freePort() },
];
const admins = GATEWAYS.map((g) => new KeysAdmin(g.admin));
let redis: RedisServer;
let mock: MockUpstream;
let gws: GatewayProcess[];

beforeAll(async () => {
  [redis, mock] = await Promise.all([RedisServer.start(REDIS), plainMock()]);
  const keys = `store:\n  redis: {url: "redis://127.0.0.1:${REDIS}", namespace: fleet}\ntypicalOutputTokens: 50`;
  gws = (await Promise.all(GATEWAYS.map((g) => startKeysGateway({ llmPort: g.llm, adminPort: g.admin, mock, keys })))).map((r) => r.gw);
});
afterAll(async () => {
  for (const gw of gws) expect(await gw.stop()).toBe(0);
  await Promise.all([mock.close(), redis.stop()]);
});
afterEach(() => mock.reset());

const client = (i: number, key: string) =>
  new OpenAI({ baseURL: `http://127.0.0.1:${GATEWAYS[i % 2]!.llm}/v1`, apiKey: key, maxRetries: 0 });
const ask = (i: number, key: string) =>
  client(i, key).chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }], max_tokens: 50 });
const status = (p: Promise<unknown>) =>
  p.then(
    () => 200,
    (e: unknown) => (e as { status?: number }).status ?? 0,
  );

async function settled(id: string): Promise<any> {
  let k: any;
  await waitUntilAsync(async () => (k = await admins[0]!.key(id)).spend.reserved.tokens === 0, 5000, 'reservations released');
  return k;
}

describe('two gateways, one Redis keys store', () => {
  it('a key created through one gateway works on the other at once', async () => {
    const { secret, id } = await admins[0]!.create({ name: 'shared', team: 'fleet' });
    await ask(1, secret);
    await ask(0, secret);
    // Settlements reach Redis asynchronously (after the answer): wait for both to land.
    await waitUntilAsync(async () => (await admins[1]!.key(id)).spend.requests === 2, 5000, 'both requests settled');
    expect((await admins[1]!.call('GET', '/api/keys')).json.store).toMatchObject({ kind: 'redis' });
  });

  it('concurrent requests over both gateways never double-spend one budget', async () => {
    const { id, secret } = await admins[0]!.create({ name: 'fleet-budget', budgets: [{ unit: 'tokens', period: 'daily', limit: 290 }] });
    const wave = await Promise.all(Array.from({ length: 20 }, (_, i) => status(ask(i, secret))));
    expect(wave.filter((s) => s === 200).length).toBeLessThanOrEqual(10); // at most limit / usage, however the wave interleaves
    expect(wave.filter((s) => s !== 200)).toEqual(wave.filter((s) => s === 429));
    let ok = wave.filter((s) => s === 200).length;
    for (let i = 0; ; i++) {
      await settled(id);
      if ((await status(ask(i, secret))) !== 200) break;
      ok++;
    }
    expect(ok).toBe(10);
    const k = await settled(id);
    expect(k.budgets[0]).toMatchObject({ spent: 290, remaining: 0 });
    expect(k.spend.requests).toBe(10);
    expect(mock.requests).toHaveLength(10);
  });

  it('a revocation through one gateway stops the key on the other on its next request', async () => {
    const { id, secret } = await admins[0]!.create({ name: 'revoked-elsewhere' });
    await ask(1, secret); // gateway 2 has it cached now
    await admins[0]!.call('POST', `/api/keys/${id}/revoke`);
    expect(await ask(1, secret).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('a rotation through one gateway stops the old secret on the other', async () => {
    const { id, secret } = await admins[1]!.create({ name: 'rotated-elsewhere' });
    await ask(0, secret);
    const fresh = (await admins[1]!.call('POST', `/api/keys/${id}/rotate`)).json.secret as string;
    expect(await ask(0, secret).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
    await ask(0, fresh);
  });

  it('per-key rate limits are shared by the replicas', async () => {
    const { secret } = await admins[0]!.create({
      name: 'fleet-limited',
      rateLimits: [{ type: 'requests', maxTokens: 3, tokensPerFill: 3, fillInterval: '1h' }],
    });
    const got = [];
    for (let i = 0; i < 5; i++) got.push(await status(ask(i, secret)));
    expect(got).toEqual([200, 200, 200, 429, 429]);
  });

  it('a stream is cut at the shared limit', async () => {
    const { id, secret } = await admins[0]!.create({ name: 'fleet-stream', budgets: [{ unit: 'tokens', period: 'daily', limit: 100 }] });
    mock.handler = (req, res) => longOpenAiStream(req.json, res, 400, 7, 1);
    const s = await client(1, secret).chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
    });
    let text = '';
    const err = await (async () => {
      for await (const c of s) text += c.choices[0]?.delta?.content ?? '';
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toMatch(/budget exhausted/);
    const k = await settled(id);
    // extensions are asked of Redis while the stream goes on: it may pass the limit by the
    // chunks that arrive during one round trip, never by more
    expect(k.budgets[0].spent).toBeGreaterThanOrEqual(99);
    expect(k.budgets[0].spent).toBeLessThanOrEqual(110);
    expect(text.split(' word').length - 1).toBeLessThanOrEqual(110);
  });
});
