// The admin API never turns a secret into something shown in clear: a `<redacted:ID>` marker
// pasted into a non-secret field is refused (not "put back" into a route name, a header, the
// logs or metric labels), and a file named as a JWKS, htpasswd or API-key file is never quoted
// back by validation.
import { dirname, join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, configFile } from '../helpers/admin-client.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';

const DATA = await freePort();
const ADMIN = await freePort();
const STATS = await freePort();
const KEY = 'sk-proj-hardening-secret-7f3a9c';
const FILE_SECRET = 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-hardening-file-secret';

const CONFIG = `binds:
- port: ${DATA}
  listeners:
  - routes:
    - name: chat
      matches: [{path: {pathPrefix: /v1}}]
      backends: [{ai: {name: mock, provider: {mock: {response: "hi"}}}}]
    - name: openai
      matches: [{path: {pathPrefix: /openai}}]
      policies:
        backendAuth: {key: ${KEY}}
      backends: [{ai: {name: openai, provider: {openAI: {}}}}]
`;

let gw: GatewayProcess;
let file: string;
const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);

beforeAll(async () => {
  file = configFile(CONFIG);
  writeFileSync(join(dirname(file), 'secrets.env'), `${FILE_SECRET}\nDB_URL=postgres://app:hardening-db-password@db:5432/app\n`);
  gw = await GatewayProcess.start({
    args: ['-f', file],
    env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, STATS_ADDR: `127.0.0.1:${STATS}`, READINESS_ADDR: 'off' },
  });
});
afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
});

async function everythingShown(): Promise<string> {
  const parts = await Promise.all([
    admin.request('/api/runtime').then((r) => r.text()),
    admin.request('/config_dump').then((r) => r.text()),
    admin.request('/api/config').then((r) => r.text()),
    fetch(`http://127.0.0.1:${STATS}/metrics`).then((r) => r.text()),
  ]);
  return [...parts, gw.output].join('\n');
}

describe('a <redacted:ID> marker pasted into a non-secret field', () => {
  it('is refused at its line by validate and apply, and the secret shows up nowhere', async () => {
    const masked: string = (await admin.json('/api/config')).yaml;
    const marker = /"<redacted:[0-9a-f]{16}>"/.exec(masked)![0];
    const edits = [
      masked.replace('name: chat', `name: ${marker}`),
      masked.replace(
        'matches: [{path: {pathPrefix: /v1}}]',
        `matches: [{path: {pathPrefix: /v1}}]\n      policies: {requestHeaderModifier: {set: {x-debug: ${marker}}}}`,
      ),
    ];
    const before = (await admin.runtime()).version;
    for (const edited of edits) {
      for (const path of ['/api/config/validate', '/api/config']) {
        const r = await admin.request(path, { method: 'POST', body: edited });
        const body = await r.text();
        expect(r.status).toBe(400);
        expect(body).toMatch(/can only stand in a secret field/);
        expect(body).not.toContain(KEY);
      }
    }
    const problems = (await admin.json('/api/config/validate', { method: 'POST', body: edits[0] })).problems;
    expect(problems).toEqual([expect.objectContaining({ path: 'binds[0].listeners[0].routes[0].name', line: 5 })]);
    expect(readFileSync(file, 'utf8')).toBe(CONFIG);
    expect((await admin.runtime()).version).toBe(before);
    await fetch(`http://127.0.0.1:${DATA}/v1/chat/completions`, { method: 'POST', body: '{"model":"m","messages":[]}' });
    expect(await everythingShown()).not.toContain(KEY);
  });

  it('still follows its secret into another secret field', async () => {
    const masked: string = (await admin.json('/api/config')).yaml;
    const marker = /"<redacted:[0-9a-f]{16}>"/.exec(masked)![0];
    const moved = masked.replace(
      'backends: [{ai: {name: mock,',
      `policies: {requestHeaderModifier: {set: {authorization: ${marker}}}}\n      backends: [{ai: {name: mock,`,
    );
    const r = await admin.json('/api/config', { method: 'POST', body: moved });
    expect(r.ok).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain(`authorization: ${KEY}`);
    expect(await everythingShown()).not.toContain(KEY);
  });
});

describe('POST /api/config/validate with a readable non-key file named as a key file', () => {
  it.each([
    ['a JWKS file', 'jwtAuth: {issuer: https://idp, jwks: {file: secrets.env}}', /JWKS file .*secrets\.env is not valid JSON/],
    [
      'an htpasswd file',
      'basicAuth: {htpasswd: {file: secrets.env}}',
      /htpasswd: line 1: expected user:hash; line 2: unsupported hash format/,
    ],
    [
      'an API-key file',
      'apiKey: {keys: {file: secrets.env}}',
      /apiKey\.keys: secrets\.env: Invalid input: expected array, received string$/,
    ],
  ])('%s: says what is wrong without quoting it', async (_what, policy, message) => {
    const text = CONFIG.replace('      backends: [{ai: {name: mock,', `      policies: {${policy}}\n      backends: [{ai: {name: mock,`);
    const r = await admin.request('/api/config/validate', { method: 'POST', body: text });
    const body = await r.text();
    expect(r.status).toBe(400);
    expect(JSON.parse(body).error).toMatch(message);
    expect(body).not.toMatch(/AWS_SECRET|wJalrXUtnFEMI|hardening-file-secret|hardening-db-password|postgres:|DB_URL/);
  });
});
