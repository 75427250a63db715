// The `llm:` model router through the real gateway process: one port, the request's `model`
// choosing the provider, driven by the official OpenAI and Anthropic SDKs (streaming and not)
// for each model entry, a wildcard, each virtual-model kind and an unknown model; the API key's
// allowedModels, /v1/models, count_tokens and passthrough paths. Provider hosts are TLS mocks
// reached through --connect-to; assertions read what each mock received.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { sendJson } from '../helpers/mock-upstream.js';
import { ANTHROPIC_TEXT, OPENAI_TEXT } from '../helpers/provider-formats.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';

const PORT = 4600;
const ADMIN = 4695;
const OPENAI_KEY = 'sk-llm-router-openai-secret';
const ANTHROPIC_KEY = 'sk-ant-llm-router-secret';
const TEAM_KEY = 'sk-team-all-models';
const LIMITED_KEY = 'sk-team-openai-only';

const CONFIG = `
llm:
  port: ${PORT}
  policies:
    apiKey:
      mode: strict
      keys:
        - key: ${TEAM_KEY}
        - key: ${LIMITED_KEY}
          allowedModels: [gpt-4o, "openai/*"]
  models:
    - name: gpt-4o
      provider: openAI
      params: {model: gpt-4o-2024-08-06, apiKey: "$OPENAI_API_KEY"}
    - name: claude-sonnet
      provider: anthropic
      params: {model: claude-sonnet-4-5-20250929, apiKey: "$ANTHROPIC_API_KEY"}
    - name: "anthropic/*"
      provider: anthropic
      params: {apiKey: "$ANTHROPIC_API_KEY"}
      transformation: {model: 'llmRequest.model.stripPrefix("anthropic/")'}
    - name: "openai/*"
      provider: openAI
      params: {apiKey: "$OPENAI_API_KEY", baseUrl: "https://api.openai.com/v1"}
      transformation: {model: 'llmRequest.model.stripPrefix("openai/")'}
    - name: haiku-internal
      visibility: internal
      provider: anthropic
      params: {model: claude-haiku-4-5-20251001, apiKey: "$ANTHROPIC_API_KEY"}
  virtualModels:
    - name: auto
      routing: {failover: {targets: [{model: gpt-4o, priority: 1}, {model: haiku-internal, priority: 2}]}}
    - name: split
      routing: {weighted: {targets: [{model: gpt-4o, weight: 1}, {model: claude-sonnet, weight: 1}]}}
    - name: router
      routing:
        conditional:
          targets:
            - {when: 'request.headers["x-tier"] == "premium"', model: claude-sonnet}
            - {when: 'llmRequest.max_tokens > 1000', model: haiku-internal}
            - {model: gpt-4o}
`;

const mocks = useProviderMocks();
let gw: GatewayProcess;

const openai = (apiKey = TEAM_KEY) => new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey, maxRetries: 0 });
const anthropic = (apiKey = TEAM_KEY) => new Anthropic({ baseURL: `http://127.0.0.1:${PORT}`, apiKey, maxRetries: 0 });
const hello = [{ role: 'user' as const, content: 'Hello' }];

beforeAll(async () => {
  gw = await GatewayProcess.start({
    args: ['-c', CONFIG, ...mocks.args()],
    env: {
      OPENAI_API_KEY: OPENAI_KEY,
      ANTHROPIC_API_KEY: ANTHROPIC_KEY,
      ADMIN_ADDR: `127.0.0.1:${ADMIN}`,
      READINESS_ADDR: 'off',
      STATS_ADDR: 'off',
    },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  for (const secret of [OPENAI_KEY, ANTHROPIC_KEY, TEAM_KEY, LIMITED_KEY]) expect(gw.output).not.toContain(secret);
});

describe('model entries, OpenAI SDK', () => {
  it('gpt-4o reaches OpenAI with its provider model and the injected key', async () => {
    const r = await openai().chat.completions.create({ model: 'gpt-4o', messages: hello });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    const up = mocks.openai.last;
    expect(up.path).toBe('/v1/chat/completions');
    expect(up.json.model).toBe('gpt-4o-2024-08-06');
    expect(up.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(mocks.anthropic.requests).toHaveLength(0);
  });

  it('claude-sonnet reaches Anthropic, translated from chat completions', async () => {
    const r = await openai().chat.completions.create({ model: 'claude-sonnet', messages: hello, max_tokens: 50 });
    expect(r.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
    const up = mocks.anthropic.last;
    expect(up.path).toBe('/v1/messages');
    expect(up.json.model).toBe('claude-sonnet-4-5-20250929');
    expect(up.json.max_tokens).toBe(50);
    expect(up.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(JSON.stringify(up.headers)).not.toContain(TEAM_KEY);
    expect(mocks.openai.requests).toHaveLength(0);
  });

  it('streams from each provider', async () => {
    for (const [model, text, mock] of [
      ['gpt-4o', OPENAI_TEXT, mocks.openai],
      ['claude-sonnet', ANTHROPIC_TEXT, mocks.anthropic],
    ] as const) {
      const stream = await openai().chat.completions.create({ model, messages: hello, stream: true });
      let got = '';
      for await (const c of stream) got += c.choices[0]?.delta?.content ?? '';
      expect(got).toBe(text);
      expect(mock.last.json.stream).toBe(true);
    }
  });

  it('a wildcard entry sends the transformed model (openai/* with a baseUrl)', async () => {
    const r = await openai().chat.completions.create({ model: 'openai/gpt-4.1-mini', messages: hello });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(mocks.openai.last.json.model).toBe('gpt-4.1-mini');
    expect(mocks.openai.last.path).toBe('/v1/chat/completions');
  });
});

describe('model entries, Anthropic SDK', () => {
  it('claude-sonnet natively, with x-api-key and anthropic-version', async () => {
    const m = await anthropic().messages.create({ model: 'claude-sonnet', max_tokens: 50, messages: hello });
    expect(m.content[0]).toEqual({ type: 'text', text: ANTHROPIC_TEXT });
    const up = mocks.anthropic.last;
    expect(up.json.model).toBe('claude-sonnet-4-5-20250929');
    expect(up.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(up.headers['anthropic-version']).toBeDefined();
  });

  it('gpt-4o from an Anthropic client is translated both ways', async () => {
    const m = await anthropic().messages.create({ model: 'gpt-4o', max_tokens: 50, messages: hello });
    expect(m.content[0]).toMatchObject({ type: 'text', text: OPENAI_TEXT });
    expect(mocks.openai.last.path).toBe('/v1/chat/completions');
    expect(mocks.openai.last.json.model).toBe('gpt-4o-2024-08-06');
  });

  it('streams gpt-4o and the anthropic/* wildcard', async () => {
    for (const [model, text, upstream] of [
      ['gpt-4o', OPENAI_TEXT, 'gpt-4o-2024-08-06'],
      ['anthropic/claude-3-7-sonnet-latest', ANTHROPIC_TEXT, 'claude-3-7-sonnet-latest'],
    ] as const) {
      const stream = anthropic().messages.stream({ model, max_tokens: 50, messages: hello });
      const deltas: string[] = [];
      stream.on('text', (t) => deltas.push(t));
      await stream.finalMessage();
      expect(deltas.join('')).toBe(text);
      const mock = model === 'gpt-4o' ? mocks.openai : mocks.anthropic;
      expect(mock.last.json.model).toBe(upstream);
    }
  });
});

describe('virtual models', () => {
  it('failover: the first priority serves while healthy', async () => {
    const r = await openai().chat.completions.create({ model: 'auto', messages: hello });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(mocks.openai.last.json.model).toBe('gpt-4o-2024-08-06');
    expect(mocks.anthropic.requests).toHaveLength(0);
  });

  it('failover: a failing first priority hands the same request to the next, then stays evicted', async () => {
    mocks.openai.handler = (_req, res) => sendJson(res, 503, { error: { message: 'overloaded', type: 'server_error' } });
    const r = await openai().chat.completions.create({ model: 'auto', messages: hello });
    expect(r.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
    expect(mocks.openai.requests).toHaveLength(1);
    expect(mocks.anthropic.last.json.model).toBe('claude-haiku-4-5-20251001');
    expect(mocks.anthropic.last.headers['x-retry-attempt']).toBe('1');
    // evicted: the next request goes straight to the second priority, streaming too
    const stream = anthropic().messages.stream({ model: 'auto', max_tokens: 20, messages: hello });
    const final = await stream.finalMessage();
    expect(final.content[0]).toMatchObject({ text: ANTHROPIC_TEXT });
    expect(mocks.openai.requests).toHaveLength(1);
    expect(mocks.anthropic.requests).toHaveLength(2);
  });

  it('weighted: requests spread over both targets, each with its own model', async () => {
    for (let i = 0; i < 30; i++) await openai().chat.completions.create({ model: 'split', messages: hello });
    expect(mocks.openai.requests.length).toBeGreaterThan(0);
    expect(mocks.anthropic.requests.length).toBeGreaterThan(0);
    expect(mocks.openai.requests.length + mocks.anthropic.requests.length).toBe(30);
    expect(new Set(mocks.openai.requests.map((r) => r.json.model))).toEqual(new Set(['gpt-4o-2024-08-06']));
    expect(new Set(mocks.anthropic.requests.map((r) => r.json.model))).toEqual(new Set(['claude-sonnet-4-5-20250929']));
  });

  it('weighted, streaming through the Anthropic SDK', async () => {
    const stream = anthropic().messages.stream({ model: 'split', max_tokens: 20, messages: hello });
    const final = await stream.finalMessage();
    expect([OPENAI_TEXT, ANTHROPIC_TEXT]).toContain((final.content[0] as { text: string }).text);
  });

  it('conditional: a header, then a body field (CEL), then the default', async () => {
    await openai().chat.completions.create({ model: 'router', messages: hello }, { headers: { 'x-tier': 'premium' } });
    expect(mocks.anthropic.last.json.model).toBe('claude-sonnet-4-5-20250929');
    await openai().chat.completions.create({ model: 'router', messages: hello, max_tokens: 2000 });
    expect(mocks.anthropic.last.json.model).toBe('claude-haiku-4-5-20251001');
    expect(mocks.openai.requests).toHaveLength(0);
    const stream = await openai().chat.completions.create({ model: 'router', messages: hello, stream: true });
    for await (const _ of stream);
    expect(mocks.openai.last.json.model).toBe('gpt-4o-2024-08-06');
  });
});

describe('what a client may ask for', () => {
  it('an unknown model is a 404 in the caller’s dialect naming the closest models', async () => {
    const e1 = await openai()
      .chat.completions.create({ model: 'gpt-4', messages: hello })
      .catch((e: unknown) => e);
    expect(e1).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e1 as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect((e1 as Error).message).toMatch(/model "gpt-4" is not served here; closest: gpt-4o/);
    const e2 = await anthropic()
      .messages.create({ model: 'claude-sonet', max_tokens: 5, messages: hello })
      .catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(Anthropic.NotFoundError);
    expect((e2 as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error', message: expect.stringMatching(/closest: claude-sonnet/) },
    });
    expect(mocks.openai.requests.length + mocks.anthropic.requests.length).toBe(0);
  });

  it('an internal model cannot be asked for directly', async () => {
    const e = await openai()
      .chat.completions.create({ model: 'haiku-internal', messages: hello })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e as Error).message).not.toContain('haiku-internal;');
  });

  it('allowedModels: a key limited to gpt-4o and openai/* is refused other models', async () => {
    const ok = await openai(LIMITED_KEY).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: hello });
    expect(ok.choices[0]!.message.content).toBe(OPENAI_TEXT);
    const e = await anthropic(LIMITED_KEY)
      .messages.create({ model: 'claude-sonnet', max_tokens: 5, messages: hello })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(mocks.anthropic.requests).toHaveLength(0);
  });

  it('without a valid key: 401', async () => {
    const e = await openai('sk-wrong')
      .chat.completions.create({ model: 'gpt-4o', messages: hello })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('/v1/models lists the public models and virtual models, in each SDK’s format, filtered by the key', async () => {
    const all = (await openai().models.list()).data.map((m) => m.id);
    expect(all).toEqual(['gpt-4o', 'claude-sonnet', 'anthropic/*', 'openai/*', 'auto', 'split', 'router']);
    const limited = (await openai(LIMITED_KEY).models.list()).data.map((m) => m.id);
    expect(limited).toEqual(['gpt-4o', 'openai/*']);
    expect(await openai().models.retrieve('gpt-4o')).toMatchObject({ id: 'gpt-4o', object: 'model', owned_by: 'openai' });
    // (the SDK would encode the slash as %2F, which the HTTP edge refuses by default)
    const one = await fetch(`http://127.0.0.1:${PORT}/v1/models/anthropic/claude-opus-4-1`, {
      headers: { authorization: `Bearer ${TEAM_KEY}` },
    });
    expect(await one.json()).toMatchObject({ id: 'anthropic/claude-opus-4-1', object: 'model', owned_by: 'anthropic' });
    await expect(openai(LIMITED_KEY).models.retrieve('claude-sonnet')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect(await anthropic().models.retrieve('split')).toMatchObject({ type: 'model', id: 'split' });
    const page = await anthropic().models.list();
    expect(page.data.map((m) => m.id)).toEqual(all);
    expect(page.data[0]).toMatchObject({ type: 'model', display_name: all[0] });
    expect(mocks.openai.requests.length + mocks.anthropic.requests.length).toBe(0);
  });
});

describe('other paths', () => {
  it('count_tokens: Anthropic counts its own models; the gateway counts for OpenAI models', async () => {
    mocks.anthropic.handler = (req, res) => sendJson(res, 200, { input_tokens: req.json.model === 'claude-sonnet-4-5-20250929' ? 42 : -1 });
    const a = await anthropic().messages.countTokens({ model: 'claude-sonnet', messages: hello });
    expect(a.input_tokens).toBe(42);
    expect(mocks.anthropic.last.path).toBe('/v1/messages/count_tokens');
    expect(mocks.anthropic.last.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    const o = await anthropic().messages.countTokens({
      model: 'gpt-4o',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'Count the tokens of this sentence, please.' }],
    });
    // o200k: 4 tokens of system, 9 of the message, 3 framing per message and 3 for the reply
    expect(o.input_tokens).toBe(4 + 9 + 3 + 3);
    expect(mocks.openai.requests).toHaveLength(0);
  });

  it('other paths pass through to the model’s provider (embeddings), untouched, with the provider key', async () => {
    mocks.openai.handler = (req, res) =>
      sendJson(res, 200, {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.5] }],
        model: req.json.model,
        usage: { prompt_tokens: 1, total_tokens: 1 },
      });
    const r = await openai().embeddings.create({ model: 'gpt-4o', input: 'hi', encoding_format: 'float' });
    expect(r.data[0]!.embedding).toEqual([0.5]);
    const up = mocks.openai.last;
    expect(up.path).toBe('/v1/embeddings');
    expect(up.json).toEqual({ model: 'gpt-4o', input: 'hi', encoding_format: 'float' });
    expect(up.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('a request without a model is a 400 naming the field', async () => {
    const r = await fetch(`http://127.0.0.1:${PORT}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEAM_KEY}` },
      body: JSON.stringify({ messages: hello }),
    });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: { param: string } }).error.param).toBe('model');
  });

  it('the admin API shows the models with their providers and health', async () => {
    const rt = (await (await fetch(`http://127.0.0.1:${ADMIN}/api/runtime`)).json()) as any;
    expect(rt.llm.ports).toEqual([{ port: PORT, listening: true, inflight: 0 }]);
    const byName = Object.fromEntries(rt.llm.models.map((m: any) => [m.name, m]));
    expect(byName['gpt-4o'].backend).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-2024-08-06',
      target: 'https://api.openai.com:443',
    });
    expect(byName['haiku-internal'].visibility).toBe('internal');
    expect(rt.llm.virtualModels.map((v: any) => [v.name, v.kind])).toEqual([
      ['auto', 'failover'],
      ['split', 'weighted'],
      ['router', 'conditional'],
    ]);
    expect(JSON.stringify(rt)).not.toContain(OPENAI_KEY);
    expect(JSON.stringify(rt)).not.toContain(TEAM_KEY);
  });
});
