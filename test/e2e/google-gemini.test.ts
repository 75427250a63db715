// The `gemini` provider through the real gateway (configs/gemini.yaml) against a mock of the
// Gemini API speaking its documented wire format, with the official OpenAI, Anthropic and Google
// GenAI SDKs as clients: translation both ways (streams, tools, thinking, usage), the native
// pass-through, embeddings, Google's OpenAI-compatible endpoint, errors in each dialect, and the
// API key kept out of everything the gateway writes.
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { GEMINI_TEXT } from '../helpers/google-formats.js';
import { GEMINI_KEY, useGoogleMocks } from '../helpers/google-mocks.js';
import { freePort, onFreePorts } from '../helpers/ports.js';
import { OPENAI_TEXT } from '../helpers/provider-formats.js';

const google = useGoogleMocks();
let gw: GatewayProcess;
// configs/gemini.yaml as written, but for its bind port, moved to a free one.
const config = await onFreePorts('configs/gemini.yaml');
const base = `http://127.0.0.1:${config.port(3000)}/gemini`;
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'client-key', maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: base, apiKey: 'client-key', maxRetries: 0 });
const genai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: base } });

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather for a place',
    parameters: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
  },
};

beforeAll(async () => {
  gw = await GatewayProcess.start({
    args: ['-f', config.file, ...google.args()],
    env: { GEMINI_API_KEY: GEMINI_KEY },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  // The key never appears in what the gateway wrote (logs, access log, errors).
  expect(gw.output).not.toContain(GEMINI_KEY);
  expect(gw.output).not.toContain(GEMINI_KEY.slice(4, 20));
});

describe('OpenAI SDK on gemini: /v1/chat/completions -> generateContent', () => {
  it('translates the request and answers a chat.completion with reasoning and usage', async () => {
    const r = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_completion_tokens: 256,
      temperature: 0.2,
      reasoning_effort: 'low',
    });
    expect(r.choices[0]!.message.content).toBe(GEMINI_TEXT);
    expect((r.choices[0]!.message as unknown as { reasoning_content: string }).reasoning_content).toBe('Thinking about a greeting.');
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.model).toBe('gemini-2.5-flash');
    expect(r.usage).toMatchObject({
      prompt_tokens: 8,
      completion_tokens: 21,
      total_tokens: 29,
      prompt_tokens_details: { cached_tokens: 2 },
      completion_tokens_details: { reasoning_tokens: 12 },
    });
    const up = google.api.last;
    expect(up.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(up.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(up.headers.authorization).toBeUndefined();
    expect(up.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 256, temperature: 0.2, thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } },
    });
  });

  it('streams chunks from streamGenerateContent?alt=sse, with the usage chunk when asked', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(GEMINI_TEXT);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 21, prompt_tokens_details: { cached_tokens: 2 } });
    expect(google.api.last.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('round-trips a tool call: functionDeclarations out, tool_calls back, the thought signature kept for the next turn', async () => {
    const first = await openai.chat.completions.create({
      model: 'gemini-3-pro-preview',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weather],
      tool_choice: 'required',
    });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call.function).toEqual({ name: 'get_weather', arguments: '{"location":"Paris"}' });
    expect(call.id).toMatch(/__thought__CiQBVKhc7sig$/);
    expect(google.api.last.json.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather for a place', parametersJsonSchema: weather.function.parameters },
        ],
      },
    ]);
    expect(google.api.last.json.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY' } });

    const second = await openai.chat.completions.create({
      model: 'gemini-3-pro-preview',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        first.choices[0]!.message as OpenAI.ChatCompletionAssistantMessageParam,
        { role: 'tool', tool_call_id: call.id, content: '18°C, sunny' },
      ],
      tools: [weather],
    });
    expect(second.choices[0]!.message.content).toBe(GEMINI_TEXT);
    expect(google.api.last.json.contents).toEqual([
      { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { location: 'Paris' } }, thoughtSignature: 'CiQBVKhc7sig' }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: '18°C, sunny' } } }] },
    ]);
  });

  it('refuses what Gemini cannot read with a 400 naming the field, before any upstream call', async () => {
    const err = await openai.chat.completions
      .create({
        model: 'gemini-2.5-flash',
        messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({ param: 'messages[0].content[0].image_url.url' });
    expect(google.api.requests).toHaveLength(0);
  });

  it("answers Google's errors in OpenAI's dialect with the status kept", async () => {
    const upstream = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gemini-x/../../v1/other', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    // The model id is escaped into one path segment; Google answers 404, the client gets it in OpenAI form.
    expect(google.api.last.path).toBe('/v1beta/models/gemini-x%2F..%2F..%2Fv1%2Fother:generateContent');
    expect(upstream.status).toBe(404);
    expect(await upstream.json()).toMatchObject({ error: { type: 'not_found_error', message: expect.stringContaining('not found') } });
  });
});

describe('Anthropic SDK on gemini: /v1/messages -> generateContent', () => {
  it('answers an Anthropic message with thinking, text and usage split as Anthropic counts', async () => {
    const m = await anthropic.messages.create({
      model: 'gemini-2.5-flash',
      max_tokens: 512,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(m.content).toEqual([
      { type: 'thinking', thinking: 'Thinking about a greeting.', signature: '' },
      { type: 'text', text: GEMINI_TEXT },
    ]);
    expect(m.stop_reason).toBe('end_turn');
    expect(m.usage).toMatchObject({ input_tokens: 6, cache_read_input_tokens: 2, output_tokens: 21 });
    expect(google.api.last.json.generationConfig).toEqual({
      maxOutputTokens: 512,
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    });
  });

  it('streams Anthropic events (the SDK assembles the final message)', async () => {
    const stream = anthropic.messages.stream({
      model: 'gemini-2.5-flash',
      max_tokens: 128,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const m = await stream.finalMessage();
    expect(m.content).toEqual([{ type: 'text', text: GEMINI_TEXT }]);
    expect(m.usage).toMatchObject({ input_tokens: 6, output_tokens: 21, cache_read_input_tokens: 2 });
    expect(google.api.last.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('streams a tool_use whose input the SDK parses', async () => {
    const stream = anthropic.messages.stream({
      model: 'gemini-2.5-flash',
      max_tokens: 128,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    });
    const m = await stream.finalMessage();
    expect(m.stop_reason).toBe('tool_use');
    expect(m.content[0]).toMatchObject({ type: 'tool_use', name: 'get_weather', input: { location: 'Paris' } });
  });
});

describe('Google GenAI SDK on gemini: native generateContent passes through', () => {
  it('generateContent and generateContentStream reach the Gemini API as the client wrote them', async () => {
    const r = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello', config: { temperature: 0.5 } });
    expect(r.text).toBe(GEMINI_TEXT);
    expect(r.usageMetadata).toMatchObject({ promptTokenCount: 8, candidatesTokenCount: 9, thoughtsTokenCount: 12 });
    const up = google.api.last;
    expect(up.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(up.headers['x-goog-api-key']).toBe(GEMINI_KEY); // the gateway's key, not the client's
    expect(up.json).toEqual({ contents: [{ parts: [{ text: 'Hello' }], role: 'user' }], generationConfig: { temperature: 0.5 } });

    let text = '';
    for await (const chunk of await genai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'Hello' }))
      text += chunk.text ?? '';
    expect(text).toBe(GEMINI_TEXT);
    expect(google.api.last.path).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
  });

  it('records usage of native streams in the access log', async () => {
    for await (const _ of await genai.models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'count me' })) void _;
    await gw.waitFor('gen_ai.usage.output_tokens=21');
    expect(gw.output).toMatch(/gen_ai\.provider\.name=gcp\.gemini/);
  });
});

describe('embeddings and the OpenAI-compatible endpoint', () => {
  it('translates /v1/embeddings to :batchEmbedContents, base64 and float alike, usage recorded', async () => {
    const r = await openai.embeddings.create({ model: 'gemini-embedding-001', input: ['first', 'second'] });
    expect(r.data.map((d) => d.embedding)).toEqual([
      [0.25, -0.5, 0.125],
      [0.5, -0.5, 0.125],
    ]);
    expect(r.usage).toEqual({ prompt_tokens: 8, total_tokens: 8 });
    const up = google.api.last;
    expect(up.path).toBe('/v1beta/models/gemini-embedding-001:batchEmbedContents');
    expect(up.json).toEqual({
      requests: [
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'first' }] } },
        { model: 'models/gemini-embedding-001', content: { parts: [{ text: 'second' }] } },
      ],
    });
    const floats = await openai.embeddings.create({ model: 'gemini-embedding-001', input: 'one', encoding_format: 'float', dimensions: 3 });
    expect(floats.data[0]!.embedding).toEqual([0.25, -0.5, 0.125]);
    expect(google.api.last.json.requests[0].outputDimensionality).toBe(3);
    await gw.waitFor('gen_ai.operation.name=embeddings');
  });

  it("passes Google's OpenAI-compatible endpoint through with the key", async () => {
    const compat = new OpenAI({ baseURL: `${base}/v1beta/openai`, apiKey: 'client-key', maxRetries: 0 });
    const r = await compat.chat.completions.create({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(google.api.last.path).toBe('/v1beta/openai/chat/completions');
    expect(google.api.last.headers['x-goog-api-key']).toBe(GEMINI_KEY);
  });
});

const routerPort = await freePort();

describe('gemini in the llm: model router', () => {
  let router: GatewayProcess;
  const routerConfig = [
    'llm:',
    `  port: ${routerPort}`,
    '  models:',
    '  - {name: "gemini-*", provider: gemini, params: {apiKey: "$GEMINI_API_KEY"}}',
    '  - {name: "fast", provider: gemini, params: {model: gemini-2.5-flash-lite, apiKey: "$GEMINI_API_KEY"}}',
  ].join('\n');
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${routerPort}/v1`, apiKey: 'client-key', maxRetries: 0 });

  beforeAll(async () => {
    router = await GatewayProcess.start({ args: ['-c', routerConfig, ...google.args()], env: { GEMINI_API_KEY: GEMINI_KEY } });
  });
  afterAll(async () => {
    expect(await router.stop()).toBe(0);
  });

  it('routes by model to the Gemini API, translated', async () => {
    const r = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.choices[0]!.message.content).toBe(GEMINI_TEXT);
    expect(google.api.last.path).toBe('/v1beta/models/gemini-2.5-flash-lite:generateContent');
    expect(google.api.last.headers['x-goog-api-key']).toBe(GEMINI_KEY);
  });
});
