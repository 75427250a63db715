// Amazon Bedrock through the real gateway (configs/bedrock.yaml), against a mock Bedrock runtime
// that checks every SigV4 signature with the known secret and answers in Bedrock's wire format
// (JSON, and AWS event-stream binary framing for streams): the OpenAI and Anthropic SDKs, with
// and without streaming, tools included; the AWS Bedrock SDK itself pointed at the gateway; the
// credential sources (environment with a session token, a ~/.aws/credentials profile, explicit
// keys, a Bedrock API key); errors in the caller's dialect; and no credential ever in the output.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from '@aws-sdk/client-bedrock-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_HOST, BEDROCK_TEXT, type BedrockMock, CREDS, exception, startBedrockMock } from '../helpers/bedrock-mock.js';
import { aiBackendConfig } from '../helpers/ai-backend-config.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { scrape, total } from '../helpers/prometheus.js';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const ENV_CREDS = {
  AWS_ACCESS_KEY_ID: CREDS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey,
  AWS_SESSION_TOKEN: CREDS.sessionToken!,
};
const SECRETS = [CREDS.secretAccessKey, CREDS.sessionToken!];
const STATS = await freePort();

let mock: BedrockMock;
beforeAll(async () => {
  mock = await startBedrockMock();
});
afterAll(() => mock.upstream.close());
afterEach(() => mock.upstream.reset());

const connectTo = () => ['--connect-to', `${BEDROCK_HOST}:443:127.0.0.1:${mock.upstream.port}`];

function start(config: string, env: Record<string, string>): Promise<GatewayProcess> {
  // HOME points nowhere useful so a developer's own ~/.aws never leaks into the test.
  return GatewayProcess.start({ args: ['-f', config, ...connectTo()], env: { HOME: tmpdir(), ...env } });
}

const weather: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'weather.lookup',
    description: 'Weather for a city',
    parameters: { type: 'object', properties: { location: { type: 'string' } } },
  },
};

describe('Bedrock with credentials from the environment (configs/bedrock.yaml)', () => {
  let gw: GatewayProcess;
  const openai = new OpenAI({ baseURL: 'http://127.0.0.1:3000/bedrock/v1', apiKey: 'client-key-not-for-aws', maxRetries: 0 });
  const anthropic = new Anthropic({ baseURL: 'http://127.0.0.1:3000/bedrock', apiKey: 'client-key-not-for-aws', maxRetries: 0 });

  beforeAll(async () => {
    gw = await start('configs/bedrock.yaml', { ...ENV_CREDS, STATS_ADDR: `127.0.0.1:${STATS}`, AGW_LOG_FORMAT: 'json' });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    for (const s of SECRETS) expect(gw.output).not.toContain(s);
  });

  it('OpenAI SDK: a chat completion becomes a signed Converse call and comes back as chat.completion', async () => {
    const r = await openai.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Hello' },
      ],
      max_tokens: 100,
    });
    expect(r.choices[0]!.message.content).toBe(BEDROCK_TEXT);
    expect(r.choices[0]!.finish_reason).toBe('stop');
    expect(r.model).toBe(MODEL);
    expect(r.usage).toMatchObject({
      prompt_tokens: 1045,
      completion_tokens: 9,
      total_tokens: 1054,
      prompt_tokens_details: { cached_tokens: 1024 },
    });
    const up = mock.upstream.last;
    expect(up.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    expect(up.headers.host).toBe(BEDROCK_HOST);
    expect(up.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAMOCKBEDROCK00001\/\d{8}\/us-east-1\/bedrock\/aws4_request/);
    expect(up.headers['x-amz-security-token']).toBe(CREDS.sessionToken);
    expect(up.json).toEqual({
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'Hello' }] }],
      inferenceConfig: { maxTokens: 100 },
    });
    expect(mock.rejected).toEqual([]);
  });

  it('OpenAI SDK: streams (event-stream in, chat.completion.chunks out) with usage', async () => {
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Hello' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(BEDROCK_TEXT);
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ prompt_tokens: 1045, completion_tokens: 9 });
    expect(mock.upstream.last.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse-stream`);
  });

  it('OpenAI SDK: tool calls keep the client tool name Bedrock could not take, streaming and not', async () => {
    const r = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weather],
    });
    expect(mock.upstream.last.json.toolConfig.tools[0].toolSpec.name).toBe('weather_lookup');
    expect(r.choices[0]!.finish_reason).toBe('tool_calls');
    expect(r.choices[0]!.message.tool_calls).toEqual([
      { id: 'tooluse_Mock9kZJMlvQmRJ6eAy', type: 'function', function: { name: 'weather.lookup', arguments: '{"location":"Paris"}' } },
    ]);
    const stream = await openai.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools: [weather],
      stream: true,
    });
    const calls: Record<number, { name: string; args: string }> = {};
    for await (const chunk of stream) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        calls[tc.index] ??= { name: '', args: '' };
        calls[tc.index]!.name += tc.function?.name ?? '';
        calls[tc.index]!.args += tc.function?.arguments ?? '';
      }
    }
    expect(calls).toEqual({ 0: { name: 'weather.lookup', args: '{"location": "Paris"}' } });
  });

  it('Anthropic SDK: messages, streaming and not, tool use included', async () => {
    const m = await anthropic.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: 'user', content: 'Hello' }] });
    expect(m.content).toEqual([{ type: 'text', text: BEDROCK_TEXT }]);
    expect(m.usage).toMatchObject({ input_tokens: 21, cache_read_input_tokens: 1024, output_tokens: 9 });
    const stream = anthropic.messages.stream({
      model: MODEL,
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Weather?' }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }],
    });
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'text', text: 'Let me check.' },
      { type: 'tool_use', id: 'tooluse_Mock9kZJMlvQmRJ6eAy', name: 'get_weather', input: { location: 'Paris' } },
    ]);
    expect(final.usage).toMatchObject({ input_tokens: 21, output_tokens: 9, cache_read_input_tokens: 1024 });
  });

  it('a Bedrock exception mid-stream ends the stream with an error in the client dialect', async () => {
    mock.streamTail = exception('throttlingException', 'Too many tokens, please wait before trying again.');
    const stream = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'Hello' }], stream: true });
    await expect(async () => {
      for await (const _ of stream) {
        // drain
      }
    }).rejects.toThrow(/Too many tokens/);
  });

  it('Bedrock errors come back in each dialect with their status', async () => {
    const e1 = await openai.chat.completions
      .create({ model: 'missing.model-v1:0', messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(e1).toBeInstanceOf(OpenAI.NotFoundError);
    expect(e1.message).toContain('Could not resolve the foundation model');
    const e2 = await anthropic.messages
      .create({ model: 'missing.model-v1:0', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e) => e);
    expect(e2).toBeInstanceOf(Anthropic.NotFoundError);
    expect(e2.error).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('a signature made with the wrong secret is rejected by Bedrock, and the client is told', async () => {
    mock.creds = { ...CREDS, secretAccessKey: 'a-different-secret' };
    const e = await openai.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x' }] }).catch((err) => err);
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(mock.rejected).toEqual(['The request signature we calculated does not match the signature you provided.']);
  });

  it('the AWS Bedrock SDK pointed at the gateway: Converse, ConverseStream, InvokeModel and its stream, passed through and re-signed', async () => {
    const client = new BedrockRuntimeClient({
      region: 'us-east-1',
      endpoint: 'http://127.0.0.1:3000/bedrock',
      credentials: { accessKeyId: 'AKIACLIENTONLY000000', secretAccessKey: 'client-secret-the-gateway-drops' },
      maxAttempts: 1,
      // The Bedrock runtime client speaks HTTP/2 by default; the gateway's listeners speak HTTP/1.1.
      requestHandler: new NodeHttpHandler(),
    });
    // The OpenAI and Anthropic SDK cases above used the same route and model: count from here.
    const before = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    const r = await client.send(new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'Hello' }] }] }));
    expect(r.output?.message?.content?.[0]?.text).toBe(BEDROCK_TEXT);
    expect(r.usage).toMatchObject({ inputTokens: 21, outputTokens: 9, cacheReadInputTokens: 1024 });
    expect(mock.upstream.last.headers.authorization).toContain(`Credential=${CREDS.accessKeyId}/`);
    const s = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'Hello' }] }] }));
    let text = '';
    let stop: string | undefined;
    let usage: unknown;
    for await (const ev of s.stream!) {
      text += ev.contentBlockDelta?.delta?.text ?? '';
      stop = ev.messageStop?.stopReason ?? stop;
      usage = ev.metadata?.usage ?? usage;
    }
    expect(text).toBe(BEDROCK_TEXT);
    expect(stop).toBe('end_turn');
    expect(usage).toMatchObject({ inputTokens: 21, outputTokens: 9 });
    // InvokeModel with Claude's own body, answered whole and streamed as base64 `chunk` events.
    const claudeBody = JSON.stringify({
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello' }],
    });
    const inv = await client.send(new InvokeModelCommand({ modelId: MODEL, contentType: 'application/json', body: claudeBody }));
    expect(JSON.parse(Buffer.from(inv.body).toString('utf8')).content[0].text).toBe(BEDROCK_TEXT);
    const is = await client.send(
      new InvokeModelWithResponseStreamCommand({ modelId: MODEL, contentType: 'application/json', body: claudeBody }),
    );
    let invText = '';
    for await (const ev of is.body!) {
      const e = JSON.parse(Buffer.from(ev.chunk!.bytes!).toString('utf8'));
      if (e.type === 'content_block_delta') invText += e.delta.text;
    }
    expect(invText).toBe(BEDROCK_TEXT);
    expect(mock.rejected).toEqual([]);
    client.destroy();
    // The route passes these paths through (configs/bedrock.yaml): the bytes are Bedrock's, and
    // usage is read beside them from the Converse JSON, the ConverseStream metadata event, the
    // InvokeModel token-count headers and the last chunk's invocation metrics; the model from
    // the path. Bedrock's input counts leave out the 1024 cached ones: the prompt is 1045.
    await expect.poll(() => sdkLines().length).toBe(4);
    const lines = sdkLines();
    for (const line of lines) {
      expect(line).toMatchObject({
        'gen_ai.request.model': MODEL,
        'gen_ai.usage.input_tokens': 1045,
        'gen_ai.usage.cache_read.input_tokens': 1024,
        'gen_ai.usage.output_tokens': 9,
      });
      expect(line['agw.ai.usage.cost.total']).toBeGreaterThan(0);
    }
    const streamed = lines.filter((l) => /(converse-stream|invoke-with-response-stream)$/.test(l['http.path']));
    expect(streamed).toHaveLength(2);
    for (const line of streamed) expect(line['agw.ai.time_to_first_token']).toBeGreaterThan(0);
    const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    const g = { route: 'bedrock', gen_ai_request_model: MODEL };
    const grew = (name: string, labels: Record<string, string>) =>
      total(m, name, { ...g, ...labels }) - total(before, name, { ...g, ...labels });
    expect(grew('agentgateway_gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })).toBe(4 * 1045);
    expect(grew('agentgateway_gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' })).toBe(4 * 9);
    expect(grew('agentgateway_gen_ai_usage_tokens_total', { gen_ai_token_type: 'cache_read' })).toBe(4 * 1024);
    expect(grew('agentgateway_gen_ai_server_time_to_first_token_count', {})).toBe(2);
    expect(grew('agentgateway_gen_ai_client_cost_usd_total', {})).toBeGreaterThan(0);
  });

  /** Access-log lines of the AWS SDK's calls (the native paths). */
  function sdkLines(): Record<string, any>[] {
    return gw.output
      .split('\n')
      .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
      .map((l) => JSON.parse(l) as Record<string, any>)
      .filter(
        (l) =>
          typeof l['http.path'] === 'string' &&
          /\/model\/[^/]+\/(converse|converse-stream|invoke|invoke-with-response-stream)$/.test(l['http.path']),
      );
  }
});

function config(dir: string, policies: string): string {
  return aiBackendConfig({ dir, port: 3000, name: 'bedrock', provider: `{bedrock: {region: us-east-1, model: "${MODEL}"}}`, policies });
}

describe('Bedrock credential sources', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agw-bedrock-'));
  const openai = new OpenAI({ baseURL: 'http://127.0.0.1:3000/v1', apiKey: 'unused', maxRetries: 0 });
  const ask = () => openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Hello' }] });

  it('a profile in the shared credentials file (AWS_PROFILE), session token included', async () => {
    const creds = join(dir, 'credentials');
    writeFileSync(
      creds,
      `[default]\naws_access_key_id = AKIAWRONGDEFAULT0000\naws_secret_access_key = wrong\n\n[bedrock-prod]\naws_access_key_id = ${CREDS.accessKeyId}\naws_secret_access_key = ${CREDS.secretAccessKey}\naws_session_token = ${CREDS.sessionToken}\n`,
    );
    const gw = await start(config(dir, '{}'), {
      AWS_SHARED_CREDENTIALS_FILE: creds,
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_PROFILE: 'bedrock-prod',
    });
    try {
      expect((await ask()).choices[0]!.message.content).toBe(BEDROCK_TEXT);
      expect(mock.upstream.last.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
    } finally {
      await gw.stop();
    }
    for (const s of SECRETS) expect(gw.output).not.toContain(s);
  });

  it('explicit keys in backendAuth.aws, the secret from a file; never in /config_dump', async () => {
    const secretFile = join(dir, 'secret');
    writeFileSync(secretFile, `${CREDS.secretAccessKey}\n`);
    const auth = `{backendAuth: {aws: {accessKeyId: ${CREDS.accessKeyId}, secretAccessKey: {file: ${secretFile}}, sessionToken: "${CREDS.sessionToken}"}}}`;
    const gw = await start(config(dir, auth), { ADMIN_ADDR: '127.0.0.1:15999' });
    try {
      expect((await ask()).choices[0]!.message.content).toBe(BEDROCK_TEXT);
      const dump = await (await fetch('http://127.0.0.1:15999/config_dump')).text();
      for (const s of SECRETS) expect(dump).not.toContain(s);
    } finally {
      await gw.stop();
    }
    for (const s of SECRETS) expect(gw.output).not.toContain(s);
  });

  it('a Bedrock API key (backendAuth.key) goes as a Bearer token, unsigned', async () => {
    const gw = await start(config(dir, `{backendAuth: {key: ${mock.apiKey}}}`), {});
    try {
      expect((await ask()).choices[0]!.message.content).toBe(BEDROCK_TEXT);
      expect(mock.upstream.last.headers.authorization).toBe(`Bearer ${mock.apiKey}`);
      expect(mock.upstream.last.headers['x-amz-date']).toBeUndefined();
    } finally {
      await gw.stop();
    }
  });

  it('no credentials anywhere: a clear 502 in the caller dialect, not a hang', async () => {
    const gw = await start(config(dir, '{}'), {
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
      AWS_CONFIG_FILE: join(dir, 'none'),
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      const e = await ask().catch((err) => err);
      expect(e).toBeInstanceOf(OpenAI.APIError);
      expect(e.status).toBe(502);
      expect(e.message).toContain('no AWS credentials to sign the request to bedrock');
      expect(mock.upstream.requests).toEqual([]);
    } finally {
      await gw.stop();
    }
  });
});

describe('Bedrock in the llm: model router', () => {
  it('a model entry with provider bedrock and params.awsRegion, signed from the environment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-bedrock-llm-'));
    const file = join(dir, 'llm.yaml');
    writeFileSync(
      file,
      `llm:
  port: 4000
  models:
  - name: claude
    provider: bedrock
    params: {model: "${MODEL}", awsRegion: us-east-1}
`,
    );
    const gw = await start(file, ENV_CREDS);
    try {
      const openai = new OpenAI({ baseURL: 'http://127.0.0.1:4000/v1', apiKey: 'unused', maxRetries: 0 });
      const r = await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', content: 'Hello' }] });
      expect(r.choices[0]!.message.content).toBe(BEDROCK_TEXT);
      expect(mock.upstream.last.path).toBe(`/model/${encodeURIComponent(MODEL)}/converse`);
      const anthropic = new Anthropic({ baseURL: 'http://127.0.0.1:4000', apiKey: 'unused', maxRetries: 0 });
      const m = await anthropic.messages
        .stream({ model: 'claude', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] })
        .finalMessage();
      expect(m.content).toEqual([{ type: 'text', text: BEDROCK_TEXT }]);
    } finally {
      await gw.stop();
    }
    for (const s of SECRETS) expect(gw.output).not.toContain(s);
  });
});
