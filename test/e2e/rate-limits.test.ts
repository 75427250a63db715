// localRateLimit through the real gateway: request buckets, per-client buckets keyed by CEL,
// token buckets debited from real usage (streams included), the x-ratelimit-* headers, and the
// 429 in each client's dialect with Retry-After.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { chat, plainMock, post, providerRoute, sleep, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
let up: MockUpstream;
let gw: GatewayProcess;

function route(name: string, limit: string): string {
  return providerRoute(name, up.port, { policies: `localRateLimit:\n- ${limit}`, model: 'gpt-4o' });
}

let signer: SigningKey;

beforeAll(async () => {
  up = await plainMock();
  signer = await makeKey('k1', 'ES256');
  const jwks = JSON.stringify({ keys: [signer.publicJwk] });
  const perIdentity = (key: string) => `localRateLimit:\n- {maxTokens: 1, tokensPerFill: 1, fillInterval: 1h, key: '${key}'}`;
  const jwtRoute = providerRoute('perjwt', up.port, {
    policies: `jwtAuth: {mode: strict, issuer: https://idp.test, jwks: '${jwks}'}\n${perIdentity('jwt.sub')}`,
  });
  const keys = `apiKey: {mode: strict, keys: [{key: k-alice, metadata: {name: alice}}, {key: k-bob, metadata: {name: bob}}]}`;
  const apiKeyRoute = providerRoute('perkey', up.port, { policies: `${keys}\n${perIdentity('apiKey.name')}` });
  gw = await startGateway(
    `binds:
- port: ${PORT}
  listeners:
  - routes:${route('requests', '{maxTokens: 2, tokensPerFill: 1, fillInterval: 1h}')}${route('anthropic', '{maxTokens: 1, tokensPerFill: 1, fillInterval: 1h}')}${route(
    'perclient',
    `{maxTokens: 1, tokensPerFill: 1, fillInterval: 1h, key: 'request.headers["x-user"]'}`,
  )}${route('tokens', '{maxTokens: 40, tokensPerFill: 40, fillInterval: 1h, type: tokens}')}${route('stream', '{maxTokens: 40, tokensPerFill: 40, fillInterval: 1h, type: tokens}')}${route(
    'refill',
    '{maxTokens: 1, tokensPerFill: 1, fillInterval: 300ms}',
  )}${jwtRoute}${apiKeyRoute}
`,
    { AGW_LOG_LEVEL: 'debug' },
  ); // refusals are logged at debug (traffic-metrics.ts)
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await up.close();
});
afterEach(() => up.reset());

describe('requests buckets', () => {
  it('allow maxTokens requests with x-ratelimit-* headers, then 429 in the OpenAI dialect with Retry-After', async () => {
    const first = await post(`${BASE}/requests/v1/chat/completions`, chat());
    expect(first.status).toBe(200);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
    const openai = new OpenAI({ baseURL: `${BASE}/requests/v1`, apiKey: 'k', maxRetries: 0 });
    const second = await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    expect(second.response.headers.get('x-ratelimit-remaining')).toBe('0');
    const err = (await openai.chat.completions
      .create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(err.headers?.get('retry-after'))).toBeGreaterThan(0);
    expect(err.headers?.get('x-ratelimit-remaining')).toBe('0');
    expect(up.requests).toHaveLength(2);
    expect(gw.output).toMatch(/request refused by rate limit.*type.*requests.*scope.*local/);
  });

  it('the 429 is in the Anthropic dialect for an Anthropic client', async () => {
    const anthropic = new Anthropic({ baseURL: `${BASE}/anthropic`, apiKey: 'k', maxRetries: 0 });
    await anthropic.messages.create({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] });
    const err = (await anthropic.messages
      .create({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.RateLimitError);
    expect((err.error as { type?: string; error?: { type?: string } }).type).toBe('error');
    expect((err.error as { error?: { type?: string } }).error?.type).toBe('rate_limit_error');
  });

  it('refill after fillInterval', async () => {
    expect((await post(`${BASE}/refill/v1/chat/completions`, chat())).status).toBe(200);
    const deadline = Date.now() + 10_000;
    const statuses: number[] = [];
    while (Date.now() < deadline && !(statuses.includes(429) && statuses.at(-1) === 200)) {
      statuses.push((await post(`${BASE}/refill/v1/chat/completions`, chat())).status);
      await sleep(50);
    }
    expect(statuses).toContain(429);
    expect(statuses.at(-1)).toBe(200);
  });
});

describe('per-client buckets (key: CEL)', () => {
  it('one bucket per value of request.headers["x-user"]', async () => {
    const as = (user: string) => post(`${BASE}/perclient/v1/chat/completions`, chat(), { 'x-user': user });
    expect((await as('alice')).status).toBe(200);
    expect((await as('alice')).status).toBe(429);
    expect((await as('bob')).status).toBe(200);
    expect((await as('bob')).status).toBe(429);
  });
});

describe('per-identity buckets (key: jwt.sub, apiKey.name)', () => {
  it('one bucket per JWT subject', async () => {
    const as = async (sub: string) => {
      const token = await mint({ key: signer, issuer: 'https://idp.test', claims: { sub } });
      return (await post(`${BASE}/perjwt/v1/chat/completions`, chat(), { authorization: `Bearer ${token}` })).status;
    };
    expect([await as('alice'), await as('alice'), await as('bob')]).toEqual([200, 429, 200]);
  });

  it('one bucket per API key (its metadata name)', async () => {
    const as = (key: string) =>
      post(`${BASE}/perkey/v1/chat/completions`, chat(), { authorization: `Bearer ${key}` }).then((r) => r.status);
    expect([await as('k-alice'), await as('k-alice'), await as('k-bob'), await as('k-bob')]).toEqual([200, 429, 200, 429]);
    // authentication runs first: an unknown key is a 401, not a spent token
    expect(await as('k-mallory')).toBe(401);
  });
});

describe('token buckets', () => {
  it('debit real usage after each response; refuse once the bucket is empty', async () => {
    // the mock answers with usage 19 + 10 = 29 tokens: 40 -> 11 -> 0 (floors at zero) -> refused
    const r1 = await post(`${BASE}/tokens/v1/chat/completions`, chat());
    expect(r1.status).toBe(200);
    expect(r1.headers.get('x-ratelimit-remaining')).toBe('40');
    const r2 = await post(`${BASE}/tokens/v1/chat/completions`, chat());
    expect(r2.status).toBe(200);
    expect(r2.headers.get('x-ratelimit-remaining')).toBe('11');
    const r3 = await post(`${BASE}/tokens/v1/chat/completions`, chat());
    expect(r3.status).toBe(429);
    expect(up.requests).toHaveLength(2);
  });

  it('count streamed usage too (the usage chunk at the end of the stream)', async () => {
    const openai = new OpenAI({ baseURL: `${BASE}/stream/v1`, apiKey: 'k', maxRetries: 0 });
    for (let i = 0; i < 2; i++) {
      const s = await openai.chat.completions.create({ model: 'x', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
      for await (const _ of s) void _;
    }
    // usage was asked for upstream although the client did not ask: 2 x 29 tokens spent
    expect(up.requests.map((q) => q.json.stream_options)).toEqual([{ include_usage: true }, { include_usage: true }]);
    const r = await post(`${BASE}/stream/v1/chat/completions`, chat());
    expect(r.status).toBe(429);
  });
});
