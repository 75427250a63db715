// Metrics, token and cost accounting, and the access log, through the real gateway process:
// the official OpenAI SDK on an OpenAI route (same format), on an Anthropic route (translated)
// and on a detect route (bytes passed through, usage sniffed), streaming and not; then
// /metrics is scraped and the JSON access-log lines read from the gateway's stdout.
import { request } from 'node:http';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, useDefaultWorkers } from '../helpers/gateway-process.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { scrape, select, total, type Sample } from '../helpers/prometheus.js';
import { openaiStream } from '../helpers/provider-formats.js';
import { waitUntil } from '../helpers/wait.js';
import { aiRoute } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';
import { defaultWorkerCount } from '../../src/workers/cpus.js';

// What a user gets: no --workers flag, so every CPU (test/helpers/gateway-process.ts).
useDefaultWorkers();

const PORT = await freePort();
const STATS = await freePort();
const METRICS = `http://127.0.0.1:${STATS}/metrics`;
const OPENAI_KEY = 'sk-obs-test-openai-key-do-not-log';
const ANTHROPIC_KEY = 'sk-ant-obs-test-key-do-not-log';
const PROMPT = 'Say hello from the observability test';

// Prices chosen for exact arithmetic; the detect route's model stays on the built-in catalog.
const CONFIG = `
config:
  logging: {format: json}
  modelCatalog:
    sources:
      - inline:
          providers:
            openai: {models: {gpt-4o-2024-08-06: {rates: {input: 2, output: 8}}}}
            anthropic: {models: {claude-sonnet-4-5-20250929: {rates: {input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75}}}}
binds:
  - port: ${PORT}
    listeners:
      - routes:
${aiRoute('openai', '{openAI: {model: gpt-4o}}', '{/v1/chat/completions: completions, "*": passthrough}', `{backendAuth: {key: ${OPENAI_KEY}}}`)}${aiRoute('anthropic', '{anthropic: {model: claude-sonnet-4-5-20250929}}', '{/v1/messages: messages, /v1/chat/completions: completions}', `{backendAuth: {key: ${ANTHROPIC_KEY}}}`)}          - name: detect
            matches: [{path: {pathPrefix: /detect}}]
            backends:
              - ai:
                  name: openai-detect
                  provider: {openAI: {}}
                  policies: {ai: {routes: {"*": detect}}}
            policies: {backendAuth: {key: ${OPENAI_KEY}}}
`;

const mocks = useProviderMocks();
let gw: GatewayProcess;
const base = `http://127.0.0.1:${PORT}`;
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: PROMPT }];

beforeAll(async () => {
  gw = await GatewayProcess.start({
    args: ['-c', CONFIG, ...mocks.args()],
    env: { STATS_ADDR: `127.0.0.1:${STATS}`, ADMIN_ADDR: 'off', READINESS_ADDR: 'off' },
  });
});

afterAll(async () => {
  expect(await gw.stop()).toBe(0);
});

/** The JSON access-log lines so far. */
function accessLines(): Record<string, any>[] {
  return gw.output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l));
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) void _;
}

describe('traffic of every kind, then /metrics', () => {
  let m: Sample[];
  const client = (prefix: string) => new OpenAI({ baseURL: `${base}${prefix}/v1`, apiKey: 'client-key', maxRetries: 0 });

  beforeAll(async () => {
    const openai = client('/openai');
    await openai.chat.completions.create({ model: 'x', messages, temperature: 0.5, max_tokens: 32 });
    await drain(await openai.chat.completions.create({ model: 'x', messages, stream: true, stream_options: { include_usage: true } }));
    const translated = client('/anthropic');
    await translated.chat.completions.create({ model: 'x', messages });
    await drain(await translated.chat.completions.create({ model: 'x', messages, stream: true }));
    const detect = client('/detect');
    await detect.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await drain(
      await detect.chat.completions.create({ model: 'gpt-4o-mini', messages, stream: true, stream_options: { include_usage: true } }),
    );
    await waitUntil(() => accessLines().length >= 6, 5000, 'six access-log lines');
    m = await scrape(METRICS);
  });

  it('counts requests with agentgateway labels', () => {
    const labels = {
      route: 'openai',
      backend: 'openai',
      protocol: 'llm',
      method: 'POST',
      status: '200',
      reason: 'Upstream',
      bind: `bind/${PORT}`,
      gateway: `bind/${PORT}`,
      listener: 'listener0',
      route_rule: 'unknown',
    };
    expect(select(m, 'agentgateway_requests_total', labels)).toHaveLength(1);
    expect(total(m, 'agentgateway_requests_total', labels)).toBe(2);
    expect(total(m, 'agentgateway_requests_total', { route: 'anthropic', status: '200' })).toBe(2);
    expect(total(m, 'agentgateway_requests_total', { route: 'detect', backend: 'openai-detect', status: '200' })).toBe(2);
    expect(total(m, 'agentgateway_request_duration_seconds_count', { route: 'openai' })).toBe(2);
    expect(total(m, 'agentgateway_upstream_call_duration_seconds_count', { kind: 'primary', subtype: 'llm' })).toBe(6);
    expect(total(m, 'agentgateway_upstream_connect_duration_seconds_count', { transport: 'tls' })).toBeGreaterThanOrEqual(2);
  });

  it('same-format route: token usage by request and response model, and cost from the catalog', () => {
    const g = {
      route: 'openai',
      gen_ai_system: 'openai',
      gen_ai_operation_name: 'chat',
      gen_ai_request_model: 'gpt-4o',
      gen_ai_response_model: 'gpt-4o-2024-08-06',
    };
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'input' })).toBe(38);
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'output' })).toBe(20);
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_count', { ...g, gen_ai_token_type: 'input' })).toBe(2);
    expect(total(m, 'agentgateway_gen_ai_client_cost_usd_total', g)).toBeCloseTo(2 * (19 * 2 + 10 * 8) * 1e-6, 12);
    expect(total(m, 'agentgateway_cost_catalog_lookups_total', { ...g, status: 'Exact' })).toBe(2);
    expect(total(m, 'agentgateway_gen_ai_server_time_to_first_token_count', g)).toBe(1);
    expect(total(m, 'agentgateway_gen_ai_server_time_per_output_token_count', g)).toBe(1);
    expect(total(m, 'agentgateway_gen_ai_server_request_duration_count', g)).toBe(2);
  });

  it('translated route (OpenAI client, Anthropic provider): usage from the Anthropic response and stream', () => {
    const g = {
      route: 'anthropic',
      gen_ai_system: 'anthropic',
      gen_ai_request_model: 'claude-sonnet-4-5-20250929',
      gen_ai_response_model: 'claude-sonnet-4-5-20250929',
    };
    // non-streaming 2095/503, streaming 25 (message_start) / 15 (message_delta)
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'input' })).toBe(2120);
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'output' })).toBe(518);
    expect(total(m, 'agentgateway_gen_ai_usage_tokens_total', { ...g, gen_ai_token_type: 'cache_read' })).toBe(0);
    expect(total(m, 'agentgateway_gen_ai_client_cost_usd_total', g)).toBeCloseTo((2120 * 3 + 518 * 15) * 1e-6, 12);
    expect(total(m, 'agentgateway_gen_ai_server_time_to_first_token_count', g)).toBe(1);
  });

  it('detect route: bytes passed through, usage read from the JSON body and the stream, built-in price for a dated id', () => {
    const g = { route: 'detect', gen_ai_request_model: 'gpt-4o-mini', gen_ai_response_model: 'gpt-4o-mini-2024-08-06' };
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'input' })).toBe(38);
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'output' })).toBe(20);
    // built-in gpt-4o-mini list price: $0.15 / $0.60 per million
    expect(total(m, 'agentgateway_gen_ai_client_cost_usd_total', g)).toBeCloseTo(38 * 0.15e-6 + 20 * 0.6e-6, 12);
    expect(total(m, 'agentgateway_gen_ai_server_time_to_first_token_count', g)).toBe(1);
  });

  it('build, config and process metrics are exposed', () => {
    expect(select(m, 'agentgateway_build_info')[0]?.labels.tag).toMatch(/^\d+\.\d+\.\d+/);
    expect(total(m, 'agentgateway_config_synchronized')).toBe(1);
    expect(total(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(total(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('serves the same exposition on /stats/prometheus and nothing else on the stats port', async () => {
    const r = await fetch(`http://127.0.0.1:${STATS}/stats/prometheus`);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(await r.text()).toContain('agentgateway_requests_total{');
    expect((await fetch(`http://127.0.0.1:${STATS}/`)).status).toBe(404);
  });

  it('one JSON access-log line per request with agentgateway fields, tokens and cost', () => {
    const lines = accessLines();
    expect(lines).toHaveLength(6);
    const first = lines.find((l) => l.route === 'openai' && l['gen_ai.request.temperature'] !== undefined)!;
    expect(first).toMatchObject({
      level: 30,
      msg: 'request',
      gateway: `bind/${PORT}`,
      listener: 'listener0',
      route: 'openai',
      backend: 'openai',
      endpoint: 'api.openai.com:443',
      'src.addr': '127.0.0.1',
      'http.method': 'POST',
      'http.path': '/openai/v1/chat/completions',
      'http.status': 200,
      protocol: 'llm',
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 19,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.max_tokens': 32,
    });
    expect(first['agw.ai.usage.cost.total']).toBeCloseTo((19 * 2 + 10 * 8) * 1e-6, 12);
    expect(first.duration).toMatch(/^\d+ms$/);
    expect(first.error).toBeUndefined();
    const streamed = lines.find((l) => l.route === 'anthropic' && l['agw.ai.time_to_first_token'] !== undefined)!;
    expect(streamed['gen_ai.usage.input_tokens']).toBe(25);
    expect(streamed['agw.ai.time_to_first_token']).toBeGreaterThan(0);
  });

  it('never logs a credential or the prompt', () => {
    expect(gw.output).not.toContain(OPENAI_KEY);
    expect(gw.output).not.toContain(ANTHROPIC_KEY);
    expect(gw.output).not.toContain('client-key');
    expect(gw.output).not.toContain(PROMPT);
  });
});

describe('detect changes no byte and passes a client traceparent through when tracing is off', () => {
  it('the upstream gets the client body and headers, the client gets the upstream bytes', async () => {
    const body = JSON.stringify({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'hi' }],
      extra: { kept: [1, 2] },
    });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const r = await fetch(`${base}/detect/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent },
      body,
    });
    const text = await r.text();
    expect(mocks.openai.last.body).toBe(body);
    expect(mocks.openai.last.headers.traceparent).toBe(traceparent);
    expect(text).toBe(openaiStream(JSON.parse(body)).join(''));
  });
});

describe('a client that aborts mid-stream is counted once, with the usage seen so far', () => {
  it('input tokens from message_start, one request, one access-log line', async () => {
    const before = await scrape(METRICS);
    const g = { route: 'anthropic', gen_ai_request_model: 'claude-sonnet-4-5-20250929', gen_ai_token_type: 'input' };
    // the only /v1/messages request in this file; lines are flushed in batches, so find it by path
    const messagesLines = () => accessLines().filter((l) => l['http.path'] === '/anthropic/v1/messages');
    mocks.anthropic.eventDelayMs = 200;
    const anthropic = new Anthropic({ baseURL: `${base}/anthropic`, apiKey: 'client-key', maxRetries: 0 });
    const stream = await anthropic.messages.create({
      model: 'x',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    for await (const ev of stream) {
      if (ev.type === 'content_block_delta') break; // leaving the loop aborts the request
    }
    await waitUntil(() => mocks.anthropic.last.aborted, 5000, 'the upstream to see the abort');
    await waitUntil(() => messagesLines().length > 0, 5000, 'the access-log line');
    mocks.anthropic.reset();
    const after = await scrape(METRICS);
    const delta = (name: string, match: Record<string, string>) => total(after, name, match) - total(before, name, match);
    expect(delta('agentgateway_gen_ai_client_token_usage_count', g)).toBe(1);
    expect(delta('agentgateway_gen_ai_client_token_usage_sum', g)).toBe(25);
    expect(delta('agentgateway_requests_total', { route: 'anthropic' })).toBe(1);
    const line = messagesLines();
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({
      route: 'anthropic',
      'http.status': 200,
      'gen_ai.usage.input_tokens': 25,
      error: 'client closed the connection',
    });
  });
});

describe('label cardinality stays bounded when clients invent model names', () => {
  // The caps are per thread (README "Worker threads": each registry bounds its own memory): with
  // N worker threads the summed /metrics holds at most N x 200 model names plus "other". Each
  // name goes out on N fresh connections in a row, which the acceptor hands to N workers round
  // robin, so every thread sees all 260 names and folds the ones beyond its cap.
  it('model labels beyond the cap fold into "other"', async () => {
    const threads = defaultWorkerCount();
    const send = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ model: `made-up-${i}`, messages: [{ role: 'user', content: 'x' }] });
        const req = request(
          `${base}/detect/v1/chat/completions`,
          { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    for (let i = 0; i < 260; i++) for (let t = 0; t < threads; t++) await send(i);
    await waitUntil(
      () => accessLines().filter((l) => String(l['gen_ai.request.model']).startsWith('made-up-')).length === 260 * threads,
      10_000,
      'all access-log lines',
    );
    const m = await scrape(METRICS);
    const models = new Set(select(m, 'agentgateway_gen_ai_server_request_duration_count').map((s) => s.labels.gen_ai_request_model));
    expect(models.has('other')).toBe(true);
    expect(models.size).toBeLessThanOrEqual(200 * threads + 1);
    // every request is still counted, under "other" when it has to be
    expect(total(m, 'agentgateway_gen_ai_server_request_duration_count', { route: 'detect' })).toBe(2 + 1 + 260 * threads);
  });
});
