// Azure OpenAI / Foundry (configs/azure.yaml) and the OpenAI-compatible presets
// (configs/openai-compatible.yaml) through the real gateway, with the OpenAI and Anthropic SDKs,
// streaming and not, against TLS mocks standing in for each provider's host (plain HTTP for the
// local Ollama and vLLM servers): the paths each provider documents, the credential header it
// reads, and no key in the gateway's output.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { ANTHROPIC_TEXT, OPENAI_TEXT } from '../helpers/provider-formats.js';

let tlsMock: MockUpstream;
let plainMock: MockUpstream;
beforeAll(async () => {
  [tlsMock, plainMock] = await Promise.all([MockUpstream.start({ cert: 'aws' }), MockUpstream.start({ tls: false })]);
});
afterAll(async () => {
  await Promise.all([tlsMock.close(), plainMock.close()]);
});
afterEach(() => {
  tlsMock.reset();
  plainMock.reset();
});

const to = (host: string, port: number) => ['--connect-to', `${host}:${port}`];

async function drainText(stream: AsyncIterable<OpenAI.ChatCompletionChunk>): Promise<string> {
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
  return text;
}

describe('Azure (configs/azure.yaml)', () => {
  let gw: GatewayProcess;
  const KEY = 'azure-key-0123456789abcdef0123456789ab';
  const hosts = ['my-resource.openai.azure.com', 'my-foundry.services.ai.azure.com'];

  beforeAll(async () => {
    const args = hosts.flatMap((h) => to(`${h}:443:127.0.0.1`, tlsMock.port));
    gw = await GatewayProcess.start({ args: ['-f', 'configs/azure.yaml', ...args], env: { AZURE_OPENAI_API_KEY: KEY } });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    expect(gw.output).not.toContain(KEY);
  });

  it('v1 API: /openai/v1/chat/completions with the key in api-key, streaming and not', async () => {
    const openai = new OpenAI({ baseURL: 'http://127.0.0.1:3000/azure/v1', apiKey: 'client', maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    const up = tlsMock.last;
    expect(up.path).toBe('/openai/v1/chat/completions');
    expect(up.headers.host).toBe('my-resource.openai.azure.com');
    expect(up.headers['api-key']).toBe(KEY);
    expect(up.headers.authorization).toBeUndefined();
    const text = await drainText(
      await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
    );
    expect(text).toBe(OPENAI_TEXT);
  });

  it('Anthropic clients are translated to chat completions on Azure OpenAI, streaming and not', async () => {
    const anthropic = new Anthropic({ baseURL: 'http://127.0.0.1:3000/azure', apiKey: 'client', maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'gpt-4o', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] });
    expect(m.content).toEqual([{ type: 'text', text: OPENAI_TEXT }]);
    expect(tlsMock.last.path).toBe('/openai/v1/chat/completions');
    const final = await anthropic.messages
      .stream({ model: 'gpt-4o', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: OPENAI_TEXT }]);
    expect(final.usage).toMatchObject({ input_tokens: 19, output_tokens: 10 });
  });

  it('a dated apiVersion uses the deployment path; a client Entra token passes, a client key moves to api-key', async () => {
    const jwt = 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2NvZ25pdGl2ZXNlcnZpY2VzLmF6dXJlLmNvbSJ9.c2lnbmF0dXJl';
    const entra = new OpenAI({ baseURL: 'http://127.0.0.1:3000/azure-deployment/v1', apiKey: jwt, maxRetries: 0 });
    await entra.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'Hi' }] });
    expect(tlsMock.last.path).toBe('/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21');
    expect(tlsMock.last.json.model).toBe('gpt-4o-prod');
    expect(tlsMock.last.headers.authorization).toBe(`Bearer ${jwt}`);
    expect(tlsMock.last.headers['api-key']).toBeUndefined();
    const keyed = new OpenAI({ baseURL: 'http://127.0.0.1:3000/azure-deployment/v1', apiKey: 'client-azure-key-abc', maxRetries: 0 });
    await keyed.chat.completions.create({ model: 'ignored', messages: [{ role: 'user', content: 'Hi' }] });
    expect(tlsMock.last.headers['api-key']).toBe('client-azure-key-abc');
    expect(tlsMock.last.headers.authorization).toBeUndefined();
  });

  it('Foundry: OpenAI models on the project path, Claude natively on /anthropic/v1/messages', async () => {
    const openai = new OpenAI({ baseURL: 'http://127.0.0.1:3000/foundry/v1', apiKey: 'client', maxRetries: 0 });
    await openai.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Hi' }] });
    expect(tlsMock.last.path).toBe('/api/projects/agents/openai/v1/chat/completions');
    expect(tlsMock.last.headers.host).toBe('my-foundry.services.ai.azure.com');
    const anthropic = new Anthropic({ baseURL: 'http://127.0.0.1:3000/foundry', apiKey: 'client', maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] });
    expect(m.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(tlsMock.last.path).toBe('/anthropic/v1/messages');
    expect(tlsMock.last.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/); // the SDK's own version is kept
  });
});

const PRESETS: [string, string, string][] = [
  ['groq', 'api.groq.com', '/openai/v1/chat/completions'],
  ['mistral', 'api.mistral.ai', '/v1/chat/completions'],
  ['deepseek', 'api.deepseek.com', '/v1/chat/completions'],
  ['xai', 'api.x.ai', '/v1/chat/completions'],
  ['openrouter', 'openrouter.ai', '/api/v1/chat/completions'],
  ['togetherai', 'api.together.xyz', '/v1/chat/completions'],
  ['fireworks', 'api.fireworks.ai', '/inference/v1/chat/completions'],
  ['cerebras', 'api.cerebras.ai', '/v1/chat/completions'],
  ['deepinfra', 'api.deepinfra.com', '/v1/openai/chat/completions'],
];

describe('OpenAI-compatible presets (configs/openai-compatible.yaml)', () => {
  let gw: GatewayProcess;
  const env = Object.fromEntries(
    ['GROQ', 'MISTRAL', 'DEEPSEEK', 'XAI', 'OPENROUTER', 'TOGETHER', 'FIREWORKS', 'CEREBRAS', 'DEEPINFRA'].map((p) => [
      `${p}_API_KEY`,
      `key-${p.toLowerCase()}-secret`,
    ]),
  );

  beforeAll(async () => {
    const args = [
      ...PRESETS.flatMap(([, host]) => to(`${host}:443:127.0.0.1`, tlsMock.port)),
      ...to('localhost:11434:127.0.0.1', plainMock.port),
      ...to('localhost:8000:127.0.0.1', plainMock.port),
    ];
    gw = await GatewayProcess.start({ args: ['-f', 'configs/openai-compatible.yaml', ...args], env });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    for (const key of Object.values(env)) expect(gw.output).not.toContain(key);
  });

  for (const [name, host, path] of PRESETS) {
    it(`${name}: ${host}${path} with its Bearer key, streaming and not`, async () => {
      const openai = new OpenAI({ baseURL: `http://127.0.0.1:3000/${name}/v1`, apiKey: 'client', maxRetries: 0 });
      const r = await openai.chat.completions.create({ model: 'some-model', messages: [{ role: 'user', content: 'Hi' }] });
      expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
      expect(tlsMock.last.path).toBe(path);
      expect(tlsMock.last.headers.host).toBe(host);
      const key = Object.entries(env).find(([k]) => k.toLowerCase().startsWith(name.slice(0, 5)))![1];
      expect(tlsMock.last.headers.authorization).toBe(`Bearer ${key}`);
      const text = await drainText(
        await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true }),
      );
      expect(text).toBe(OPENAI_TEXT);
    });
  }

  for (const name of ['ollama', 'vllm']) {
    it(`${name}: the local server over plain HTTP`, async () => {
      const openai = new OpenAI({ baseURL: `http://127.0.0.1:3000/${name}/v1`, apiKey: 'client', maxRetries: 0 });
      const r = await openai.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'Hi' }] });
      expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
      expect(plainMock.last.path).toBe('/v1/chat/completions');
      expect(plainMock.last.headers.host).toBe(name === 'ollama' ? 'localhost:11434' : 'localhost:8000');
    });
  }

  it('Anthropic SDK: translated to chat completions on groq, native Messages on openrouter', async () => {
    const groq = new Anthropic({ baseURL: 'http://127.0.0.1:3000/groq', apiKey: 'client', maxRetries: 0 });
    const final = await groq.messages
      .stream({ model: 'llama-3.3-70b-versatile', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: OPENAI_TEXT }]);
    expect(tlsMock.last.path).toBe('/openai/v1/chat/completions');
    const openrouter = new Anthropic({ baseURL: 'http://127.0.0.1:3000/openrouter', apiKey: 'client', maxRetries: 0 });
    const m = await openrouter.messages.create({
      model: 'anthropic/claude-sonnet-4.5',
      max_tokens: 32,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(m.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(tlsMock.last.path).toBe('/api/v1/messages');
    expect(tlsMock.last.headers.authorization).toBe(`Bearer ${env.OPENROUTER_API_KEY}`);
  });
});
