// The AWS and Google libraries (SigV4, event-stream, credentials, Google auth) stay off the other
// providers' path: a gateway serving only OpenAI (chat completions streamed and not, Responses,
// the models list) never loads them; one with a Bedrock route loads the AWS ones when it
// first signs (the check can fail). The gateway records what it loaded at exit
// (test/fixtures/lazy/record-modules.cjs).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { BEDROCK_HOST, CREDS, startBedrockMock } from '../helpers/bedrock-mock.js';
import { GatewayProcess, ROOT } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { sendJson } from '../helpers/mock-upstream.js';
import { openaiResponse } from '../helpers/provider-formats.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';

const mocks = useProviderMocks();
const RECORDER = join(ROOT, 'test/fixtures/lazy/record-modules.cjs');

/** Runs a gateway on `config`, lets `drive` send traffic, stops it, returns the heavy libraries it loaded. */
async function loadedBy(config: string, args: string[], drive: (base: string) => Promise<void>): Promise<string[]> {
  const out = join(mkdtempSync(join(tmpdir(), 'lazy-')), 'modules.json');
  const gw = await GatewayProcess.start({
    args: ['-c', config, ...args],
    env: {
      NODE_OPTIONS: `--require ${RECORDER}`,
      AGW_TEST_MODULES_OUT: out,
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    },
  });
  try {
    await drive(gw.output);
  } finally {
    expect(await gw.stop()).toBe(0);
  }
  return JSON.parse(readFileSync(out, 'utf8')) as string[];
}

describe('heavy provider libraries are lazy-loaded', () => {
  it('a gateway with only OpenAI never loads the AWS or Google libraries', async () => {
    const port = await freePort();
    const config = `binds:
- port: ${port}
  listeners:
  - routes:
    - name: openai
      backends: [{ai: {name: openai, provider: {openAI: {}}}}]
      policies: {backendAuth: {key: sk-lazy}}
`;
    const loaded = await loadedBy(config, mocks.args(), async () => {
      const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });
      for await (const _ of await openai.chat.completions.create({
        model: 'gpt-4o',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      }))
        void _;
      await openai.models.list();
      mocks.openai.handler = (req, res) => sendJson(res, 200, openaiResponse(req.json));
      await openai.responses.create({ model: 'gpt-4.1', input: 'Hi' });
    });
    expect(loaded).toEqual([]);
  });

  it('a gateway with a Bedrock route loads the AWS libraries once it signs (the check can see them)', async () => {
    const port = await freePort();
    const bedrock = await startBedrockMock();
    const config = `binds:
- port: ${port}
  listeners:
  - routes:
    - name: bedrock
      backends: [{ai: {name: bedrock, provider: {bedrock: {region: us-east-1, model: amazon.nova-lite-v1:0}}}}]
      policies:
        backendAuth:
          aws: {accessKeyId: ${CREDS.accessKeyId}, secretAccessKey: "${CREDS.secretAccessKey}", sessionToken: "${CREDS.sessionToken}"}
`;
    try {
      const loaded = await loadedBy(config, ['--connect-to', `${BEDROCK_HOST}:443:127.0.0.1:${bedrock.upstream.port}`], async () => {
        const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
        await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
      });
      expect(loaded).toContain('@smithy');
      expect(loaded.filter((m) => m === 'google-auth-library' || m === 'gaxios')).toEqual([]);
    } finally {
      await bedrock.upstream.close();
    }
  });
});
