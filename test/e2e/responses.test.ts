// The `responses` route type with the official OpenAI SDK (`client.responses.create`, streamed and
// not, and the SDK's `responses.stream()` accumulator): passed through to OpenAI with usage, model
// and time to first token read from the answer; translated for Anthropic (and the built-in mock),
// which have no Responses API. Routes have no `routes` map: /v1/responses is in the default map.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { scrape, total } from '../helpers/prometheus.js';
import {
  ANTHROPIC_TEXT,
  ANTHROPIC_TOOL_ARGS,
  anthropicErrorStream,
  anthropicToolStream,
  OPENAI_TEXT,
  openaiResponse,
  openaiResponsesStream,
} from '../helpers/provider-formats.js';
import { sendJson } from '../helpers/mock-upstream.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { waitUntil } from '../helpers/wait.js';

const PORT = await freePort();
const STATS = await freePort();
const OPENAI_KEY = 'sk-responses-openai-key-do-not-log';

const CONFIG = `
config:
  logging: {format: json}
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: openai
      matches: [{path: {pathPrefix: /openai}}]
      backends: [{ai: {name: openai, provider: {openAI: {}}}}]
      policies: {backendAuth: {key: ${OPENAI_KEY}}}
    - name: anthropic
      matches: [{path: {pathPrefix: /anthropic}}]
      backends: [{ai: {name: anthropic, provider: {anthropic: {model: claude-sonnet-4-5-20250929}}}}]
      policies: {backendAuth: {key: sk-ant-responses}}
    - name: mock
      matches: [{path: {pathPrefix: /mock}}]
      backends: [{ai: {name: mock, provider: {mock: {}}}}]
`;

const mocks = useProviderMocks();
let gw: GatewayProcess;
const client = (prefix: string) => new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/${prefix}/v1`, apiKey: 'client-key', maxRetries: 0 });

beforeAll(async () => {
  gw = await GatewayProcess.start({
    args: ['-c', CONFIG, ...mocks.args()],
    env: { STATS_ADDR: `127.0.0.1:${STATS}`, ADMIN_ADDR: 'off', READINESS_ADDR: 'off' },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
});

/** The access-log line of the latest request on `route`, once it is written. */
async function lastAccessLine(route: string, count: number): Promise<Record<string, any>> {
  let lines: Record<string, any>[] = [];
  await waitUntil(
    () => {
      lines = gw.output
        .split('\n')
        .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
        .map((l) => JSON.parse(l) as Record<string, any>)
        .filter((l) => l.route === route);
      return lines.length >= count;
    },
    10_000,
    `access-log line ${count} of route ${route}`,
  );
  return lines.at(-1)!;
}

describe('OpenAI: Responses passed through', () => {
  it('a non-streamed Response reaches the client unchanged, with usage and model recorded', async () => {
    mocks.openai.handler = (req, res) => sendJson(res, 200, openaiResponse(req.json));
    const r = await client('openai').responses.create({ model: 'gpt-4.1', input: 'Tell me a joke', instructions: 'Be brief.' });
    expect(r.output_text).toBe(OPENAI_TEXT);
    expect(mocks.openai.last.path).toBe('/v1/responses');
    expect(mocks.openai.last.json).toEqual({ model: 'gpt-4.1', input: 'Tell me a joke', instructions: 'Be brief.' });
    expect(mocks.openai.last.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    const line = await lastAccessLine('openai', 1);
    expect(line).toMatchObject({
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.input_tokens': 36,
      'gen_ai.usage.output_tokens': 87,
    });
  });

  it('a streamed Response passes event for event; usage, model and first token come from its events', async () => {
    mocks.openai.handler = (req, res) => mocks.openai.stream(res, openaiResponsesStream(req.json));
    const stream = await client('openai').responses.create({ model: 'gpt-4.1', input: 'Tell me a joke', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'response.output_text.delta') text += ev.delta;
    }
    expect(text).toBe(OPENAI_TEXT);
    expect(types.at(-1)).toBe('response.completed');
    expect(mocks.openai.last.json).toEqual({ model: 'gpt-4.1', input: 'Tell me a joke', stream: true });
    const line = await lastAccessLine('openai', 2);
    expect(line).toMatchObject({
      'gen_ai.response.model': 'gpt-4.1-2025-04-14',
      'gen_ai.usage.input_tokens': 36,
      'gen_ai.usage.output_tokens': 87,
    });
    expect(line['agw.ai.time_to_first_token']).toBeGreaterThan(0);
    const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    const g = { route: 'openai', gen_ai_operation_name: 'chat', gen_ai_response_model: 'gpt-4.1-2025-04-14' };
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'input' })).toBe(72);
    expect(total(m, 'agentgateway_gen_ai_server_time_to_first_token_count', g)).toBe(1);
  });
});

describe('Anthropic: Responses translated to Messages', () => {
  it('a non-streamed Response: instructions, tools and the answer translated, usage recorded', async () => {
    const r = await client('anthropic').responses.create({
      model: 'claude-sonnet-4-5-20250929',
      instructions: 'You are terse.',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hello' }] }],
      max_output_tokens: 256,
      tools: [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: {} }, strict: false }],
    });
    expect(r.object).toBe('response');
    expect(r.status).toBe('completed');
    expect(r.output_text).toBe(ANTHROPIC_TEXT);
    expect(r.usage).toMatchObject({ input_tokens: 2095, output_tokens: 503 });
    const sent = mocks.anthropic.last;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.json).toMatchObject({
      model: 'claude-sonnet-4-5-20250929',
      system: 'You are terse.',
      max_tokens: 256,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: {} } }],
    });
    const line = await lastAccessLine('anthropic', 1);
    expect(line).toMatchObject({ 'gen_ai.usage.input_tokens': 2095, 'gen_ai.usage.output_tokens': 503 });
  });

  it('a streamed Response with two tool calls, accumulated by the SDK into function_call items', async () => {
    mocks.anthropic.handler = (req, res) => mocks.anthropic.stream(res, anthropicToolStream(req.json));
    const stream = client('anthropic').responses.stream({ model: 'claude-sonnet-4-5-20250929', input: 'Weather and time in SF?' });
    const deltas: string[] = [];
    stream.on('response.function_call_arguments.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(mocks.anthropic.last.json.stream).toBe(true);
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Let me check both.');
    const calls = final.output.filter((o) => o.type === 'function_call');
    expect(calls.map((c) => [c.call_id, c.name, c.arguments])).toEqual([
      ['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'get_weather', ANTHROPIC_TOOL_ARGS[0]],
      ['toolu_02A9x1fJ34qAmk2tNTrN8Zz7', 'get_time', ANTHROPIC_TOOL_ARGS[1]],
    ]);
    expect(deltas.join('')).toBe(ANTHROPIC_TOOL_ARGS.join(''));
    expect(final.usage).toMatchObject({ input_tokens: 572, input_tokens_details: { cached_tokens: 100 }, output_tokens: 89 });
    const line = await lastAccessLine('anthropic', 2);
    expect(line).toMatchObject({ 'gen_ai.usage.input_tokens': 572, 'gen_ai.usage.output_tokens': 89 });
    expect(line['agw.ai.time_to_first_token']).toBeGreaterThan(0);
  });

  it('a stream the provider breaks ends with one error event and no completed response', async () => {
    mocks.anthropic.handler = (req, res) => mocks.anthropic.stream(res, anthropicErrorStream(req.json));
    const stream = await client('anthropic').responses.create({ model: 'claude-sonnet-4-5-20250929', input: 'Hi', stream: true });
    const types: string[] = [];
    let error: any;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'error') error = ev;
    }
    expect(types).not.toContain('response.completed');
    expect(types.at(-1)).toBe('error');
    expect(error).toMatchObject({ code: 'server_error', message: 'Overloaded' });
  });

  it('a request that needs OpenAI-stored state is a 400 naming the field, before any upstream call', async () => {
    const before = mocks.anthropic.requests.length;
    const err = await client('anthropic')
      .responses.create({ model: 'claude-sonnet-4-5-20250929', input: 'Hi', previous_response_id: 'resp_abc' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('previous_response_id');
    expect(mocks.anthropic.requests.length).toBe(before);
  });
});

describe('the built-in mock provider answers Responses clients', () => {
  it('streamed and not', async () => {
    const r = await client('mock').responses.create({ model: 'mock-model', input: 'Hi' });
    expect(r.output_text).toContain('agentgateway mock provider');
    const final = await client('mock').responses.stream({ model: 'mock-model', input: 'Hi' }).finalResponse();
    expect(final.output_text).toBe(r.output_text);
    expect(final.usage?.output_tokens).toBeGreaterThan(0);
  });
});
