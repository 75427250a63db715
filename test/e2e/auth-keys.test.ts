// API keys and basic auth through the real gateway, driven by the official SDKs: the OpenAI
// client sends its key as a Bearer token, the Anthropic client as x-api-key (default location,
// no config change). Keys plain, sha256-hashed and bcrypt-hashed (from a file), metadata in CEL,
// allowedModels; htpasswd with every supported hash format. No key or password in any log line
// or error body.
import Anthropic from '@anthropic-ai/sdk';
import bcrypt from 'bcryptjs';
import { createHash, randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startGateway, tempDir, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { ANTHROPIC_TEXT, OPENAI_TEXT } from '../helpers/provider-formats.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
const rnd = () => randomBytes(12).toString('hex');
const KEYS = {
  alice: `sk-gw-alice-${rnd()}`,
  bob: `sk-gw-bob-${rnd()}`,
  carol: `sk-gw-carol-${rnd()}`,
  dave: `sk-gw-dave-${rnd()}`,
  upstreamOpenai: `sk-upstream-openai-${rnd()}`,
  upstreamAnthropic: `sk-upstream-anthropic-${rnd()}`,
};
const PASSWORDS = { ann: `ann-${rnd()}`, ben: `ben-${rnd()}`, cat: 'cat-pass-5!', dan: 'dan-pass-6?', eve: 'eve-pass-apr1' };
// Produced by `openssl passwd -5/-6/-apr1` (an implementation independent of ours).
const OPENSSL_HASHES = {
  cat: '$5$Qx8kz1LmPa$aCU4fBvLi8kfSesJBaheYDjgiaOf5bJcjulhlUKQgn4',
  dan: '$6$Zq9.xY2rTu$Don1gSakHCphwQKq99L0O7wzMR9EerTDkJcJ4y2bd0fY1O7CRZbm0u4V9Mme8u6ue1QUvDaFv7PSpg2.ZqvKj1',
  eve: '$apr1$Ap1rSalt$cJzhjxxGZGLbBmmMX06270',
};
const secrets = [...Object.values(KEYS), PASSWORDS.ann, PASSWORDS.ben];

let gw: GatewayProcess;
let openaiUp: MockUpstream;
let anthropicUp: MockUpstream;
let hostUp: MockUpstream;

/** Routes for each key kind, mode and location; htpasswd and keys files are written beside it. */
function gatewayConfig(): string {
  const bobHash = createHash('sha256').update(KEYS.bob).digest('hex');
  const config = `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: openai
      matches: [{path: {pathPrefix: /openai}}]
      policies:
        apiKey:
          mode: strict
          keys:
          - key: ${KEYS.alice}
            metadata: {user: alice, tier: gold, level: 3}
            allowedModels: [gpt-4o-mini]
          - keyHash: "sha256:${bobHash}"
            metadata: {user: bob, tier: silver, level: 1}
        authorization:
          rules:
          - require: 'apiKey.tier == "gold" && apiKey.level > 2'
        backendAuth: {key: {file: upstream-openai.key}}
      backends:
      - ai: {name: openai, provider: {openAI: {}}}
    - name: anthropic
      matches: [{path: {pathPrefix: /anthropic}}]
      policies:
        apiKey: {mode: strict, keys: {file: keys.yaml}}
        backendAuth: {key: ${KEYS.upstreamAnthropic}}
      backends:
      - ai: {name: anthropic, provider: {anthropic: {}}, policies: {ai: {routes: {/v1/messages: messages}}}}
    - name: keys-optional
      matches: [{path: {pathPrefix: /keys-optional}}]
      policies:
        apiKey: {keys: [{key: ${KEYS.alice}}], location: {header: {name: x-gateway-key}}}
      backends: [{host: "127.0.0.1:${hostUp.port}"}]
    - name: keys-permissive
      matches: [{path: {pathPrefix: /keys-permissive}}]
      policies:
        apiKey: {mode: permissive, keys: [{key: ${KEYS.bob}, metadata: {tier: silver}}]}
        authorization: {rules: [{deny: 'apiKey.tier == "silver"'}]}
      backends: [{host: "127.0.0.1:${hostUp.port}"}]
    - name: basic
      matches: [{path: {pathPrefix: /basic}}]
      policies:
        basicAuth: {htpasswd: {file: users.htpasswd}, realm: Gateway Test, mode: strict}
        authorization: {rules: [{deny: 'basicAuth.username == "eve" && request.method == "DELETE"'}]}
      backends: [{host: "127.0.0.1:${hostUp.port}"}]
    - name: basic-optional
      matches: [{path: {pathPrefix: /optbasic}}]
      policies:
        basicAuth: {htpasswd: {file: users.htpasswd}}
      backends: [{host: "127.0.0.1:${hostUp.port}"}]
`;
  return config;
}

beforeAll(async () => {
  [openaiUp, anthropicUp, hostUp] = await Promise.all([MockUpstream.start(), MockUpstream.start(), MockUpstream.start({ tls: false })]);
  hostUp.handler = (req, res) => sendJson(res, 200, { ok: true, path: req.path });
  const dir = tempDir();
  // bcrypt keys and htpasswd hashes contain `$`, which config env substitution would expand: files.
  writeConfig(dir, 'upstream-openai.key', `${KEYS.upstreamOpenai}\n`); // backendAuth {file}: trailing newline trimmed
  writeConfig(
    dir,
    'keys.yaml',
    `- key: ${KEYS.carol}\n  metadata: {user: carol}\n- keyHash: "${bcrypt.hashSync(KEYS.dave, 4)}"\n  metadata: {user: dave}\n`,
  );
  writeConfig(
    dir,
    'users.htpasswd',
    [
      `ann:${bcrypt.hashSync(PASSWORDS.ann, 4)}`,
      `ben:{SHA}${createHash('sha1').update(PASSWORDS.ben).digest('base64')}`,
      ...Object.entries(OPENSSL_HASHES).map(([u, h]) => `${u}:${h}`),
      '',
    ].join('\n'),
  );
  gw = await startGateway(writeConfig(dir, 'keys-gw.yaml', gatewayConfig()), [
    '--connect-to',
    `api.openai.com:443:127.0.0.1:${openaiUp.port}`,
    '--connect-to',
    `api.anthropic.com:443:127.0.0.1:${anthropicUp.port}`,
  ]);
});

afterAll(async () => {
  await gw?.stop();
  expectNoSecrets(gw?.output ?? '', secrets, 'gateway output');
  await Promise.all([openaiUp?.close(), anthropicUp?.close(), hostUp?.close()]);
});

const openai = (apiKey: string) => new OpenAI({ baseURL: `${BASE}/openai/v1`, apiKey, maxRetries: 0 });
const anthropic = (apiKey: string) => new Anthropic({ baseURL: `${BASE}/anthropic`, apiKey, maxRetries: 0 });
const chat = (model = 'gpt-4o-mini') => ({ model, messages: [{ role: 'user' as const, content: 'Hello' }] });

async function rejected(p: Promise<unknown>): Promise<{ status: number; message: string; raw: string }> {
  const e = (await p.then(
    () => null,
    (err: unknown) => err,
  )) as { status?: number; message?: string; error?: unknown } | null;
  expect(e, 'request should have failed').not.toBeNull();
  const raw = JSON.stringify(e!.error ?? null) + String(e!.message);
  expectNoSecrets(raw, secrets, 'SDK error');
  return { status: e!.status ?? 0, message: String(e!.message), raw };
}

describe('apiKey with the OpenAI SDK (Authorization: Bearer)', () => {
  it('a plain key with metadata passing the CEL rule: the upstream gets the gateway key from backendAuth {file}, not the client key', async () => {
    const r = await openai(KEYS.alice).chat.completions.create(chat());
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(openaiUp.last.headers.authorization).toBe(`Bearer ${KEYS.upstreamOpenai}`);
    expect(JSON.stringify(openaiUp.last.headers)).not.toContain(KEYS.alice);
  });

  it('allowedModels: another model is refused with 403', async () => {
    const n = openaiUp.requests.length;
    const e = await rejected(openai(KEYS.alice).chat.completions.create(chat('gpt-4o')));
    expect(e.status).toBe(403);
    expect(e.message).toContain('this API key is not allowed to use model "gpt-4o"');
    expect(openaiUp.requests.length).toBe(n);
  });

  it('a sha256-hashed key authenticates; its metadata fails the CEL rule: 403', async () => {
    const e = await rejected(openai(KEYS.bob).chat.completions.create(chat()));
    expect(e.status).toBe(403);
    expect(e.message).toContain('request denied by authorization policy');
  });

  it('a wrong key and a missing key are 401 with WWW-Authenticate', async () => {
    const wrong = `${KEYS.alice}x`;
    secrets.push(wrong);
    expect((await rejected(openai(wrong).chat.completions.create(chat()))).status).toBe(401);
    const r = await fetch(`${BASE}/openai/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chat()) });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="agentgateway"');
    expect((await r.json()).error.message).toBe('API key authentication failed: no API key found');
  });
});

describe('apiKey with the Anthropic SDK (x-api-key, default location), keys from a file', () => {
  it('a plain key from the file', async () => {
    const m = await anthropic(KEYS.carol).messages.create({
      model: 'claude-haiku-4-5',
      max_tokens: 20,
      messages: [{ role: 'user', content: 'Hi' }],
    });
    expect(m.content[0]).toEqual({ type: 'text', text: ANTHROPIC_TEXT });
    expect(anthropicUp.last.headers['x-api-key']).toBe(KEYS.upstreamAnthropic);
    expect(JSON.stringify(anthropicUp.last.headers)).not.toContain(KEYS.carol);
  });

  it('a bcrypt-hashed key from the file, twice (the second from the verified cache)', async () => {
    for (let i = 0; i < 2; i++) {
      const m = await anthropic(KEYS.dave).messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 20,
        messages: [{ role: 'user', content: 'Hi' }],
      });
      expect(m.content[0]).toEqual({ type: 'text', text: ANTHROPIC_TEXT });
    }
  });

  it('a wrong key: 401 in Anthropic format', async () => {
    const e = await rejected(
      anthropic(KEYS.alice).messages.create({ model: 'claude-haiku-4-5', max_tokens: 20, messages: [{ role: 'user', content: 'Hi' }] }),
    );
    expect(e.status).toBe(401);
    expect(e.raw).toContain('"type":"authentication_error"');
  });
});

describe('apiKey modes and locations', () => {
  it('optional, custom header: no key passes; a valid key is stripped; a wrong key is refused', async () => {
    expect((await fetch(`${BASE}/keys-optional/x`)).status).toBe(200);
    expect((await fetch(`${BASE}/keys-optional/x`, { headers: { 'x-gateway-key': KEYS.alice, 'x-other': '1' } })).status).toBe(200);
    expect(hostUp.last.headers['x-gateway-key']).toBeUndefined();
    expect(hostUp.last.headers['x-other']).toBe('1');
    expect((await fetch(`${BASE}/keys-optional/x`, { headers: { 'x-gateway-key': 'nope' } })).status).toBe(401);
  });

  it('permissive: a wrong key passes without metadata, a valid key carries it', async () => {
    expect((await fetch(`${BASE}/keys-permissive/x`, { headers: { authorization: 'Bearer nope' } })).status).toBe(200);
    expect((await fetch(`${BASE}/keys-permissive/x`, { headers: { authorization: `Bearer ${KEYS.bob}` } })).status).toBe(403);
  });
});

describe('basicAuth against htpasswd (bcrypt, {SHA}, $5$, $6$, $apr1$)', () => {
  const basic = (u: string, p: string) => ({ authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}` });

  it.each(Object.keys(PASSWORDS) as (keyof typeof PASSWORDS)[])('user %s with the right password', async (u) => {
    const r = await fetch(`${BASE}/basic/x`, { headers: basic(u, PASSWORDS[u]) });
    expect(r.status).toBe(200);
    expect(hostUp.last.headers.authorization).toBeUndefined();
  });

  it('wrong password, unknown user, missing credentials: 401 with the realm', async () => {
    for (const headers of [basic('ann', 'wrong'), basic('nobody', PASSWORDS.ann), {}]) {
      const r = await fetch(`${BASE}/basic/x`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toBe('Basic realm="Gateway Test", charset="UTF-8"');
      expectNoSecrets(await r.text(), secrets, 'basic auth error');
    }
  });

  it('basicAuth.username in CEL', async () => {
    expect((await fetch(`${BASE}/basic/x`, { method: 'DELETE', headers: basic('eve', PASSWORDS.eve) })).status).toBe(403);
    expect((await fetch(`${BASE}/basic/x`, { method: 'DELETE', headers: basic('dan', PASSWORDS.dan) })).status).toBe(200);
  });

  it('optional mode with the default realm', async () => {
    expect((await fetch(`${BASE}/optbasic/x`)).status).toBe(200);
    const r = await fetch(`${BASE}/optbasic/x`, { headers: basic('ben', 'wrong') });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Basic realm="Restricted", charset="UTF-8"');
  });
});
