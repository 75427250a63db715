// Translation conformance (issue 23) through the real gateway with the official SDKs: what
// Claude Code and the SDKs send today reaches OpenAI-format upstreams in a form each model
// family accepts (families/openai.ts), usage from compatible servers is counted once, and a
// pathPrefix with a trailing slash joins cleanly. Upstream streams are the golden fixtures,
// i.e. the providers' documented wire formats byte for byte.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
const mocks = useProviderMocks();
let gw: GatewayProcess;

const CONFIG = `config:
  logging: {format: json}
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: custom-prefix
      matches: [{path: {pathPrefix: /custom}}]
      backends:
      - ai:
          name: openai-custom
          provider: {openAI: {}}
          pathPrefix: /v1/custom/
          policies:
            ai: {routes: {/v1/messages: messages, /v1/chat/completions: completions}}
      policies:
        backendAuth: {key: sk-openai}
    - name: claude
      matches: [{path: {pathPrefix: /claude}}]
      backends:
      - ai:
          name: anthropic
          provider: {anthropic: {}}
          policies:
            ai: {routes: {/v1/messages: messages, /v1/chat/completions: completions}}
      policies:
        backendAuth: {key: sk-ant}
    - name: openai
      backends:
      - ai:
          name: openai
          provider: {openAI: {}}
          policies:
            ai: {routes: {/v1/messages: messages, /v1/chat/completions: completions}}
      policies:
        backendAuth: {key: sk-openai}
`;

/** A golden stream fixture as the SSE events a provider writes. */
function fixtureEvents(provider: 'completions' | 'messages', name: string): string[] {
  const raw = readFileSync(new URL(`../golden/streams/${provider}/${name}.sse`, import.meta.url), 'utf8');
  return raw
    .split('\n\n')
    .filter((e) => e !== '')
    .map((e) => `${e}\n\n`);
}

/** The JSON access-log lines so far. */
function accessLines(): Record<string, any>[] {
  return gw.output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l));
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agw-conformance-'));
  const cfg = join(dir, 'config.yaml');
  writeFileSync(cfg, CONFIG);
  gw = await GatewayProcess.start({ args: ['-f', cfg, ...mocks.args()] });
});

afterAll(async () => {
  expect(await gw.stop()).toBe(0);
});

const anthropic = new Anthropic({ baseURL: BASE, apiKey: 'client', maxRetries: 0 });
const openai = new OpenAI({ baseURL: `${BASE}/v1`, apiKey: 'client', maxRetries: 0 });
const tools: Anthropic.Tool[] = [
  {
    name: 'bash',
    description: 'Run a shell command',
    input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
];
/** Claude Code's mid-conversation system turns are not in the SDK's MessageParam type. */
const systemTurn = (content: unknown): Anthropic.MessageParam => ({ role: 'system', content }) as unknown as Anthropic.MessageParam;

describe('1. a system message inside messages, on an OpenAI backend', () => {
  it('the issue request is answered, the system message converted in place', async () => {
    const m = await anthropic.messages.create({
      model: 'gpt-4o',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'hi' }, systemTurn('be brief')],
    });
    expect(m.type).toBe('message');
    expect(mocks.openai.last.json.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'system', content: 'be brief' },
    ]);
  });

  it('with cache_control, streamed: the text arrives, the marker becomes a breakpoint only where accepted', async () => {
    for (const [model, breakpoint] of [
      ['gpt-4o', false],
      ['gpt-5.6-sol', true],
    ] as const) {
      const stream = anthropic.messages.stream({
        model,
        max_tokens: 256,
        messages: [
          { role: 'user', content: 'Why does the build fail?' },
          { role: 'assistant', content: 'The import path is wrong.' },
          systemTurn([{ type: 'text', text: 'Plan mode is active.', cache_control: { type: 'ephemeral' } }]),
          { role: 'user', content: 'Then propose a fix.' },
        ],
      });
      const final = await stream.finalMessage();
      expect(final.content[0]).toMatchObject({ type: 'text' });
      const part = { type: 'text', text: 'Plan mode is active.', prompt_cache_breakpoint: { mode: 'explicit' } };
      expect(mocks.openai.last.json.messages[2]).toEqual({
        role: 'system',
        content: breakpoint ? [part] : 'Plan mode is active.',
      });
    }
  });
});

describe('2. streamed usage is counted once', () => {
  it('OpenAI SDK on an Anthropic-compatible stream whose first figure already includes cache', async () => {
    mocks.anthropic.handler = (_req, res) => mocks.anthropic.stream(res, fixtureEvents('messages', 'inclusive-start-usage'));
    const claude = new OpenAI({ baseURL: `${BASE}/claude/v1`, apiKey: 'client', maxRetries: 0 });
    const stream = await claude.chat.completions.create({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: 'Why?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    let text = '';
    for await (const c of stream) {
      if (c.usage) usage = c.usage;
      text += c.choices[0]?.delta.content ?? '';
    }
    expect(text).toBe('The test fails because the fixture path changed.');
    expect(usage).toMatchObject({ prompt_tokens: 34347, completion_tokens: 57, total_tokens: 34404 });
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(30464);
    // the gateway's own accounting says the same
    await expect.poll(() => accessLines().at(-1)?.['gen_ai.usage.input_tokens']).toBe(34347);
    expect(accessLines().at(-1)?.['gen_ai.usage.cache_read.input_tokens']).toBe(30464);
  });

  it('OpenAI SDK on a DeepSeek stream (cache hits in prompt_cache_hit_tokens), same format', async () => {
    mocks.openai.handler = (_req, res) => mocks.openai.stream(res, fixtureEvents('completions', 'deepseek-cache'));
    const stream = await openai.chat.completions.create({
      model: 'deepseek-chat',
      messages: [{ role: 'user', content: 'Capital of France?' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) if (c.usage) usage = c.usage;
    expect(usage).toMatchObject({ prompt_tokens: 1520, completion_tokens: 8 });
    await expect.poll(() => accessLines().at(-1)?.['gen_ai.usage.cache_read.input_tokens']).toBe(1408);
    expect(accessLines().at(-1)?.['gen_ai.usage.input_tokens']).toBe(1520);
  });

  it('Anthropic SDK on a Moonshot stream (usage inside the last choice)', async () => {
    mocks.openai.handler = (_req, res) => mocks.openai.stream(res, fixtureEvents('completions', 'kimi-choice-usage'));
    const final = await anthropic.messages
      .stream({ model: 'kimi-k2.6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] })
      .finalMessage();
    expect(final.content).toEqual([{ type: 'text', text: 'Hello! How can I help?' }]);
    expect(final.usage).toMatchObject({ input_tokens: 51, cache_read_input_tokens: 768, output_tokens: 6 });
  });
});

describe('3. pathPrefix with a trailing slash', () => {
  it('joins with the provider path without doubling the slash, both route types', async () => {
    const custom = new OpenAI({ baseURL: `${BASE}/custom/v1`, apiKey: 'client', maxRetries: 0 });
    await custom.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(mocks.openai.last.path).toBe('/v1/custom/chat/completions');
    const customAnthropic = new Anthropic({ baseURL: `${BASE}/custom`, apiKey: 'client', maxRetries: 0 });
    await customAnthropic.messages.create({ model: 'gpt-4o', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] });
    expect(mocks.openai.last.path).toBe('/v1/custom/chat/completions');
  });
});

describe('4. structured output: strict only where strict mode can take the schema', () => {
  it('a schema with an optional property goes without strict; a closed, all-required one with it', async () => {
    const schema = (required: string[]) => ({
      type: 'object',
      properties: { name: { type: 'string' }, nickname: { type: 'string' } },
      required,
      additionalProperties: false,
    });
    const ask = (required: string[]) =>
      anthropic.messages.create({
        model: 'gpt-4o',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'Ada Lovelace' }],
        output_config: { format: { type: 'json_schema', schema: schema(required) } },
      });
    await ask(['name']);
    expect(mocks.openai.last.json.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'structured_output', schema: schema(['name']) },
    });
    await ask(['name', 'nickname']);
    expect(mocks.openai.last.json.response_format.json_schema.strict).toBe(true);
  });
});

describe('5. output_config.effort without thinking', () => {
  it('becomes reasoning_effort only on a model that reasons', async () => {
    const ask = (model: string) =>
      anthropic.messages.create({ model, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], output_config: { effort: 'low' } });
    await ask('gpt-4o');
    expect(mocks.openai.last.json).not.toHaveProperty('reasoning_effort');
    await ask('o3');
    expect(mocks.openai.last.json.reasoning_effort).toBe('low');
  });
});

describe('6. adaptive thinking with tools', () => {
  it('is reasoning_effort none on gpt-5.6 (the only value it takes with tools), kept on gpt-5.2', async () => {
    for (const [model, effort] of [
      ['gpt-5.6-terra', 'none'],
      ['gpt-5.2', 'high'],
    ] as const) {
      await anthropic.messages
        .stream({
          model,
          max_tokens: 2048,
          thinking: { type: 'adaptive' },
          tools,
          messages: [{ role: 'user', content: 'List the files.' }],
        })
        .finalMessage();
      expect(mocks.openai.last.json.reasoning_effort).toBe(effort);
    }
  });
});

describe('7. max_tokens for reasoning-era models', () => {
  it('is sent as max_completion_tokens to o3, and left alone for gpt-4o', async () => {
    await openai.chat.completions.create({ model: 'o3', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(mocks.openai.last.json).toMatchObject({ model: 'o3', max_completion_tokens: 100 });
    expect(mocks.openai.last.json).not.toHaveProperty('max_tokens');
    await openai.chat.completions.create({ model: 'gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] });
    expect(mocks.openai.last.json.max_tokens).toBe(100);
  });
});

describe('8. prompt-cache markers', () => {
  it('become prompt_cache_breakpoint on gpt-5.6 content parts, and are dropped for gpt-5.4', async () => {
    const ask = (model: string) =>
      anthropic.messages.create({
        model,
        max_tokens: 64,
        system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
        messages: [{ role: 'user', content: [{ type: 'text', text: 'What changed?', cache_control: { type: 'ephemeral' } }] }],
      });
    const bp = { prompt_cache_breakpoint: { mode: 'explicit' } };
    await ask('gpt-5.6-sol');
    expect(mocks.openai.last.json.messages).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'You are a coding agent.', ...bp }] },
      { role: 'user', content: [{ type: 'text', text: 'What changed?', ...bp }] },
    ]);
    await ask('gpt-5.4');
    expect(mocks.openai.last.json.messages).toEqual([
      { role: 'system', content: 'You are a coding agent.' },
      { role: 'user', content: 'What changed?' },
    ]);
  });
});
