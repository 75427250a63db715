// CEL authorization, listener-level policies, CORS, CSRF and header modifiers through the real
// gateway: rules over JWT claims, paths, headers, source address and the LLM request model;
// preflights answered before authentication; CORS headers on proxied responses and errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startGateway, tempDir, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
const ISS = 'https://idp.policies.test';

let gw: GatewayProcess;
let up: MockUpstream;
let key: SigningKey;
const secrets: string[] = [];

async function tok(claims: Record<string, unknown> = {}): Promise<string> {
  const t = await mint({ key, issuer: ISS, claims: { sub: 'alice', scope: 'openid mcp:read', groups: ['dev'], ...claims } });
  secrets.push(t);
  return t;
}

async function get(path: string, headers: Record<string, string> = {}, method = 'GET', body?: string): Promise<Response> {
  const r = await fetch(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  expectNoSecrets(await r.clone().text(), secrets, `body of ${path}`);
  return r;
}

/** Listener-level jwtAuth and authorization; one route per feature under test. */
function gatewayConfig(): string {
  const jwks = `'${JSON.stringify({ keys: [key.publicJwk] })}'`;
  const host = `[{host: "127.0.0.1:${up.port}"}]`;
  const optionalJwt = `jwtAuth: {mode: optional, issuer: "${ISS}", jwks: ${jwks}}`;
  const config = `binds:
- port: ${PORT}
  listeners:
  - name: main
    policies:
      jwtAuth: {mode: strict, issuer: "${ISS}", jwks: ${jwks}}
      authorization:
        rules:
        - deny: 'request.headers["x-block"] == "1"'
    routes:
    - name: cel
      matches: [{path: {pathPrefix: /cel}}]
      policies:
        authorization:
          rules:
          - 'jwt.scope.contains("mcp:read")'
          - require: 'cidr("127.0.0.1/8").containsIP(source.address)'
          - deny: 'request.path.startsWith("/cel/admin") && !jwt.groups.exists(g, g == "admin")'
      backends: ${host}
    - name: remote
      matches: [{path: {pathPrefix: /remote}}]
      policies:
        authorization: {rules: [{require: 'cidr("10.0.0.0/8").containsIP(source.address)'}]}
      backends: ${host}
    - name: public
      matches: [{path: {pathPrefix: /public}}]
      policies:
        ${optionalJwt}
      backends: ${host}
    - name: cors
      matches: [{path: {pathPrefix: /cors}}]
      policies:
        cors:
          allowOrigins: [https://app.example.com, "https://*.trusted.test"]
          allowMethods: [GET, POST]
          allowHeaders: [authorization, content-type]
          exposeHeaders: [x-request-id]
          allowCredentials: true
          maxAge: 10m
      backends: ${host}
    - name: csrf
      matches: [{path: {pathPrefix: /csrf}}]
      policies:
        ${optionalJwt}
        csrf: {additionalOrigins: [https://partner.test]}
      backends: ${host}
    - name: headers
      matches: [{path: {pathPrefix: /headers}}]
      policies:
        ${optionalJwt}
        requestHeaderModifier: {set: {x-route: r}, add: {x-added: a}, remove: [x-drop]}
        responseHeaderModifier: {set: {x-resp-route: r}, remove: [x-upstream-secret]}
      backends:
      - host: "127.0.0.1:${up.port}"
        policies:
          requestHeaderModifier: {set: {x-backend: b}, remove: [x-added]}
          responseHeaderModifier: {add: {x-resp-backend: b}}
    - name: llm
      matches: [{path: {pathPrefix: /llm}}]
      policies:
        ${optionalJwt}
        authorization: {rules: [{deny: 'llm.requestModel == "forbidden-model"'}]}
      backends:
      - ai: {name: mock, provider: {mock: {}}}
`;
  return config;
}

beforeAll(async () => {
  key = await makeKey('pol1', 'ES256');
  up = await MockUpstream.start({ tls: false });
  up.handler = (req, res) => {
    // An upstream doing its own CORS: the gateway's policy must replace, not duplicate, its header.
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-upstream-secret': 'internal',
      'x-request-id': 'r-1',
      'access-control-allow-origin': '*',
    });
    res.end(JSON.stringify({ ok: true, path: req.path }));
  };
  gw = await startGateway(writeConfig(tempDir(), 'policies.yaml', gatewayConfig()));
});

afterAll(async () => {
  await gw?.stop();
  expectNoSecrets(gw?.output ?? '', secrets, 'gateway output');
  await up?.close();
});

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

describe('CEL authorization over claims, paths, headers and the source address', () => {
  it('jwt.scope.contains("mcp:read") and cidr("127.0.0.1/8").containsIP(source.address) allow', async () => {
    expect((await get('/cel/x', bearer(await tok()))).status).toBe(200);
  });

  it('a token without the scope is denied with 403 in the caller dialect', async () => {
    const r = await get('/cel/x', bearer(await tok({ scope: 'openid' })));
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({
      error: {
        message: 'request denied by authorization policy',
        type: 'permission_error',
        param: null,
        code: 'authorization_denied',
        reason: 'Authorization',
      },
    });
  });

  it('a path rule over a claim list', async () => {
    expect((await get('/cel/admin/users', bearer(await tok()))).status).toBe(403);
    expect((await get('/cel/admin/users', bearer(await tok({ groups: ['dev', 'admin'] })))).status).toBe(200);
  });

  it('the listener deny rule over a header combines with the route rules', async () => {
    expect((await get('/cel/x', { ...bearer(await tok()), 'x-block': '1' })).status).toBe(403);
  });

  it('a source-address requirement the client does not meet', async () => {
    expect((await get('/remote/x', bearer(await tok()))).status).toBe(403);
  });

  // With the access log off nothing records the client address, so the server reads it only
  // when a rule asks (no getpeername() per request); the rules must see the same address.
  it('source.address rules hold with the access log off (the address read on demand)', async () => {
    await gw.stop();
    gw = await startGateway(writeConfig(tempDir(), 'policies.yaml', gatewayConfig()), [], { AGW_LOG_LEVEL: 'info,request=off' });
    expect((await get('/cel/x', bearer(await tok()))).status).toBe(200);
    expect((await get('/remote/x', bearer(await tok()))).status).toBe(403);
  });

  it('llm.requestModel on an LLM route, checked before any answer', async () => {
    const chat = (model: string) => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });
    const denied = await get('/llm/v1/chat/completions', { 'content-type': 'application/json' }, 'POST', chat('forbidden-model'));
    expect(denied.status).toBe(403);
    const ok = await get('/llm/v1/chat/completions', { 'content-type': 'application/json' }, 'POST', chat('any-model'));
    expect(ok.status).toBe(200);
    expect((await ok.json()).object).toBe('chat.completion');
  });
});

describe('listener-level policies', () => {
  it('the listener jwtAuth (strict) applies to routes without their own', async () => {
    const r = await get('/cel/x');
    expect(r.status).toBe(401);
    expect((await r.json()).error.message).toBe('JWT authentication failed: no bearer token found');
  });

  it("a route's own jwtAuth replaces the listener's", async () => {
    expect((await get('/public/x')).status).toBe(200);
    expect((await get('/public/x', bearer('garbage'))).status).toBe(401);
  });
});

describe('CORS', () => {
  const preflight = (origin: string) => ({
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'Authorization, Content-Type',
  });

  it('a preflight is answered by the gateway before authentication (no token, no upstream call)', async () => {
    const n = up.requests.length;
    const r = await get('/cors/x', preflight('https://app.example.com'), 'OPTIONS');
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('access-control-allow-methods')).toBe('GET,POST');
    expect(r.headers.get('access-control-allow-headers')).toBe('authorization,content-type');
    expect(r.headers.get('access-control-max-age')).toBe('600');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(up.requests.length).toBe(n);
  });

  it('wildcard host patterns; a disallowed origin gets a bare 200 preflight', async () => {
    expect((await get('/cors/x', preflight('https://api.trusted.test'), 'OPTIONS')).headers.get('access-control-allow-origin')).toBe(
      'https://api.trusted.test',
    );
    const r = await get('/cors/x', preflight('https://evil.example'), 'OPTIONS');
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('an actual request gets the CORS headers on the proxied response', async () => {
    const r = await get('/cors/x', { origin: 'https://app.example.com', ...bearer(await tok()) });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(r.headers.get('access-control-allow-credentials')).toBe('true');
    expect(r.headers.get('access-control-expose-headers')).toBe('x-request-id');
    expect(r.headers.get('x-request-id')).toBe('r-1');
  });

  it('and on the 401 when authentication fails, so the browser can read the error', async () => {
    const r = await get('/cors/x', { origin: 'https://app.example.com' });
    expect(r.status).toBe(401);
    expect(r.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
  });

  it('no CORS headers of the gateway for other origins (the upstream answer is left as it is)', async () => {
    const r = await get('/cors/x', { origin: 'https://evil.example', ...bearer(await tok()) });
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('CSRF', () => {
  it('cross-site unsafe requests are refused with 403', async () => {
    const r = await get('/csrf/x', { origin: 'https://evil.test' }, 'POST', '{}');
    expect(r.status).toBe(403);
    expect((await r.json()).error.message).toBe('CSRF check failed: cross-origin request detected');
    expect((await get('/csrf/x', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }, 'POST', '{}')).status).toBe(403);
  });

  it('same-origin, trusted, origin-less and safe-method requests pass', async () => {
    expect((await get('/csrf/x', { origin: BASE }, 'POST', '{}')).status).toBe(200);
    expect((await get('/csrf/x', { 'sec-fetch-site': 'same-origin', origin: 'https://elsewhere.test' }, 'POST', '{}')).status).toBe(200);
    expect((await get('/csrf/x', { 'sec-fetch-site': 'cross-site', origin: 'https://partner.test' }, 'POST', '{}')).status).toBe(200);
    expect((await get('/csrf/x', {}, 'POST', '{}')).status).toBe(200);
    expect((await get('/csrf/x', { origin: 'https://evil.test' })).status).toBe(200);
  });
});

describe('header modifiers at route and backend level', () => {
  it('request: route set/add/remove, then the backend layer', async () => {
    expect((await get('/headers/x', { 'x-drop': 'gone', 'x-keep': 'kept' })).status).toBe(200);
    const h = up.last.headers;
    expect(h['x-route']).toBe('r');
    expect(h['x-backend']).toBe('b');
    expect(h['x-added']).toBeUndefined(); // added by the route, removed by the backend layer
    expect(h['x-drop']).toBeUndefined();
    expect(h['x-keep']).toBe('kept');
  });

  it('response: route set/remove and backend add', async () => {
    const r = await get('/headers/x');
    expect(r.headers.get('x-resp-route')).toBe('r');
    expect(r.headers.get('x-resp-backend')).toBe('b');
    expect(r.headers.get('x-upstream-secret')).toBeNull();
    expect(r.headers.get('x-request-id')).toBe('r-1');
  });
});
