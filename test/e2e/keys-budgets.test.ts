// Budgets that neither overshoot nor refuse wrongly, driven by the OpenAI and Anthropic SDKs:
// a budget exhausted exactly by a stream refuses the next request; a stream that would cross a
// hard limit is cut with an error event in the client's dialect; concurrent requests never
// double-spend; the per-request cost cap; a client that leaves mid-stream is charged what it
// was sent; spend in the metrics and the access log.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { KeysAdmin, longOpenAiStream, startKeysGateway } from '../helpers/keys.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { scrape, total } from '../helpers/prometheus.js';
import { plainMock } from '../helpers/traffic.js';
import { waitUntil, waitUntilAsync } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const LLM = await freePort();
const ADMIN = await freePort();
const STATS = await freePort();
const admin = new KeysAdmin(ADMIN);
let mock: MockUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  mock = await plainMock();
  ({ gw } = await startKeysGateway({ llmPort: LLM, adminPort: ADMIN, mock, env: { STATS_ADDR: `127.0.0.1:${STATS}` } }));
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await mock.close();
});
afterEach(() => mock.reset());

const openai = (key: string) => new OpenAI({ baseURL: `http://127.0.0.1:${LLM}/v1`, apiKey: key, maxRetries: 2 });
const anthropic = (key: string) => new Anthropic({ baseURL: `http://127.0.0.1:${LLM}`, apiKey: key, maxRetries: 0 });
const hello = [{ role: 'user' as const, content: 'Hello' }];

async function collect(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<{ text: string; error: unknown }> {
  let text = '';
  try {
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  } catch (e) {
    return { text, error: e };
  }
  return { text, error: null };
}

/** A key's spend once nothing is in flight any more. */
async function settled(id: string): Promise<any> {
  let k: any;
  await waitUntilAsync(async () => (k = await admin.key(id)).spend.reserved.tokens === 0, 5000, 'reservations released');
  return k;
}

describe('hard budgets', () => {
  it('a stream exhausts a budget exactly; the next request is refused without reaching the provider', async () => {
    const { id, secret } = await admin.create({ name: 'exact', budgets: [{ unit: 'tokens', period: 'total', limit: 29 }] });
    const s = await openai(secret).chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true, max_tokens: 10 });
    const { text, error } = await collect(s);
    expect(error).toBeNull();
    expect(text).toBe('Hello! How can I assist you today?');
    const k = await settled(id);
    expect(k.budgets[0]).toMatchObject({ limit: 29, spent: 29, remaining: 0 });
    const err = await openai(secret)
      .chat.completions.create({ model: 'gpt-4o', messages: hello })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('x-should-retry')).toBe('false');
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).code).toBe('budget_exhausted');
    expect(mock.requests).toHaveLength(1); // the SDK did not retry, and the refusal cost no upstream call
  });

  it('a stream that would cross the limit is cut with an error event (OpenAI dialect); spend stays within one chunk of it', async () => {
    const { id, secret } = await admin.create({ name: 'cut-openai', budgets: [{ unit: 'tokens', period: 'daily', limit: 100 }] });
    mock.handler = (req, res) => longOpenAiStream(req.json, res, 400, 7, 1);
    const s = await openai(secret).chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true });
    const { text, error } = await collect(s);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toMatch(/budget exhausted: key "cut-openai" has used 100 tokens of its daily limit of 100 tokens/);
    const words = text.split(' word').length - 1;
    expect(words).toBeGreaterThan(80); // served until the budget was nearly spent...
    expect(words).toBeLessThan(100); // ...never past it
    await waitUntilAsync(async () => mock.last.aborted, 5000, 'upstream aborted');
    const k = await settled(id);
    expect(k.budgets[0].spent).toBeGreaterThanOrEqual(100 - 1);
    expect(k.budgets[0].spent).toBeLessThanOrEqual(101); // the chunk that crossed it, not sent
    const next = await openai(secret)
      .chat.completions.create({ model: 'gpt-4o', messages: hello })
      .catch((e: unknown) => e);
    expect(next).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it('an Anthropic client gets the cut as an Anthropic error event', async () => {
    const { secret } = await admin.create({ name: 'cut-anthropic', budgets: [{ unit: 'tokens', period: 'daily', limit: 60 }] });
    mock.handler = (req, res) => longOpenAiStream(req.json, res, 400, 7, 1);
    const stream = anthropic(secret).messages.stream({ model: 'gpt-4o', max_tokens: 1000, messages: hello });
    let text = '';
    stream.on('text', (t) => (text += t));
    const err = await stream.finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toMatch(/"type":"rate_limit_error","message":"budget exhausted: key \\"cut-anthropic\\"/);
    expect(text.split(' word').length - 1).toBeLessThan(60);
  });

  // A request that finds less left than its estimate while others hold the rest waits for them
  // to settle (ledger.ts): before, it took the last few tokens and answered 29, so a wave that
  // interleaved that way (seen on the Node edge) admitted 11.
  it('concurrent requests on one key never double-spend: exactly limit / usage succeed', async () => {
    // 290 tokens, 29 per answer: exactly 10 answers fit, however the requests interleave.
    const { id, secret } = await admin.create({ name: 'concurrent', budgets: [{ unit: 'tokens', period: 'daily', limit: 290 }] });
    const c = openai(secret);
    const one = () =>
      c.chat.completions.create({ model: 'gpt-4o', messages: hello, max_tokens: 50 }).then(
        () => 200,
        (e: unknown) => (e as { status?: number }).status ?? 0,
      );
    const wave = await Promise.all(Array.from({ length: 20 }, one));
    // Each request holds its estimate until settled: however the wave interleaves (all at once, or
    // one after another when the edge serves them in turn), at most limit / usage succeed.
    expect(wave.filter((s) => s === 200).length).toBeLessThanOrEqual(10);
    expect(wave.filter((s) => s !== 200).every((s) => s === 429)).toBe(true);
    let ok = wave.filter((s) => s === 200).length;
    for (;;) {
      await settled(id);
      if ((await one()) !== 200) break;
      ok++;
    }
    expect(ok).toBe(10);
    const k = await settled(id);
    expect(k.budgets[0]).toMatchObject({ spent: 290, remaining: 0 });
    expect(k.spend.requests).toBe(10); // refused requests are not charged
  });
});

describe('the per-request cost cap', () => {
  it('x-agentgateway-max-cost refuses a request whose estimate exceeds it; a key cap cannot be raised by the header', async () => {
    const { secret } = await admin.create({ name: 'capped', maxCostPerRequest: 0.005 });
    const c = openai(secret);
    const big = { model: 'gpt-4o', messages: hello, max_tokens: 1000 }; // ~$0.01 at gpt-4o's list price
    const refused = await c.chat.completions.create(big).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as Error).message).toMatch(/estimated cost \$0\.01\d* .* exceeds its cap of \$0\.005/);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('cost_cap_exceeded');
    const raised = await c.chat.completions.create(big, { headers: { 'x-agentgateway-max-cost': '10' } }).catch((e: unknown) => e);
    expect(raised).toBeInstanceOf(OpenAI.BadRequestError);
    await c.chat.completions.create({ ...big, max_tokens: 100 });
    const lowered = await c.chat.completions
      .create({ ...big, max_tokens: 100 }, { headers: { 'x-agentgateway-max-cost': '0.0001' } })
      .catch((e: unknown) => e);
    expect(lowered).toBeInstanceOf(OpenAI.BadRequestError);
    const garbage = await c.chat.completions.create(big, { headers: { 'x-agentgateway-max-cost': 'lots' } }).catch((e: unknown) => e);
    expect((garbage as Error).message).toMatch(/x-agentgateway-max-cost must be a positive number/);
    expect((garbage as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('x-agentgateway-max-cost');
  });

  it('a USD budget on a model with no price is refused, not silently free', async () => {
    const { secret } = await admin.create({ name: 'usd', budgets: [{ unit: 'usd', period: 'monthly', limit: 5 }] });
    const err = await openai(secret)
      .chat.completions.create({ model: 'my-finetune', messages: hello })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((err as Error).message).toMatch(/model "my-finetune" .* has no price/);
    expect((err as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe('model_unpriced');
    await openai(secret).chat.completions.create({ model: 'gpt-4o', messages: hello });
  });
});

describe('settlement', () => {
  it('a client that leaves mid-stream is charged what it was sent, and its reservation is released', async () => {
    const { id, secret } = await admin.create({ name: 'leaver', budgets: [{ unit: 'tokens', period: 'daily', limit: 100000 }] });
    mock.handler = (req, res) => longOpenAiStream(req.json, res, 1000, 7, 5);
    const ac = new AbortController();
    const s = await openai(secret).chat.completions.create({ model: 'gpt-4o', messages: hello, stream: true }, { signal: ac.signal });
    let n = 0;
    await collect(
      (async function* () {
        for await (const c of s) {
          yield c;
          if (++n === 20) ac.abort();
        }
      })(),
    );
    await waitUntilAsync(async () => mock.last.aborted, 5000, 'upstream aborted');
    const k = await settled(id);
    expect(k.spend.total.tokens).toBeGreaterThanOrEqual(20);
    expect(k.spend.total.tokens).toBeLessThan(200);
    await waitUntil(() => /key\.name=leaver .*key\.charged\.estimated=true/.test(gw.output), 5000, 'the access log line');
  });

  it('spend per key and team in the metrics, bounded labels; the access log names the key and its charge', async () => {
    const { secret } = await admin.create({
      name: 'metered',
      team: 'ml',
      budgets: [{ unit: 'tokens', period: 'daily', limit: 29, soft: 20 }],
    });
    await openai(secret).chat.completions.create({ model: 'gpt-4o', messages: hello });
    await openai(secret)
      .chat.completions.create({ model: 'gpt-4o', messages: hello })
      .catch(() => {});
    const samples = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    expect(total(samples, 'agentgateway_key_requests_total', { key: 'metered', team: 'ml' })).toBe(1);
    expect(total(samples, 'agentgateway_key_tokens_total', { key: 'metered', team: 'ml' })).toBe(29);
    expect(total(samples, 'agentgateway_key_spend_usd_total', { key: 'metered', team: 'ml' })).toBeCloseTo(19 * 2.5e-6 + 10 * 1e-5, 12);
    expect(total(samples, 'agentgateway_budget_rejections_total', { key: 'metered', scope: 'key', period: 'daily', unit: 'tokens' })).toBe(
      1,
    );
    expect(total(samples, 'agentgateway_budget_soft_limit_crossings_total', { scope: 'key', period: 'daily' })).toBeGreaterThanOrEqual(1);
    // the refusal's reason is agentgateway's RateLimit; its code, budget_exhausted, tells it apart
    expect(total(samples, 'agentgateway_requests_total', { reason: 'RateLimit', status: '429' })).toBeGreaterThanOrEqual(1);
    const charged = /key\.name=metered key\.team=ml key\.charged\.usd=0\.000147\d* key\.charged\.tokens=29/;
    await waitUntil(() => charged.test(gw.output) && /error\.code=budget_exhausted/.test(gw.output), 5000, 'access log lines'); // written in batches
    expect(gw.output).toMatch(/budget alert: key "[^"]+" has used 29 tokens, past its daily soft limit of 20 tokens/);
  });
});
