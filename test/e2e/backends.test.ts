// Backend kinds and upstream addressing: `host` backends (plain and with backendTLS),
// `hostOverride`, `pathPrefix`, `pathOverride`, weights, and `--resolve` pointing a TLS host at a
// local server while the certificate is still verified for its name.
import OpenAI from 'openai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { CA_FILE, MockUpstream } from '../helpers/mock-upstream.js';
import { OPENAI_TEXT } from '../helpers/provider-formats.js';
import { freePort } from '../helpers/ports.js';

let plain: MockUpstream;
let tls: MockUpstream;
let gw: GatewayProcess;
const PORT = await freePort();

beforeAll(async () => {
  plain = await MockUpstream.start({ tls: false });
  tls = await MockUpstream.start();
  const dir = mkdtempSync(join(tmpdir(), 'agw-backends-'));
  const cfg = join(dir, 'config.yaml');
  writeFileSync(
    cfg,
    `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: plain-host
      matches: [{path: {pathPrefix: /plain}}]
      backends: [{host: "127.0.0.1:${plain.port}"}]
      policies:
        backendAuth: {key: sk-host-key}
        requestHeaderModifier: {set: {x-team: blue}, remove: [x-drop-me]}
        responseHeaderModifier: {add: {x-served-by: agentgateway}}
    - name: tls-host
      matches: [{path: {pathPrefix: /secure}}]
      backends:
      - host: "upstream.test:${tls.port}"
        policies:
          backendTLS: {root: ${JSON.stringify(CA_FILE)}}
    - name: override
      matches: [{path: {pathPrefix: /local}}]
      backends:
      - ai:
          name: local-openai
          provider: {openAI: {model: llama3}}
          hostOverride: "127.0.0.1:${plain.port}"
          pathPrefix: /compat/v1
          policies:
            ai: {routes: {/v1/chat/completions: completions, "*": passthrough}}
    - name: fixed-path
      matches: [{path: {pathPrefix: /fixed}}]
      backends:
      - ai:
          name: fixed
          provider: {openAI: {}}
          hostOverride: "127.0.0.1:${plain.port}"
          pathOverride: /deployments/x/chat/completions
    - name: weighted
      matches: [{path: {pathPrefix: /weighted}}]
      backends:
      - {host: "127.0.0.1:${plain.port}", weight: 3}
      - {host: "upstream.test:${tls.port}", weight: 1, policies: {backendTLS: {root: ${JSON.stringify(CA_FILE)}}}}
`,
  );
  gw = await GatewayProcess.start({ args: ['-f', cfg, '--resolve', `upstream.test:${tls.port}:127.0.0.1`] });
});

afterAll(async () => {
  await gw.stop();
  await plain.close();
  await tls.close();
});

afterEach(() => {
  plain.reset();
  tls.reset();
});

describe('host backends', () => {
  it('forward the full path and query over plain HTTP, with header modifiers and the injected key', async () => {
    const r = await fetch(`http://127.0.0.1:${PORT}/plain/v1/models?limit=2`, {
      headers: { authorization: 'Bearer client', 'x-drop-me': '1', 'x-keep': 'yes' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-served-by')).toBe('agentgateway');
    const up = plain.last;
    expect(up.path).toBe('/plain/v1/models?limit=2');
    expect(up.headers.authorization).toBe('Bearer sk-host-key');
    expect(up.headers['x-team']).toBe('blue');
    expect(up.headers['x-drop-me']).toBeUndefined();
    expect(up.headers['x-keep']).toBe('yes');
  });

  it('use TLS with backendTLS, verifying the certificate for the configured name (--resolve)', async () => {
    const r = await fetch(`http://127.0.0.1:${PORT}/secure/v1/models`);
    expect(r.status).toBe(200);
    expect(tls.last.path).toBe('/secure/v1/models');
    expect(tls.last.headers.host).toBe(`upstream.test:${tls.port}`);
  });

  it('share traffic by weight', async () => {
    for (let i = 0; i < 80; i++) await fetch(`http://127.0.0.1:${PORT}/weighted/v1/models`);
    // 3:1 weights: about 60 and 20; far from 40:40 either way
    expect(plain.requests.length).toBeGreaterThan(45);
    expect(tls.requests.length).toBeGreaterThan(5);
    expect(plain.requests.length + tls.requests.length).toBe(80);
  });
});

describe('AI backend addressing', () => {
  it('hostOverride is plain HTTP; pathPrefix replaces the provider base path', async () => {
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/local/v1`, apiKey: 'x', maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(plain.last.path).toBe('/compat/v1/chat/completions');
    expect(plain.last.json.model).toBe('llama3');
    await fetch(`http://127.0.0.1:${PORT}/local/v1/models`);
    expect(plain.last.path).toBe('/compat/v1/models');
  });

  it('pathOverride replaces the whole path', async () => {
    plain.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"x","object":"chat.completion","choices":[]}');
    };
    const r = await fetch(`http://127.0.0.1:${PORT}/fixed/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(r.status).toBe(200);
    expect(plain.last.path).toBe('/deployments/x/chat/completions');
  });
});
