// Translation through the real gateway, both directions, with the official SDKs as clients:
// OpenAI clients on Anthropic (/anthropic/v1/chat/completions, the guide's headline), and
// Anthropic clients on OpenAI (a `messages` route on an `openAI` provider).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { sendJson } from '../helpers/mock-upstream.js';
import { onFreePorts } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import {
  ANTHROPIC_TEXT,
  ANTHROPIC_TOOL_ARGS,
  anthropicErrorStream,
  anthropicToolMessage,
  anthropicToolStream,
  OPENAI_TEXT,
  OPENAI_TOOL_ARGS,
  openaiToolStream,
} from '../helpers/provider-formats.js';

const mocks = useProviderMocks();
// The example configs as written, but for the bind port, moved to a free one.
const step2 = await onFreePorts('configs/step2-multi-provider/agentgateway.yaml');
const reverse = await onFreePorts('configs/anthropic-clients-on-openai.yaml');
const keys = { OPENAI_API_KEY: 'sk-openai-translate', ANTHROPIC_API_KEY: 'sk-ant-translate' };

function start(config: string): Promise<GatewayProcess> {
  return GatewayProcess.start({ args: ['-f', config, ...mocks.args()], env: keys });
}

const tools: OpenAI.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Weather for a place',
      parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
    },
  },
  { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { timezone: { type: 'string' } } } } },
];

describe('OpenAI clients on Anthropic: /anthropic/v1/chat/completions (step 2 config)', () => {
  let gw: GatewayProcess;
  const openai = new OpenAI({ baseURL: `http://127.0.0.1:${step2.port(3000)}/anthropic/v1`, apiKey: 'client', maxRetries: 0 });

  beforeAll(async () => {
    gw = await start(step2.file);
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('translates the request to Anthropic Messages on /v1/messages', async () => {
    const r = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'developer', content: 'Answer in English.' },
        { role: 'user', content: 'Hello' },
      ],
      max_completion_tokens: 64,
      stop: ['END'],
      temperature: 0.2,
      user: 'user-42',
    });
    expect(r.object).toBe('chat.completion');
    expect(r.choices[0]!.message).toMatchObject({ role: 'assistant', content: ANTHROPIC_TEXT });
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.usage).toMatchObject({ prompt_tokens: 2095, completion_tokens: 503, total_tokens: 2598 });
    const up = mocks.anthropic.last;
    expect(up.path).toBe('/v1/messages');
    expect(up.headers['x-api-key']).toBe(keys.ANTHROPIC_API_KEY);
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(up.headers.authorization).toBeUndefined();
    expect(up.json).toMatchObject({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 64,
      system: 'Be brief.\nAnswer in English.',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      stop_sequences: ['END'],
      temperature: 0.2,
      metadata: { user_id: 'user-42' },
    });
  });

  // The upstreams send `cache-control: no-cache` on their streams; the gateway sets its own and
  // must not pass the upstream's through as a second header.
  it('a stream carries one cache-control header, translated (/anthropic) and same-format (/openai)', async () => {
    const body = JSON.stringify({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for (const prefix of ['/anthropic', '/openai']) {
      const res = await fetch(`http://127.0.0.1:${step2.port(3000)}${prefix}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer client' },
        body,
      });
      await res.text();
      expect(res.status).toBe(200);
      // fetch joins repeated headers with ", "
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });

  it('non-streaming tool use comes back as tool_calls with JSON-string arguments and cached tokens', async () => {
    mocks.anthropic.handler = (req, res) => sendJson(res, 200, anthropicToolMessage(req.json));
    const r = await openai.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Weather and time in SF?' }],
      tools,
      tool_choice: 'required',
    });
    const msg = r.choices[0]!.message;
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(msg.content).toBe('Let me check both.');
    expect(msg.tool_calls!.map((t) => (t.type === 'function' ? [t.id, t.function.name, JSON.parse(t.function.arguments)] : null))).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', JSON.parse(ANTHROPIC_TOOL_ARGS[0]!)],
      ['toolu_02A9x1fJ34qAmk2tNTrN8Zz7', 'get_time', JSON.parse(ANTHROPIC_TOOL_ARGS[1]!)],
    ]);
    // total prompt = 472 fresh + 100 cache reads + 50 cache writes
    expect(r.usage?.prompt_tokens).toBe(622);
    expect(r.usage?.prompt_tokens_details?.cached_tokens).toBe(100);
    const up = mocks.anthropic.last.json;
    expect(up.tool_choice).toEqual({ type: 'any' });
    expect(up.tools[0]).toEqual({
      name: 'get_weather',
      description: 'Weather for a place',
      input_schema: tools[0]!.type === 'function' ? tools[0]!.function.parameters : {},
    });
  });

  it('streams a parallel tool-calling turn: accumulated arguments equal what the upstream emitted', async () => {
    mocks.anthropic.handler = (req, res) => mocks.anthropic.stream(res, anthropicToolStream(req.json));
    const stream = await openai.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Weather and time in SF?' }],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const args: Record<number, string> = {};
    const names: Record<number, string> = {};
    const ids: Record<number, string> = {};
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    let first = true;
    for await (const c of stream) {
      if (first) {
        expect(c.choices[0]?.delta.role).toBe('assistant');
        first = false;
      }
      if (c.usage) usage = c.usage;
      const ch = c.choices[0];
      if (!ch) continue;
      text += ch.delta.content ?? '';
      for (const t of ch.delta.tool_calls ?? []) {
        if (t.id) ids[t.index] = t.id;
        if (t.function?.name) names[t.index] = t.function.name;
        args[t.index] = (args[t.index] ?? '') + (t.function?.arguments ?? '');
      }
      finish = ch.finish_reason ?? finish;
    }
    expect(text).toBe('Let me check both.');
    expect(names).toEqual({ 0: 'get_weather', 1: 'get_time' });
    expect(ids).toEqual({ 0: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', 1: 'toolu_02A9x1fJ34qAmk2tNTrN8Zz7' });
    expect(args).toEqual({ 0: ANTHROPIC_TOOL_ARGS[0], 1: ANTHROPIC_TOOL_ARGS[1] });
    expect(finish).toBe('tool_calls');
    expect(usage).toMatchObject({ prompt_tokens: 572, completion_tokens: 89 });
    expect(usage?.prompt_tokens_details?.cached_tokens).toBe(100);
  });

  it('the SDK stream helper assembles the same tool calls (finalChatCompletion)', async () => {
    mocks.anthropic.handler = (req, res) => mocks.anthropic.stream(res, anthropicToolStream(req.json));
    const final = await openai.chat.completions
      .stream({ model: 'x', messages: [{ role: 'user', content: 'x' }], tools })
      .finalChatCompletion();
    const calls = final.choices[0]!.message.tool_calls!;
    expect(calls.map((c) => (c.type === 'function' ? c.function.arguments : ''))).toEqual(ANTHROPIC_TOOL_ARGS);
  });

  it('an upstream error event mid-stream becomes an OpenAI error event, never a clean end', async () => {
    mocks.anthropic.handler = (req, res) => mocks.anthropic.stream(res, anthropicErrorStream(req.json));
    const r = await fetch(`http://127.0.0.1:${step2.port(3000)}/anthropic/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(text).toContain('"error"');
    expect(text).toContain('Overloaded');
    expect(text).not.toContain('[DONE]');
    const stream = await openai.chat.completions.create({ model: 'x', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    await expect(
      (async () => {
        for await (const _ of stream) void _;
      })(),
    ).rejects.toThrow(/Overloaded/);
  });

  it('an upstream connection dropped mid-stream ends with an error event, not [DONE]', async () => {
    mocks.anthropic.handler = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(anthropicErrorStream(req.json).slice(0, 4).join(''));
      setTimeout(() => res.destroy(), 50);
    };
    const r = await fetch(`http://127.0.0.1:${step2.port(3000)}/anthropic/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', stream: true, messages: [{ role: 'user', content: 'Hi' }] }),
    });
    const text = await r.text().catch((e: Error) => `transport error: ${e.message}`);
    expect(text).toMatch(/"error"/);
    expect(text).not.toContain('[DONE]');
  });

  it('Anthropic 529 overloaded becomes a 503-class OpenAI error with the message kept', async () => {
    mocks.anthropic.handler = (_req, res) =>
      sendJson(res, 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const err = (await openai.chat.completions
      .create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(503);
    expect(err.message).toContain('Overloaded');
  });

  it('a part Anthropic cannot take is a 400 naming the field, not a silent drop', async () => {
    const err = (await openai.chat.completions
      .create({
        model: 'x',
        messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
      })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/messages\[0\]\.content\[0\]/);
    expect(mocks.anthropic.requests).toHaveLength(0);
  });
});

describe('Anthropic clients on OpenAI: a messages route on an openAI provider', () => {
  let gw: GatewayProcess;
  const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${reverse.port(3000)}`, apiKey: 'client', maxRetries: 0 });

  beforeAll(async () => {
    gw = await start(reverse.file);
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
  });

  it('non-streaming: messages.create answered by chat completions', async () => {
    const m = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
    });
    expect(m.type).toBe('message');
    expect(m.role).toBe('assistant');
    expect(m.content).toEqual([{ type: 'text', text: OPENAI_TEXT }]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage).toMatchObject({ input_tokens: 19, output_tokens: 10 });
    const up = mocks.openai.last;
    expect(up.path).toBe('/v1/chat/completions');
    expect(up.headers.authorization).toBe(`Bearer ${keys.OPENAI_API_KEY}`);
    expect(up.json.model).toBe('gpt-4o');
    expect(up.json.max_completion_tokens).toBe(100);
    expect(up.json.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('streaming with the SDK stream() helper and finalMessage(), usage exact', async () => {
    const stream = anthropic.messages.stream({ model: 'x', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    const final = await stream.finalMessage();
    expect(text).toBe(OPENAI_TEXT);
    expect(final.content).toHaveLength(1);
    expect(final.content[0]).toMatchObject({ type: 'text', text: OPENAI_TEXT });
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(10);
    expect(final.usage.input_tokens).toBe(19);
    // usage was asked for upstream even though the Anthropic client cannot ask
    expect(mocks.openai.last.json.stream_options).toEqual({ include_usage: true });
  });

  it('streams tool use as tool_use blocks with input_json_delta', async () => {
    mocks.openai.handler = (req, res) => mocks.openai.stream(res, openaiToolStream(req.json));
    const stream = anthropic.messages.stream({
      model: 'x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    });
    let json = '';
    stream.on('inputJson', (partial) => (json += partial));
    const final = await stream.finalMessage();
    expect(json).toBe(OPENAI_TOOL_ARGS);
    const block = final.content.find((b) => b.type === 'tool_use');
    expect(block).toMatchObject({
      type: 'tool_use',
      id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA',
      name: 'get_weather',
      input: JSON.parse(OPENAI_TOOL_ARGS),
    });
    expect(final.stop_reason).toBe('tool_use');
    // 82 prompt tokens of which 64 cached: Anthropic counts 18 fresh input tokens
    expect(final.usage).toMatchObject({ input_tokens: 18, output_tokens: 17, cache_read_input_tokens: 64 });
    expect(mocks.openai.last.json.tools).toEqual([
      { type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } },
    ]);
  });

  it('OpenAI errors come back as Anthropic errors with the status kept', async () => {
    mocks.openai.handler = (_req, res) =>
      sendJson(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    const err = (await anthropic.messages
      .create({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'Hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect(err.message).toContain('Incorrect API key provided');
  });
});
