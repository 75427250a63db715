// /v1/embeddings with the official OpenAI SDK on routes with no `routes` map (the default map
// knows the path): Amazon Bedrock (Titan and Cohere Embed bodies through InvokeModel, SigV4
// checked by the mock), Azure OpenAI (the v1 API and a dated deployment path, key in api-key) and
// OpenAI. Usage and cost are recorded and labelled gen_ai.operation.name=embeddings in the
// metrics and the access log.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_HOST, type BedrockMock, CREDS, mockVector, startBedrockMock } from '../helpers/bedrock-mock.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';
import { scrape, total } from '../helpers/prometheus.js';
import { waitUntil } from '../helpers/wait.js';

const PORT = await freePort();
const STATS = await freePort();
const AZURE_KEY = 'azure-embeddings-key-0123456789abcdef01';

const CONFIG = `
config:
  logging: {format: json}
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: bedrock
      matches: [{path: {pathPrefix: /bedrock}}]
      backends: [{ai: {name: bedrock, provider: {bedrock: {region: us-east-1}}}}]
      policies:
        backendAuth:
          aws: {accessKeyId: ${CREDS.accessKeyId}, secretAccessKey: "${CREDS.secretAccessKey}", sessionToken: "${CREDS.sessionToken}"}
    - name: azure
      matches: [{path: {pathPrefix: /azure}}]
      backends: [{ai: {name: azure, provider: {azure: {resourceName: emb-resource, resourceType: openAI}}}}]
      policies: {backendAuth: {key: ${AZURE_KEY}}}
    - name: azure-dated
      matches: [{path: {pathPrefix: /azure-dated}}]
      backends: [{ai: {name: azure-dated, provider: {azure: {resourceName: emb-resource, resourceType: openAI, apiVersion: 2024-10-21, model: my-embedding-deployment}}}}]
      policies: {backendAuth: {key: ${AZURE_KEY}}}
`;

let bedrock: BedrockMock;
let azure: MockUpstream;
let gw: GatewayProcess;
const client = (prefix: string) => new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/${prefix}/v1`, apiKey: 'client', maxRetries: 0 });

beforeAll(async () => {
  [bedrock, azure] = await Promise.all([startBedrockMock(), MockUpstream.start({ cert: 'aws' })]);
  azure.handler = (req, res) => {
    const input = Array.isArray(req.json.input) ? req.json.input : [req.json.input];
    sendJson(res, 200, {
      object: 'list',
      data: input.map((t: string, index: number) => ({ object: 'embedding', index, embedding: mockVector(t, 4) })),
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 7, total_tokens: 7 },
    });
  };
  gw = await GatewayProcess.start({
    args: [
      '-c',
      CONFIG,
      '--connect-to',
      `${BEDROCK_HOST}:443:127.0.0.1:${bedrock.upstream.port}`,
      '--connect-to',
      `emb-resource.openai.azure.com:443:127.0.0.1:${azure.port}`,
    ],
    env: {
      STATS_ADDR: `127.0.0.1:${STATS}`,
      ADMIN_ADDR: 'off',
      READINESS_ADDR: 'off',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    },
  });
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  expect(gw.output).not.toContain(CREDS.secretAccessKey);
  expect(gw.output).not.toContain(AZURE_KEY);
  await Promise.all([bedrock.upstream.close(), azure.close()]);
});

function accessLines(route: string): Record<string, any>[] {
  return gw.output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as Record<string, any>)
    .filter((l) => l.route === route);
}

describe('Bedrock embeddings', () => {
  it('Titan: one text through InvokeModel (SigV4), the vector back in OpenAI form (base64 by default in the SDK)', async () => {
    const r = await client('bedrock').embeddings.create({
      model: 'amazon.titan-embed-text-v2:0',
      input: 'hello embeddings world',
      dimensions: 8,
    });
    expect(bedrock.rejected).toEqual([]);
    const up = bedrock.upstream.last;
    expect(up.path).toBe('/model/amazon.titan-embed-text-v2%3A0/invoke');
    expect(up.json).toEqual({ inputText: 'hello embeddings world', dimensions: 8 });
    expect(up.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(r.data).toHaveLength(1);
    expect(r.data[0]!.embedding).toEqual(mockVector('hello embeddings world', 8));
    expect(r.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(r.model).toBe('amazon.titan-embed-text-v2:0');
  });

  it('Titan takes one text per request: a list is a 400 naming input, with no upstream call', async () => {
    const before = bedrock.upstream.requests.length;
    const err = await client('bedrock')
      .embeddings.create({ model: 'amazon.titan-embed-text-v2:0', input: ['a', 'b'] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('input');
    expect(bedrock.upstream.requests.length).toBe(before);
  });

  it('Cohere: a batch with input_type, usage from the token-count header', async () => {
    const r = await client('bedrock').embeddings.create({
      model: 'cohere.embed-english-v3',
      input: ['first text', 'second one here'],
      encoding_format: 'float',
    });
    expect(bedrock.upstream.last.json).toEqual({
      texts: ['first text', 'second one here'],
      input_type: 'search_document',
      embedding_types: ['float'],
    });
    expect(r.data.map((d) => d.embedding)).toEqual([mockVector('first text', 8), mockVector('second one here', 8)]);
    expect(r.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
  });

  it('usage and cost are recorded as embeddings in metrics and the access log', async () => {
    await waitUntil(() => accessLines('bedrock').length >= 3, 10_000, 'three bedrock access-log lines');
    const lines = accessLines('bedrock');
    const cohere = lines.find((l) => l['gen_ai.request.model'] === 'cohere.embed-english-v3')!;
    expect(cohere).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': 5 });
    expect(cohere['agw.ai.usage.cost.total']).toBeGreaterThan(0);
    const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    const g = { route: 'bedrock', gen_ai_operation_name: 'embeddings' };
    expect(total(m, 'agentgateway_gen_ai_client_token_usage_sum', { ...g, gen_ai_token_type: 'input' })).toBe(8);
    expect(total(m, 'agentgateway_gen_ai_client_cost_usd_total', g)).toBeGreaterThan(0);
  });
});

describe('Azure embeddings', () => {
  it('the v1 API: /openai/v1/embeddings with the key in api-key, answer passed through', async () => {
    const r = await client('azure').embeddings.create({ model: 'text-embedding-3-small', input: 'hi', encoding_format: 'float' });
    expect(azure.last.path).toBe('/openai/v1/embeddings');
    expect(azure.last.headers['api-key']).toBe(AZURE_KEY);
    expect(azure.last.headers.authorization).toBeUndefined();
    expect(r.data[0]!.embedding).toEqual(mockVector('hi', 4));
  });

  it('a dated apiVersion: the deployment path with ?api-version=', async () => {
    await client('azure-dated').embeddings.create({ model: 'text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
    expect(azure.last.path).toBe('/openai/deployments/my-embedding-deployment/embeddings?api-version=2024-10-21');
    await waitUntil(() => accessLines('azure-dated').length >= 1, 10_000, 'azure-dated access-log line');
    expect(accessLines('azure-dated')[0]).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': 7 });
  });
});
