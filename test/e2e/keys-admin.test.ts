// Virtual keys managed through the admin API, driven by the OpenAI SDK: created (the secret
// shown once, stored only as its SHA-256), rotated (the old secret stops at once), revoked (the
// next request is refused, no restart), budgets set; keys declared in the config file are
// read-only here and stop when removed from it; allowedModels, per-key request and token rate
// limits; the config's default cost cap.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { keysConfig, KeysAdmin, startKeysGateway } from '../helpers/keys.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { plainMock } from '../helpers/traffic.js';
import { waitUntilAsync } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const LLM = await freePort();
const ADMIN = await freePort();
const BIND = await freePort();
const admin = new KeysAdmin(ADMIN);
let mock: MockUpstream;
let gw: GatewayProcess;
let dir: string;
let file: string;

const KEYS = `
typicalOutputTokens: 50
maxCostPerRequest: 0.05
keys:
- name: gitops-bot
  key: sk-declared-gitops-bot-0001
  team: platform
  allowedModels: [gpt-4o]
teams:
- name: platform
  budgets: [{unit: usd, period: monthly, limit: 100, soft: 50}]
`;

beforeAll(async () => {
  mock = await plainMock();
  ({ gw, dir, file } = await startKeysGateway({ llmPort: LLM, adminPort: ADMIN, mock, keys: KEYS, bindPort: BIND }));
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await mock.close();
});

const client = (key: string) => new OpenAI({ baseURL: `http://127.0.0.1:${LLM}/v1`, apiKey: key, maxRetries: 0 });
const ask = (key: string, model = 'gpt-4o') =>
  client(key).chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }] });

describe('keys through the admin API', () => {
  it('creates a key whose secret is shown once and stored only as its SHA-256', async () => {
    const { id, secret, key } = await admin.create({ name: 'search-app', team: 'search', user: 'alice', app: 'search' });
    expect(secret).toMatch(/^sk-agw-[A-Za-z0-9_-]{32}$/);
    expect(key).toMatchObject({ name: 'search-app', team: 'search', user: 'alice', status: 'active', hint: `sk-agw-…${secret.slice(-4)}` });
    expect(JSON.stringify(key)).not.toContain(secret);
    expect(key.digest).toBeUndefined();
    const answer = await ask(secret);
    expect(answer.choices[0]!.message.content).toContain('Hello');
    // the upstream gets the gateway's credential, never the client's key
    expect(mock.last.headers.authorization).toBe('Bearer sk-upstream');
    const got = await admin.key(id);
    expect(JSON.stringify(got)).not.toContain(secret);
    expect(got.spend.requests).toBe(1);
    expect(Date.now() - Date.parse(got.spend.lastUsedAt)).toBeLessThan(60_000);
    expect(got.spend.total.tokens).toBe(29);
    expect(got.spend.total.usd).toBeCloseTo(19 * 2.5e-6 + 10 * 1e-5, 12); // gpt-4o list price
    const stored = readFileSync(join(dir, 'agentgateway-keys.db'), 'utf8');
    expect(stored).not.toContain(secret);
    expect(stored).toContain(key.hint);
  });

  it('rotates: the old secret stops at once, the new one works, spend and budgets stay', async () => {
    const { id, secret } = await admin.create({ name: 'rotating', budgets: [{ unit: 'tokens', period: 'total', limit: 10000 }] });
    await ask(secret);
    const r = await admin.call('POST', `/api/keys/${id}/rotate`);
    expect(r.status).toBe(200);
    const fresh = r.json.secret as string;
    expect(fresh).not.toBe(secret);
    const old = await ask(secret).catch((e: unknown) => e);
    expect(old).toBeInstanceOf(OpenAI.AuthenticationError);
    await ask(fresh);
    const k = await admin.key(id);
    expect(k.spend.requests).toBe(2);
    expect(k.budgets[0]).toMatchObject({ limit: 10000, spent: 58 });
    expect(k.rotatedAt).toBeDefined();
  });

  it('revokes: the next request is refused, with no restart', async () => {
    const { id, secret } = await admin.create({ name: 'to-revoke' });
    await ask(secret);
    expect((await admin.call('POST', `/api/keys/${id}/revoke`)).json.key.status).toBe('revoked');
    const err = await ask(secret).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as Error).message).toMatch(/revoked/);
    expect((await admin.call('POST', `/api/keys/${id}/rotate`)).status).toBe(409);
  });

  it('sets a budget on a live key; the next request obeys it', async () => {
    const { id, secret } = await admin.create({ name: 'budgeted' });
    await ask(secret);
    const r = await admin.call('PATCH', `/api/keys/${id}`, { budgets: [{ unit: 'tokens', period: 'daily', limit: 29 }] });
    expect(r.status).toBe(200);
    expect(r.json.key.budgets[0]).toMatchObject({ spent: 29, remaining: 0 });
    const err = await ask(secret).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toMatch(/budget exhausted: key "budgeted" has used 29 tokens of its daily limit of 29 tokens/);
    await admin.call('PATCH', `/api/keys/${id}`, { budgets: [] });
    await ask(secret);
  });

  it('refuses bad input with a clear 400, unknown keys with 404, duplicate names with 409', async () => {
    const bad = await admin.call('POST', '/api/keys', { name: 'x', budgets: [{ unit: 'euros', period: 'daily', limit: 1 }] });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/budgets\.0\.unit/);
    expect((await admin.call('GET', '/api/keys/key_nope')).status).toBe(404);
    expect((await admin.call('POST', '/api/keys', { name: 'search-app' })).status).toBe(409);
  });

  it('applies allowedModels and per-key rate limits', async () => {
    const { secret } = await admin.create({
      name: 'limited',
      allowedModels: ['gpt-4o'],
      rateLimits: [{ type: 'requests', maxTokens: 2, tokensPerFill: 2, fillInterval: '1h' }],
    });
    const denied = await ask(secret, 'claude-haiku').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
    await ask(secret);
    await ask(secret);
    const limited = await ask(secret).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as Error).message).toMatch(/rate limit exceeded/);
  });

  it('applies per-key token rate limits: what each answer used is taken from the bucket', async () => {
    const { secret } = await admin.create({
      name: 'token-limited',
      rateLimits: [{ type: 'tokens', maxTokens: 40, tokensPerFill: 40, fillInterval: '1h' }],
    });
    // the mock answers with 19 + 10 = 29 tokens: 40 -> 11 -> 0 (floors at zero) -> refused
    await ask(secret);
    await ask(secret);
    const limited = await ask(secret).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as Error).message).toMatch(/rate limit exceeded/);
  });

  it("the config's default cost cap applies to every key; a client may lower it, not raise it", async () => {
    const { secret } = await admin.create({ name: 'default-capped' });
    const c = client(secret);
    const before = mock.requests.length;
    const big = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'Hello' }], max_tokens: 10_000 }; // ~$0.10
    const refused = await c.chat.completions.create(big).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toMatch(/exceeds its cap of \$0\.05/);
    const raised = await c.chat.completions.create(big, { headers: { 'x-agentgateway-max-cost': '1' } }).catch((e: unknown) => e);
    expect(raised).toBeInstanceOf(OpenAI.BadRequestError);
    expect(mock.requests).toHaveLength(before);
    await c.chat.completions.create({ ...big, max_tokens: 1000 }); // ~$0.01
    const lowered = await c.chat.completions
      .create({ ...big, max_tokens: 1000 }, { headers: { 'x-agentgateway-max-cost': '0.001' } })
      .catch((e: unknown) => e);
    expect(lowered).toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('team budgets via PUT /api/teams/<name> bind every key of the team', async () => {
    const a = await admin.create({ name: 'team-a', team: 'tiny' });
    const b = await admin.create({ name: 'team-b', team: 'tiny' });
    const put = await admin.call('PUT', '/api/teams/tiny', { budgets: [{ unit: 'tokens', period: 'monthly', limit: 29 }] });
    expect(put.status).toBe(200);
    await ask(a.secret);
    const err = await ask(b.secret).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as Error).message).toMatch(/team "tiny"/);
    const teams = (await admin.call('GET', '/api/teams')).json.teams;
    expect(teams.find((t: any) => t.name === 'tiny')).toMatchObject({ keys: 2, spend: { requests: 1 } });
  });
});

describe('keys on binds: routes', () => {
  it('authenticate, limit and charge an AI route and a plain host route as on the llm: section', async () => {
    const { id, secret } = await admin.create({ name: 'binds-user', budgets: [{ unit: 'tokens', period: 'daily', limit: 29 }] });
    const ai = new OpenAI({ baseURL: `http://127.0.0.1:${BIND}/openai/v1`, apiKey: secret, maxRetries: 0 });
    await ai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] });
    expect(mock.last.headers.authorization).toBe('Bearer sk-upstream');
    const refused = await ai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    // a plain HTTP route: the key authenticates it (and is not forwarded); nothing to charge but the request
    const host = await fetch(`http://127.0.0.1:${BIND}/host/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    expect(host.status).toBe(200);
    expect(mock.last.headers.authorization).toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${BIND}/host/v1/models`)).status).toBe(401);
    const k = await admin.key(id);
    expect(k.spend).toMatchObject({ requests: 2, total: { tokens: 29 } });
  });

  it("expose the key's app and metadata to CEL as apiKey.<field>", async () => {
    const ask = async (key: { secret: string }) =>
      new OpenAI({ baseURL: `http://127.0.0.1:${BIND}/openai/v1`, apiKey: key.secret, maxRetries: 0 }).chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hello' }] })
        .then(
          () => 200,
          (e: unknown) => (e as { status?: number }).status,
        );
    expect(await ask(await admin.create({ name: 'quarantined-app', app: 'quarantined' }))).toBe(403);
    expect(await ask(await admin.create({ name: 'suspended-tier', metadata: { tier: 'suspended' } }))).toBe(403);
    expect(await ask(await admin.create({ name: 'fine-app', app: 'search', metadata: { tier: 'gold' } }))).toBe(200);
  });
});

describe('keys declared in the config file', () => {
  it('work, are read-only through the API, and stop when removed from the file', async () => {
    await ask('sk-declared-gitops-bot-0001');
    const denied = await ask('sk-declared-gitops-bot-0001', 'claude-haiku').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const listed = (await admin.call('GET', '/api/keys')).json;
    const bot = listed.keys.find((k: any) => k.id === 'gitops-bot');
    // the request refused for its model reserved nothing and is not counted
    expect(bot).toMatchObject({ readOnly: true, source: 'config', team: 'platform', spend: { requests: 1 } });
    expect(listed.teams.find((t: any) => t.name === 'platform')).toMatchObject({ readOnly: true, budgets: [{ limit: 100, soft: 50 }] });
    expect((await admin.call('POST', '/api/keys/gitops-bot/revoke')).status).toBe(409);
    writeFileSync(file, keysConfig({ llmPort: LLM, adminPort: ADMIN, mock, keys: 'typicalOutputTokens: 50', bindPort: BIND }));
    await waitUntilAsync(
      async () => (await ask('sk-declared-gitops-bot-0001').catch((e: unknown) => e)) instanceof OpenAI.AuthenticationError,
      10_000,
      'the removed key refused',
    );
  });
});
