// Policies on `llm:` traffic behave as on binds routes, because the section compiles into the
// same route and backends: guardrails (shared and per model, prompt and answer, streamed too),
// rate limits keyed per client and per model, authorization rules reading llm.*, CORS, a
// request timeout, Prometheus metrics with cost, OTLP spans, and the access log.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { scrape, total } from '../helpers/prometheus.js';
import { ANTHROPIC_TEXT } from '../helpers/provider-formats.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const STATS = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;

const mocks = useProviderMocks();
let receiver: OtlpReceiver;
let gw: GatewayProcess;

const config = (otlpPort: number) => `
config:
  modelCatalog:
    sources:
      - inline: {providers: {openai: {models: {gpt-4o-2024-08-06: {rates: {input: 2, output: 8}}}}}}
frontendPolicies:
  tracing: {host: 127.0.0.1:${otlpPort}, randomSampling: true}
llm:
  port: ${PORT}
  policies:
    cors: {allowOrigins: [https://app.example]}
    authorization:
      rules:
        - deny: 'llm.requestModel == "claude-sonnet" && request.headers["x-tier"] == "free"'
    guardrails:
      request: [{regex: {action: reject, rules: [{builtin: email}]}, rejection: {status: 400, body: no emails please}}]
      response: [{regex: {action: mask, rules: [{pattern: assist}]}}]
    localRateLimit: [{maxTokens: 5, tokensPerFill: 5, fillInterval: 1h, key: 'request.headers["x-user"]'}]
    timeout: {requestTimeout: 1s}
  models:
    - name: gpt-4o
      provider: openAI
      params: {model: gpt-4o-2024-08-06, apiKey: sk-policies-openai}
      guardrails:
        request: [{regex: {action: reject, rules: [{pattern: forbidden-word}]}, rejection: {status: 422}}]
    - name: claude-sonnet
      provider: anthropic
      params: {model: claude-sonnet-4-5-20250929, apiKey: sk-ant-policies}
      localRateLimit: [{maxTokens: 2, tokensPerFill: 2, fillInterval: 1h, key: 'request.headers["x-user"]'}]
`;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  gw = await GatewayProcess.start({
    args: ['-c', config(receiver.port), ...mocks.args()],
    env: { STATS_ADDR: `127.0.0.1:${STATS}`, ADMIN_ADDR: 'off', READINESS_ADDR: 'off', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await receiver.close();
});

const openai = (user: string) => new OpenAI({ baseURL: `${BASE}/v1`, apiKey: 'client', maxRetries: 0, defaultHeaders: { 'x-user': user } });
const ask = (user: string, model: string, content = 'Hello') =>
  openai(user).chat.completions.create({ model, messages: [{ role: 'user', content }] });

describe('guardrails', () => {
  it('the shared guard refuses a prompt for any model, with the configured status and body', async () => {
    for (const model of ['gpt-4o', 'claude-sonnet']) {
      const e = (await ask('g1', model, 'mail me at a@b.example').catch((err: unknown) => err)) as InstanceType<typeof OpenAI.APIError>;
      expect(e.status).toBe(400);
      expect(e.message).toContain('no emails please');
    }
    expect(mocks.openai.requests.length + mocks.anthropic.requests.length).toBe(0);
  });

  it('a model’s own guard applies to that model only', async () => {
    const e = (await ask('g2', 'gpt-4o', 'a forbidden-word here').catch((err: unknown) => err)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(422);
    expect(mocks.openai.requests).toHaveLength(0);
    const ok = await ask('g2', 'claude-sonnet', 'a forbidden-word here');
    expect(ok.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
  });

  it('answers are masked, streamed ones too', async () => {
    const r = await ask('g3', 'gpt-4o');
    expect(r.choices[0]!.message.content).toBe('Hello! How can I <masked> you today?');
    const stream = await openai('g3').chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe('Hello! How can I <masked> you today?');
  });
});

describe('limits, authorization, CORS, timeouts', () => {
  it('a rate limit keyed per client: the sixth request of one client is refused, another client still passes', async () => {
    for (let i = 0; i < 5; i++) await ask('r1', 'gpt-4o');
    const e = (await ask('r1', 'gpt-4o').catch((err: unknown) => err)) as InstanceType<typeof OpenAI.APIError>;
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(Number(e.headers?.get('retry-after'))).toBeGreaterThan(0);
    await ask('r2', 'gpt-4o');
  });

  it('a model’s own rate limit, in the Anthropic dialect', async () => {
    const client = new Anthropic({ baseURL: BASE, apiKey: 'client', maxRetries: 0 });
    const send = (user: string) =>
      client.messages.create(
        { model: 'claude-sonnet', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] },
        { headers: { 'x-user': user } },
      );
    await send('m1');
    await send('m1');
    const e = await send('m1').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Anthropic.RateLimitError);
    await ask('m1', 'gpt-4o'); // other models are not limited by it
  });

  it('authorization rules read the requested model', async () => {
    for (let i = 0; i < 3; i++) {
      const denied = await openai('a1')
        .chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'x-tier': 'free' } })
        .catch((err: unknown) => err);
      expect(denied).toBeInstanceOf(OpenAI.PermissionDeniedError);
    }
    // denied before the model's own rate limit: two more requests of a1 still pass it
    for (let i = 0; i < 2; i++) await ask('a1', 'claude-sonnet');
    await openai('a2').chat.completions.create(
      { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] },
      { headers: { 'x-tier': 'free' } },
    );
  });

  it('CORS preflights are answered before anything else', async () => {
    const r = await fetch(`${BASE}/v1/chat/completions`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example');
  });

  it('the request timeout cuts a slow provider with a 504', async () => {
    mocks.openai.handler = () => new Promise(() => {});
    const e = (await ask('t1', 'gpt-4o').catch((err: unknown) => err)) as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(504);
  });
});

describe('observability', () => {
  it('metrics, cost, spans and the access log name the llm route, the model entry and the provider model', async () => {
    await ask('o1', 'gpt-4o');
    const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    expect(total(m, 'agentgateway_requests_total', { route: 'llm', backend: 'gpt-4o', status: '200' })).toBeGreaterThan(0);
    const g = { gen_ai_system: 'openai', gen_ai_request_model: 'gpt-4o-2024-08-06' };
    const requests = total(m, 'agentgateway_gen_ai_client_token_usage_count', { ...g, gen_ai_token_type: 'input' });
    expect(requests).toBeGreaterThan(0);
    expect(total(m, 'agentgateway_gen_ai_client_cost_usd_total', g)).toBeCloseTo(requests * (19 * 2 + 10 * 8) * 1e-6, 12);
    expect(total(m, 'agentgateway_requests_total', { route: 'llm', status: '429' })).toBeGreaterThan(0);
    await waitUntil(() => receiver.spans.some((s) => s.attributes['gen_ai.request.model'] === 'gpt-4o-2024-08-06'), 10_000, 'an llm span');
    const span = receiver.spans.find((s) => s.attributes['gen_ai.request.model'] === 'gpt-4o-2024-08-06')!;
    expect(span.attributes).toMatchObject({ route: 'llm', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 19 });
    expect(gw.output).toMatch(
      new RegExp(`request gateway=bind/${PORT} listener=llm route=llm backend=gpt-4o .*gen_ai\\.request\\.model=gpt-4o-2024-08-06`),
    );
  });
});
