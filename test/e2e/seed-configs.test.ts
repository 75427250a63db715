// The migration guide's two configs, unchanged, served by the real CLI and driven by the
// official OpenAI and Anthropic SDKs. Provider hosts are pointed at TLS mock upstreams with
// --connect-to; assertions look at what the upstream actually received.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { onFreePorts } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { ANTHROPIC_TEXT, OPENAI_TEXT } from '../helpers/provider-formats.js';
import { waitUntil } from '../helpers/wait.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

const OPENAI_KEY = 'sk-openai-gateway-secret-1';
const ANTHROPIC_KEY = 'sk-ant-gateway-secret-2';

const mocks = useProviderMocks();
// The guide's files as written, but for the bind ports, moved to free ones.
const step2 = await onFreePorts('configs/step2-multi-provider/agentgateway.yaml');
const step1 = await onFreePorts('configs/step1-basic-routing/agentgateway.yaml');
const S2 = step2.port(3000);
const [S1A, S1B] = [step1.port(3000), step1.port(3001)];

function startGateway(config: string): Promise<GatewayProcess> {
  return GatewayProcess.start({
    args: ['-f', config, ...mocks.args()],
    env: { OPENAI_API_KEY: OPENAI_KEY, ANTHROPIC_API_KEY: ANTHROPIC_KEY },
  });
}

describe('step 2: both providers on one port', () => {
  let gw: GatewayProcess;
  const openai = new OpenAI({ baseURL: `http://127.0.0.1:${S2}/openai/v1`, apiKey: 'client-key-must-not-leak', maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${S2}/anthropic`, apiKey: 'client-key-must-not-leak', maxRetries: 0 });

  beforeAll(async () => {
    gw = await startGateway(step2.file);
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    expect(gw.output).not.toContain(OPENAI_KEY);
    expect(gw.output).not.toContain(ANTHROPIC_KEY);
  });

  it('logs a one-line deprecation notice per old shape', () => {
    expect(gw.output).toMatch(/step2-multi-provider\/agentgateway\.yaml:5:13: `match: \{path: X\}` is deprecated \(2 places\)/);
    expect(gw.output).toMatch(/`ai\.routes` is deprecated \(2 places\)/);
  });

  it('chat completion through /openai with the provider model and injected key', async () => {
    const r = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 50,
    });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(r.usage?.total_tokens).toBe(29);
    const up = mocks.openai.last;
    expect(up.method).toBe('POST');
    expect(up.path).toBe('/v1/chat/completions');
    expect(up.headers.host).toBe('api.openai.com');
    expect(up.json.model).toBe('gpt-4o');
    expect(up.json.messages).toEqual([{ role: 'user', content: 'Hello' }]);
    expect(up.json.max_tokens).toBe(50);
    expect(up.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(JSON.stringify(up.headers)).not.toContain('client-key-must-not-leak');
  });

  it('streams chat completion chunks through /openai', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    let chunks = 0;
    for await (const c of stream) {
      chunks++;
      text += c.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(OPENAI_TEXT);
    expect(chunks).toBeGreaterThanOrEqual(10);
    expect(mocks.openai.last.json.stream).toBe(true);
    expect(mocks.openai.last.json.model).toBe('gpt-4o');
  });

  it('passes /openai/v1/models through with the prefix stripped', async () => {
    const models = await openai.models.list();
    expect(models.data[0]!.id).toBe('gpt-4o');
    expect(mocks.openai.last.method).toBe('GET');
    expect(mocks.openai.last.path).toBe('/v1/models');
    expect(mocks.openai.last.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
  });

  it('native messages through /anthropic with x-api-key and anthropic-version', async () => {
    const m = await anthropic.messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(m.content[0]).toEqual({ type: 'text', text: ANTHROPIC_TEXT });
    expect(m.usage.input_tokens).toBe(2095);
    const up = mocks.anthropic.last;
    expect(up.path).toBe('/v1/messages');
    expect(up.headers.host).toBe('api.anthropic.com');
    expect(up.json.model).toBe('claude-sonnet-4-5-20250929');
    expect(up.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    expect(up.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(up.headers.authorization).toBeUndefined();
    expect(JSON.stringify(up.headers)).not.toContain('client-key-must-not-leak');
  });

  it('adds anthropic-version 2023-06-01 when the client sends none (curl from the guide)', async () => {
    const r = await fetch(`http://127.0.0.1:${S2}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5-20251001', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).content[0].text).toBe(ANTHROPIC_TEXT);
    expect(mocks.anthropic.last.headers['anthropic-version']).toBe('2023-06-01');
    expect(mocks.anthropic.last.headers['x-api-key']).toBe(ANTHROPIC_KEY);
  });

  it("keeps the client's own anthropic-version", async () => {
    await fetch(`http://127.0.0.1:${S2}/anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'anthropic-version': '2099-01-01' },
      body: JSON.stringify({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(mocks.anthropic.last.headers['anthropic-version']).toBe('2099-01-01');
  });

  it('streams native messages through /anthropic (SDK stream helper)', async () => {
    const stream = anthropic.messages.stream({ model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const final = await stream.finalMessage();
    expect(deltas.join('')).toBe(ANTHROPIC_TEXT);
    expect(final.content[0]).toMatchObject({ type: 'text', text: ANTHROPIC_TEXT });
    expect(final.usage.output_tokens).toBe(15);
    expect(mocks.anthropic.last.json.stream).toBe(true);
    expect(mocks.anthropic.last.json.model).toBe('claude-sonnet-4-5-20250929');
  });

  it('a client that disconnects mid-stream aborts the upstream request', async () => {
    mocks.openai.eventDelayMs = 200;
    const controller = new AbortController();
    const stream = await openai.chat.completions.create(
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], stream: true },
      { signal: controller.signal },
    );
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    controller.abort();
    await it.next().catch(() => undefined);
    const up = mocks.openai.last;
    await waitUntil(() => up.aborted, 3000);
    expect(up.finished).toBe(false);
  });

  it('rejects a malformed JSON body with 400 in OpenAI format, without calling upstream', async () => {
    const r = await fetch(`http://127.0.0.1:${S2}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": "gpt-4o", "messages": [',
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as any;
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toMatch(/not valid JSON/);
    expect(mocks.openai.requests).toHaveLength(0);
  });

  it('rejects malformed JSON on the messages route in Anthropic format', async () => {
    const r = await fetch(`http://127.0.0.1:${S2}/anthropic/v1/messages`, { method: 'POST', body: 'nope' });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(mocks.anthropic.requests).toHaveLength(0);
  });

  it('rejects a body over the 16 MiB default with 413 before reading it', async () => {
    const big = Buffer.alloc(17 * 1024 * 1024, 0x61);
    const r = await fetch(`http://127.0.0.1:${S2}/openai/v1/chat/completions`, { method: 'POST', body: big });
    expect(r.status).toBe(413);
    expect(((await r.json()) as any).error.message).toMatch(/exceeds the limit of 16777216 bytes/);
    expect(mocks.openai.requests).toHaveLength(0);
  });

  it('the SDKs surface gateway errors as typed API errors', async () => {
    mocks.openai.handler = (_req, res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }));
    };
    const err = await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
  });
});

describe('step 1: two binds', () => {
  let gw: GatewayProcess;

  beforeAll(async () => {
    gw = await startGateway(step1.file);
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('routes /openai on :3000 with gpt-4o-mini', async () => {
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${S1A}/openai/v1`, apiKey: 'x', maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: 'whatever', messages: [{ role: 'user', content: 'Hello' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(mocks.openai.last.json.model).toBe('gpt-4o-mini');
  });

  it('routes every path on :3001 to Anthropic with claude-haiku', async () => {
    const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${S1B}`, apiKey: 'x', maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] });
    expect(m.content[0]).toMatchObject({ text: ANTHROPIC_TEXT });
    expect(mocks.anthropic.last.json.model).toBe('claude-haiku-4-5-20251001');
    expect(mocks.anthropic.last.headers['x-api-key']).toBe(ANTHROPIC_KEY);
  });

  it('answers 404 in OpenAI format for an unrouted path on :3000', async () => {
    const r = await fetch(`http://127.0.0.1:${S1A}/nowhere`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as any).error.message).toBe('no route for GET /nowhere');
  });

  it('answers 503 when the upstream is unreachable', async () => {
    const port = mocks.openai.port;
    await mocks.openai.close();
    try {
      const r = await fetch(`http://127.0.0.1:${S1A}/openai/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(r.status).toBe(503);
      expect(((await r.json()) as any).error.message).toMatch(/unreachable/);
    } finally {
      mocks.openai = await MockUpstream.startOn(port);
    }
  });
});
