// A route without a `routes` map: chat completions, messages, Responses and embeddings are
// recognised by their paths, and nothing is rewritten into a chat completion (agentgateway's binds
// would parse a Responses or embeddings request as one): Responses and embeddings reach an OpenAI
// provider as the client sent them, any other path is passed through, and the built-in mock,
// which serves no such path, refuses it with a 404 naming the path.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { sendJson } from '../helpers/mock-upstream.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';

const mocks = useProviderMocks();

const CONFIG = `binds:
- port: 3000
  listeners:
  - routes:
    - name: openai
      matches: [{path: {pathPrefix: /openai}}]
      backends: [{ai: {name: openai, provider: {openAI: {}}}}]
      policies: {backendAuth: {key: sk-route-defaults}}
    - name: mock
      matches: [{path: {pathPrefix: /mock}}]
      backends: [{ai: {name: mock, provider: {mock: {}}}}]
`;

describe('route types without a routes map', () => {
  let gw: GatewayProcess;
  const openai = new OpenAI({ baseURL: 'http://127.0.0.1:3000/openai/v1', apiKey: 'client', maxRetries: 0 });

  beforeAll(async () => {
    gw = await GatewayProcess.start({ args: ['-c', CONFIG, ...mocks.args()] });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('chat completions are still recognised', async () => {
    const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.object).toBe('chat.completion');
    expect(mocks.openai.last.path).toBe('/v1/chat/completions');
  });

  it('/v1/responses and /v1/embeddings reach the provider untouched, not as chat completions', async () => {
    mocks.openai.handler = (req, res) =>
      sendJson(res, 200, { object: req.path.endsWith('/embeddings') ? 'list' : 'response', echo: req.json });
    const responses = { model: 'gpt-4.1', input: 'Tell me a joke', stream: false };
    const r = await fetch('http://127.0.0.1:3000/openai/v1/responses', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(responses),
    });
    expect(r.status).toBe(200);
    expect(mocks.openai.last.path).toBe('/v1/responses');
    expect(mocks.openai.last.json).toEqual(responses);
    expect(mocks.openai.last.headers.authorization).toBe('Bearer sk-route-defaults');
    const e = await openai.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' }).catch((err) => err);
    expect(mocks.openai.last.path).toBe('/v1/embeddings');
    expect(mocks.openai.last.json).toMatchObject({ model: 'text-embedding-3-small', input: 'hello' });
    expect(e).toBeDefined();
  });

  it('the mock provider refuses a path it does not serve with a 404 naming it', async () => {
    const r = await fetch('http://127.0.0.1:3000/mock/v1/audio/speech', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', input: 'x' }),
    });
    expect(r.status).toBe(404);
    expect(JSON.stringify(await r.json())).toContain('/mock/v1/audio/speech');
  });
});
