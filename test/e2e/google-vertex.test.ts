// The `vertex` provider through the real gateway (configs/vertex.yaml) against mocks of Vertex AI
// and Google's OAuth token endpoint: Gemini models natively and Anthropic models via rawPredict
// with the OpenAI, Anthropic and Google GenAI SDKs, embeddings via :predict, and the token life
// cycle (minted once and cached, refreshed ahead of expiry, a clear 502/401 when the token
// endpoint is down or refuses, never a hang), with no credential in logs, errors or dumps.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { GoogleGenAI } from '@google/genai';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, type GatewayStart } from '../helpers/gateway-process.js';
import { GEMINI_TEXT } from '../helpers/google-formats.js';
import { SA_PRIVATE_KEY, serviceAccountJson, useGoogleMocks } from '../helpers/google-mocks.js';
import { freePort, onFreePorts } from '../helpers/ports.js';
import { ANTHROPIC_TEXT } from '../helpers/provider-formats.js';

const google = useGoogleMocks();
let gw: GatewayProcess;
let startOpts: GatewayStart;
// configs/vertex.yaml as written, but for its bind port, moved to a free one.
const config = await onFreePorts('configs/vertex.yaml');
const adminPort = await freePort();
const base = `http://127.0.0.1:${config.port(3000)}/vertex`;
const openai = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'client-key', maxRetries: 0 });
const anthropic = new Anthropic({ baseURL: base, apiKey: 'client-key', maxRetries: 0 });
const project = '/v1/projects/test-project/locations/us-central1';
const chat = (model: string) => openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }] });

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agw-vertex-'));
  const credentials = join(dir, 'service-account.json');
  writeFileSync(credentials, serviceAccountJson());
  startOpts = {
    // One thread: the OAuth token cache is per thread (each worker mints its own token), and
    // the token tests count mints and the tokens sent.
    args: ['-f', config.file, '--workers', '1', ...google.args()],
    env: { GOOGLE_CLOUD_PROJECT: 'test-project', VERTEX_CREDENTIALS: credentials, ADMIN_ADDR: `127.0.0.1:${adminPort}` },
  };
  gw = await GatewayProcess.start(startOpts);
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  // No credential in anything the gateway wrote: not the key, not a token.
  expect(gw.output).not.toContain('PRIVATE KEY');
  expect(gw.output).not.toContain(SA_PRIVATE_KEY.split('\n')[1]!);
  expect(gw.output).not.toMatch(/ya29\./);
});

describe('Gemini models on Vertex', () => {
  it('OpenAI SDK: generateContent at the publisher path with a minted Bearer token', async () => {
    const r = await chat('gemini-2.5-pro');
    expect(r.choices[0]!.message.content).toBe(GEMINI_TEXT);
    expect(r.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 21 });
    const up = google.api.last;
    expect(up.path).toBe(`${project}/publishers/google/models/gemini-2.5-pro:generateContent`);
    expect(up.headers.authorization).toBe(`Bearer ${google.tokens.issued.at(-1)!.token}`);
    expect(up.headers['x-goog-api-key']).toBeUndefined();
    expect(up.json.model).toBeUndefined();
  });

  it('OpenAI SDK streaming: streamGenerateContent?alt=sse', async () => {
    const stream = await openai.chat.completions.create({
      model: 'gemini-2.5-flash',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe(GEMINI_TEXT);
    expect(google.api.last.path).toBe(`${project}/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse`);
  });

  it('Google GenAI SDK: the native request passes through to the Vertex publisher path', async () => {
    const genai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: base } });
    const r = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Hello' });
    expect(r.text).toBe(GEMINI_TEXT);
    const up = google.api.last;
    expect(up.path).toBe(`${project}/publishers/google/models/gemini-2.5-flash:generateContent`);
    expect(up.headers['x-goog-api-key']).toBeUndefined(); // the client's key is not Google auth here
    expect(up.headers.authorization).toMatch(/^Bearer ya29\./);
  });
});

describe('Anthropic models on Vertex (rawPredict)', () => {
  it('Anthropic SDK: model in the URL as claude-x@date, anthropic_version in the body', async () => {
    const m = await anthropic.messages.create({
      model: 'claude-sonnet-4-5-20250929',
      max_tokens: 64,
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral', scope: 'turn' } as never }] },
      ],
    });
    expect(m.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    const up = google.api.last;
    expect(up.path).toBe(`${project}/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    expect(up.json).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 64,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello', cache_control: { type: 'ephemeral' } }] }],
    });
  });

  it('Anthropic SDK streaming: streamRawPredict', async () => {
    const m = await anthropic.messages
      .stream({ model: 'claude-haiku-4-5@20251001', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })
      .finalMessage();
    expect(m.content).toEqual([{ type: 'text', text: ANTHROPIC_TEXT }]);
    expect(google.api.last.path).toBe(`${project}/publishers/anthropic/models/claude-haiku-4-5@20251001:streamRawPredict`);
  });

  it('OpenAI SDK on a Claude model: completions translated to Messages, streaming too', async () => {
    const r = await chat('claude-sonnet-4-5@20250929');
    expect(r.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
    expect(google.api.last.json).toMatchObject({ anthropic_version: 'vertex-2023-10-16', messages: [{ role: 'user' }] });
    const stream = await openai.chat.completions.create({
      model: 'claude-sonnet-4-5@20250929',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe(ANTHROPIC_TEXT);
    expect(google.api.last.path).toMatch(/:streamRawPredict$/);
  });
});

describe('count_tokens on Vertex (Anthropic SDK messages.countTokens)', () => {
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'How many tokens are in this sentence?' }];

  it("Gemini models: Vertex's :countTokens with the fields themselves (no wrapper, no model)", async () => {
    const r = await anthropic.messages.countTokens({ model: 'gemini-2.5-flash', system: 'Be brief.', messages });
    expect(r).toEqual({ input_tokens: 9 });
    const up = google.api.last;
    expect(up.path).toBe(`${project}/publishers/google/models/gemini-2.5-flash:countTokens`);
    expect(up.headers.authorization).toMatch(/^Bearer /);
    expect(up.json).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'How many tokens are in this sentence?' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    });
  });

  it('Claude models: count-tokens:rawPredict, the Vertex model id in the body', async () => {
    const r = await anthropic.messages.countTokens({ model: 'claude-sonnet-4-5-20250929', system: 'Be brief.', messages });
    expect(r).toEqual({ input_tokens: 9 });
    const up = google.api.last;
    expect(up.path).toBe(`${project}/publishers/anthropic/models/count-tokens:rawPredict`);
    expect(up.json).toEqual({ anthropic_version: 'vertex-2023-10-16', model: 'claude-sonnet-4-5@20250929', system: 'Be brief.', messages });
  });
});

describe('embeddings and other models on Vertex', () => {
  it('/v1/embeddings -> :predict, usage from the token counts', async () => {
    const r = await openai.embeddings.create({ model: 'text-embedding-005', input: ['a', 'b'] });
    expect(r.data.map((d) => d.embedding)).toEqual([
      [0.5, 0.25, -1],
      [0.5, 0.5, -1],
    ]);
    expect(r.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    expect(google.api.last.path).toBe(`${project}/publishers/google/models/text-embedding-005:predict`);
    expect(google.api.last.json).toEqual({ instances: [{ content: 'a' }, { content: 'b' }] });
  });

  it("other publishers' models go to the OpenAI-compatible endpoint", async () => {
    await chat('meta/llama-3.3-70b-instruct-maas');
    expect(google.api.last.path).toBe(`${project}/endpoints/openapi/chat/completions`);
    expect(google.api.last.json.model).toBe('meta/llama-3.3-70b-instruct-maas');
  });
});

describe('Google OAuth tokens', () => {
  it('mints one token and reuses it for every request while it is fresh', async () => {
    await chat('gemini-2.5-flash');
    await chat('gemini-2.5-flash');
    await anthropic.messages.create({ model: 'claude-sonnet-4-5@20250929', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] });
    // The gateway kept the token of an earlier test; none of these needed the endpoint.
    expect(google.tokens.server.requests).toHaveLength(0);
    expect(new Set(google.api.requests.map((r) => r.headers.authorization)).size).toBe(1);
  });

  it('refreshes a token ahead of its expiry, serving the valid one meanwhile', async () => {
    // A token whose life is just above the 5-minute refresh margin, from a fresh gateway.
    google.tokens.expiresIn = 302;
    await gw.stop();
    gw = await restart();
    const before = google.tokens.issued.length;
    await chat('gemini-2.5-flash'); // exchange 1
    expect(google.tokens.issued).toHaveLength(before + 1);
    await new Promise((r) => setTimeout(r, 2500)); // now inside the refresh window, still valid
    await chat('gemini-2.5-flash'); // served with token 1, exchange 2 in the background
    expect(google.api.last.headers.authorization).toBe(`Bearer ${google.tokens.issued[before]!.token}`);
    await waitUntil(() => google.tokens.issued.length === before + 2);
    google.tokens.expiresIn = 3600;
    await chat('gemini-2.5-flash');
    expect(google.api.last.headers.authorization).toBe(`Bearer ${google.tokens.issued[before + 1]!.token}`);
  });

  it('never hands out a token about to expire: short-lived tokens are re-minted per request', async () => {
    google.tokens.expiresIn = 5;
    await gw.stop();
    gw = await restart();
    const before = google.tokens.issued.length;
    await chat('gemini-2.5-flash');
    await chat('gemini-2.5-flash');
    expect(google.tokens.issued).toHaveLength(before + 2);
    expect(google.api.requests[0]!.headers.authorization).not.toBe(google.api.requests[1]!.headers.authorization);
  });

  it("a token endpoint that is down is a 502 in the caller's dialect, not a hang", async () => {
    await gw.stop();
    gw = await restart();
    google.tokens.mode = 'down';
    const err = await chat('gemini-2.5-flash').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((err as InstanceType<typeof OpenAI.APIError>).message).toMatch(/backend vertex: no Google access token/);
    const a = await anthropic.messages
      .create({ model: 'claude-sonnet-4-5@20250929', max_tokens: 8, messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect((a as InstanceType<typeof Anthropic.APIError>).status).toBe(502);
    expect((a as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: 'error',
      error: { type: 'api_error', code: 'backend_auth_failed', reason: 'UpstreamFailure' },
    });
    expect(google.api.requests).toHaveLength(0);
    // Once it is back, the next request (after the short failure hold) gets a token.
    google.tokens.mode = 'up';
    await new Promise((r) => setTimeout(r, 1100));
    expect((await chat('gemini-2.5-flash')).choices[0]!.message.content).toBe(GEMINI_TEXT);
  });

  it('a credential Google refuses is a 401 naming the backend, without the credential', async () => {
    await gw.stop();
    gw = await restart();
    google.tokens.mode = 'refuse';
    const err = await chat('gemini-2.5-flash').catch((e: unknown) => e);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    expect((err as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: 'authentication_error',
      message: "backend vertex: Google refused the gateway's credential (invalid_grant: Invalid JWT Signature.)",
      code: 'backend_auth_rejected',
      reason: 'UpstreamFailure',
    });
    const genai = new GoogleGenAI({ apiKey: 'client-key', httpOptions: { baseUrl: base } });
    const native = await genai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' }).catch((e: unknown) => e);
    expect(String(native)).toMatch(/"status":"UNAUTHENTICATED"/); // Google's dialect for native clients
  });

  it('config dumps show no credential', async () => {
    const dump = await (await fetch(`http://127.0.0.1:${adminPort}/config_dump`)).text();
    expect(dump).toContain('vertex');
    expect(dump).not.toContain('PRIVATE KEY');
    expect(dump).not.toMatch(/ya29\./);
  });
});

/** A new gateway process: its token cache starts empty. */
async function restart(): Promise<GatewayProcess> {
  return GatewayProcess.start(startOpts);
}

async function waitUntil(cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
