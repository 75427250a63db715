// backendAuth.azure.explicitConfig.clientSecret (agentgateway's shape): the real gateway gets a
// Microsoft Entra ID token from a mock token endpoint shaped like login.microsoftonline.com's
// (`POST /{tenant}/oauth2/v2.0/token`, form-encoded client credentials, answering
// `{token_type, expires_in, ext_expires_in, access_token}`; AZURE_AUTHORITY_HOST points at it),
// and sends it to the Azure OpenAI mock as `Authorization: Bearer`, in place of the client's
// credential. The token is cached until near expiry; a refused secret is a clear 401; nothing
// secret is printed; unsupported Azure auth modes are refused at load.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aiBackendConfig } from '../helpers/ai-backend-config.js';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { OPENAI_TEXT } from '../helpers/provider-formats.js';

// Ports from this worker's slice (test/helpers/ports.ts): test files run in parallel.
const PORT = await freePort();
const ADMIN = await freePort();
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const SECRET = 'sampleCredentia1s~EntraClientSecret0001';
const HOST = 'my-resource.openai.azure.com';

interface TokenMock {
  port: number;
  forms: Record<string, string>[];
  /** Metadata-service calls: the Metadata header and the query. */
  imds: string[];
  /** Lifetime (seconds) of the next tokens. */
  expiresIn: number;
  server: Server;
}

async function startTokenMock(): Promise<TokenMock> {
  const mock = { forms: [], imds: [], expiresIn: 3599 } as unknown as TokenMock;
  mock.server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      const send = (status: number, json: unknown) => {
        const text = JSON.stringify(json);
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      };
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/metadata/identity/oauth2/token') {
        // The instance metadata service's managed-identity token (learn.microsoft.com, "How to use managed identities ... to acquire an access token").
        mock.imds.push(`${req.headers.metadata} ${url.search}`);
        if (req.method !== 'GET' || req.headers.metadata !== 'true')
          return send(400, { error: 'invalid_request', error_description: 'Required metadata header not specified' });
        const expiresOn = Math.floor(Date.now() / 1000) + 3599;
        return send(200, {
          access_token: `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.imds-${mock.imds.length}.sig`,
          client_id: url.searchParams.get('client_id') ?? 'system',
          expires_in: '3599',
          expires_on: String(expiresOn),
          ext_expires_in: '3599',
          not_before: String(expiresOn - 3599),
          resource: url.searchParams.get('resource'),
          token_type: 'Bearer',
        });
      }
      const m = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(req.url ?? '');
      if (req.method !== 'POST' || m === null)
        return send(404, { error: 'invalid_request', error_description: `AADSTS90002: no ${req.url}` });
      const form = Object.fromEntries(new URLSearchParams(body));
      mock.forms.push(form);
      if (m[1] !== TENANT || form.grant_type !== 'client_credentials' || form.client_id !== CLIENT_ID) {
        return send(400, { error: 'invalid_request', error_description: 'AADSTS900144: bad request' });
      }
      if (form.client_secret !== SECRET) {
        return send(401, {
          error: 'invalid_client',
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: 0000`,
        });
      }
      const n = mock.forms.length;
      send(200, {
        token_type: 'Bearer',
        expires_in: mock.expiresIn,
        ext_expires_in: mock.expiresIn,
        access_token: `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.minted-${n}.sig`,
      });
    });
  });
  await new Promise<void>((resolve) => mock.server.listen(0, '127.0.0.1', resolve));
  mock.port = (mock.server.address() as AddressInfo).port;
  return mock;
}

let azure: MockUpstream;
let entra: TokenMock;
beforeAll(async () => {
  [azure, entra] = await Promise.all([MockUpstream.start({ cert: 'aws' }), startTokenMock()]);
});
afterAll(async () => {
  await azure.close();
  await new Promise<void>((resolve) => entra.server.close(() => resolve()));
});

function config(azureAuth: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agw-entra-'));
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
  const azure = azureAuth.replace('$SECRET_FILE', join(dir, 'secret'));
  return aiBackendConfig({
    dir,
    port: PORT,
    name: 'azure-openai',
    provider: '{azure: {resourceName: my-resource, resourceType: openAI}}',
    policies: `{backendAuth: {azure: ${azure}}}`,
  });
}

const start = (file: string) =>
  GatewayProcess.start({
    args: ['-f', file, '--connect-to', `${HOST}:443:127.0.0.1:${azure.port}`, '--connect-to', `169.254.169.254:80:127.0.0.1:${entra.port}`],
    env: { AZURE_AUTHORITY_HOST: `http://127.0.0.1:${entra.port}`, ADMIN_ADDR: `127.0.0.1:${ADMIN}` },
  });
const clientSecretAuth = (secret: string) =>
  `{explicitConfig: {clientSecret: {tenant_id: "${TENANT}", client_id: "${CLIENT_ID}", client_secret: ${secret}}}}`;

const openai = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: 'client-key-not-for-azure', maxRetries: 0 });
const ask = () => openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] });

describe('Azure with gateway-minted Microsoft Entra ID tokens', () => {
  it('client credentials: the minted token goes as Bearer, cached for its life and renewed near expiry', async () => {
    entra.forms.length = 0;
    entra.expiresIn = 3599;
    const gw = await start(config(clientSecretAuth('{file: $SECRET_FILE}')));
    try {
      expect((await ask()).choices[0]!.message.content).toBe(OPENAI_TEXT);
      expect(entra.forms).toEqual([
        {
          grant_type: 'client_credentials',
          client_id: CLIENT_ID,
          client_secret: SECRET,
          scope: 'https://cognitiveservices.azure.com/.default',
        },
      ]);
      const up = azure.last.headers;
      expect(up.authorization).toBe('Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.minted-1.sig');
      expect(up['api-key']).toBeUndefined();
      expect(JSON.stringify(up)).not.toContain('client-key-not-for-azure');
      await Promise.all([ask(), ask(), ask()]);
      expect(entra.forms).toHaveLength(1);
      expect(azure.last.headers.authorization).toBe('Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.minted-1.sig');
      const dump = await (await fetch(`http://127.0.0.1:${ADMIN}/config_dump`)).text();
      expect(dump).not.toContain(SECRET);
    } finally {
      await gw.stop();
    }
    expect(gw.output).not.toContain(SECRET);
    expect(gw.output).not.toContain('minted-1');
  });

  it('a token within 5 minutes of expiry is renewed before the next request', async () => {
    entra.forms.length = 0;
    entra.expiresIn = 120;
    const gw = await start(config(clientSecretAuth(`"${SECRET}"`)));
    try {
      await ask();
      await ask();
      expect(entra.forms).toHaveLength(2);
      expect(azure.last.headers.authorization).toBe('Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.minted-2.sig');
    } finally {
      entra.expiresIn = 3599;
      await gw.stop();
    }
  });

  it('a client secret Entra refuses is a 401 in the caller dialect, naming the Entra error, never the secret', async () => {
    azure.reset();
    const gw = await start(config(clientSecretAuth('"not-the-secret"')));
    try {
      const e = await ask().catch((err) => err);
      expect(e).toBeInstanceOf(OpenAI.APIError);
      expect(e.status).toBe(401);
      expect(e.message).toContain('cannot get a Microsoft Entra token for azure-openai: invalid_client');
      expect(e.message).not.toContain('not-the-secret');
      expect(azure.requests).toEqual([]);
    } finally {
      await gw.stop();
    }
    expect(gw.output).not.toContain('not-the-secret');
  });

  it('a user-assigned managed identity: the token from the instance metadata service goes as Bearer, cached', async () => {
    entra.imds.length = 0;
    const gw = await start(
      config('{explicitConfig: {managedIdentity: {userAssignedIdentity: {clientId: 11111111-2222-3333-4444-555555555555}}}}'),
    );
    try {
      expect((await ask()).choices[0]!.message.content).toBe(OPENAI_TEXT);
      await ask();
      expect(entra.imds).toEqual([
        'true ?api-version=2018-02-01&resource=https%3A%2F%2Fcognitiveservices.azure.com&client_id=11111111-2222-3333-4444-555555555555',
      ]);
      expect(azure.last.headers.authorization).toBe('Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.imds-1.sig');
    } finally {
      await gw.stop();
    }
  });

  it('workload identity and implicit modes are refused at load with the YAML path', async () => {
    for (const [auth, message] of [
      ['{explicitConfig: {workloadIdentity: {}}}', 'azure workloadIdentity is not supported yet'],
      ['{implicit: {}}', 'azure implicit auth is not supported yet'],
    ] as const) {
      const r = await runCli(['--validate-only', '-f', config(auth)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('backendAuth.azure');
      expect(r.stderr).toContain(message);
    }
  });
});
