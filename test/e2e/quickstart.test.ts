// `npm start` on a fresh machine: no keys, no internet, a real answer from /mock in both
// formats, streaming included; and graceful shutdown that lets a stream finish.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MOCK_RESPONSE } from '../../src/llm/providers/mock.js';
import { GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import { freePort, onFreePorts } from '../helpers/ports.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

// What `npm start` serves, but for the bind port, moved to a free one.
const quickstart = await onFreePorts('configs/quickstart.yaml');
const QS = quickstart.port(3000);
const DRAIN = await freePort();

describe('quickstart config', () => {
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await GatewayProcess.start({ args: ['-f', quickstart.file] });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('starts with no keys, warning that /openai and /anthropic have none', () => {
    expect(gw.output).toMatch(/backendAuth\.key is empty/);
  });

  it('answers the README curl (OpenAI format) from the mock provider', async () => {
    const r = await fetch(`http://127.0.0.1:${QS}/mock/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'any', messages: [{ role: 'user', content: 'Hello' }] }),
    });
    expect(r.status).toBe(200);
    const body = (await r.json()) as any;
    expect(body.object).toBe('chat.completion');
    expect(body.model).toBe('mock-gpt');
    expect(body.choices[0].message.content).toBe(DEFAULT_MOCK_RESPONSE);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  it('streams to the openai SDK with usage when asked', async () => {
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${QS}/mock/v1`, apiKey: 'unused', maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(DEFAULT_MOCK_RESPONSE);
    expect(usage?.completion_tokens).toBe(DEFAULT_MOCK_RESPONSE.split(' ').length);
  });

  it('answers the Anthropic SDK, streaming and not', async () => {
    const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${QS}/mock`, apiKey: 'unused', maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
    expect(m.content[0]).toMatchObject({ type: 'text', text: DEFAULT_MOCK_RESPONSE });
    const final = await anthropic.messages
      .stream({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: DEFAULT_MOCK_RESPONSE });
    expect(final.stop_reason).toBe('end_turn');
  });

  it('the mock validates like the real API (Anthropic needs max_tokens)', async () => {
    const r = await fetch(`http://127.0.0.1:${QS}/mock/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(r.status).toBe(400);
    expect(await r.json()).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: '`max_tokens` is required' } });
  });

  it('lists the mock model on /v1/models', async () => {
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${QS}/mock/v1`, apiKey: 'unused', maxRetries: 0 });
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['mock-gpt']);
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM stops accepting, lets an in-flight stream finish, then exits 0', async () => {
    const cfg = JSON.stringify({
      binds: [
        {
          port: DRAIN,
          listeners: [
            {
              routes: [
                { backends: [{ ai: { name: 'slow', provider: { mock: { response: 'one two three four five', tokensPerSecond: 10 } } } }] },
              ],
            },
          ],
        },
      ],
    });
    const gw = await GatewayProcess.start({ args: ['-c', cfg] });
    const res = await fetch(`http://127.0.0.1:${DRAIN}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const reader = res.body!.getReader();
    await reader.read();
    const stopped = gw.stop('SIGTERM');
    await gw.waitFor('draining');
    // the listener is closed: new connections are refused
    await expect(fetch(`http://127.0.0.1:${DRAIN}/v1/models`)).rejects.toThrow();
    let rest = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      rest += new TextDecoder().decode(value);
    }
    expect(rest).toContain('data: [DONE]');
    expect(await stopped).toBe(0);
    expect(gw.output).toContain('shutdown complete');
  });
});
