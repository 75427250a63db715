// `/v1/messages/count_tokens` (Claude Code calls it whatever the model) answered by the
// provider's own counter where it has one: Bedrock's CountTokens (SigV4-signed, the foundation
// model id without its inference-profile prefix) and Gemini's models/<m>:countTokens, both with
// the Anthropic SDK's `messages.countTokens` through the gateway; provider errors come back in
// Anthropic's dialect.
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_HOST, type BedrockMock, CREDS, startBedrockMock } from '../helpers/bedrock-mock.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { GEMINI_KEY, useGoogleMocks } from '../helpers/google-mocks.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const CONFIG = `
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: bedrock
      matches: [{path: {pathPrefix: /bedrock}}]
      backends: [{ai: {name: bedrock, provider: {bedrock: {region: us-east-1, model: us.anthropic.claude-sonnet-4-5-20250929-v1:0}}}}]
      policies:
        backendAuth:
          aws: {accessKeyId: ${CREDS.accessKeyId}, secretAccessKey: "${CREDS.secretAccessKey}", sessionToken: "${CREDS.sessionToken}"}
    - name: gemini
      matches: [{path: {pathPrefix: /gemini}}]
      backends: [{ai: {name: gemini, provider: {gemini: {}}}}]
      policies: {backendAuth: {key: ${GEMINI_KEY}}}
`;

const google = useGoogleMocks();
let bedrock: BedrockMock;
let gw: GatewayProcess;
const anthropic = (prefix: string) => new Anthropic({ baseURL: `http://127.0.0.1:${PORT}/${prefix}`, apiKey: 'client', maxRetries: 0 });
const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'How many tokens are in this sentence?' }];

beforeAll(async () => {
  bedrock = await startBedrockMock();
  gw = await GatewayProcess.start({
    args: ['-c', CONFIG, '--connect-to', `${BEDROCK_HOST}:443:127.0.0.1:${bedrock.upstream.port}`, ...google.args()],
    env: { AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await bedrock.upstream.close();
});

describe('Bedrock CountTokens', () => {
  it('counts with Bedrock itself: Converse input, foundation model id, signed', async () => {
    const r = await anthropic('bedrock').messages.countTokens({ model: 'ignored-by-config', system: 'Be brief.', messages });
    expect(r).toEqual({ input_tokens: 9 });
    expect(bedrock.rejected).toEqual([]);
    const up = bedrock.upstream.last;
    expect(up.path).toBe('/model/anthropic.claude-sonnet-4-5-20250929-v1%3A0/count-tokens');
    expect(up.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(up.json).toEqual({
      input: {
        converse: {
          messages: [{ role: 'user', content: [{ text: 'How many tokens are in this sentence?' }] }],
          system: [{ text: 'Be brief.' }],
        },
      },
    });
  });
});

describe('Gemini countTokens', () => {
  it('counts with Gemini itself: a generateContentRequest naming the model', async () => {
    const r = await anthropic('gemini').messages.countTokens({ model: 'gemini-2.5-flash', system: 'Be brief.', messages });
    expect(r).toEqual({ input_tokens: 9 });
    const up = google.api.server.last;
    expect(up.path).toBe('/v1beta/models/gemini-2.5-flash:countTokens');
    expect(up.headers['x-goog-api-key']).toBe(GEMINI_KEY);
    expect(up.json.generateContentRequest).toMatchObject({
      model: 'models/gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ text: 'How many tokens are in this sentence?' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
    });
    expect(up.json.generateContentRequest.generationConfig).toBeUndefined();
  });

  it("a model Gemini does not know is Google's 404, in Anthropic's dialect", async () => {
    const err = await anthropic('gemini')
      .messages.countTokens({ model: 'no-such-model', messages })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.NotFoundError);
    expect((err as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: 'error',
      error: { type: 'not_found_error' },
    });
  });
});
