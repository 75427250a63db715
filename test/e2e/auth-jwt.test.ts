// jwtAuth through the real gateway process: tokens minted by jose (RS256, ES256, EdDSA), JWKS
// served over HTTP by the test. Every rejection the issue lists, key rotation, the IdP going
// down, a cold start without keys, a watched JWKS file, token removal, and no token in any log
// line or error body.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startGateway, tempDir, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { b64url, JwksServer, makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { MockUpstream, sendJson } from '../helpers/mock-upstream.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const ISS = 'https://idp.test';
const AUD = 'agw-test';
const BASE = `http://127.0.0.1:${PORT}`;

let gw: GatewayProcess;
let up: MockUpstream;
let idp: JwksServer;
let flaky: JwksServer;
let rs: SigningKey, es: SigningKey, ed: SigningKey, other: SigningKey, flakyKey: SigningKey, fileKey: SigningKey;
let dir: string;
const secrets = new Set<string>();

async function token(key: SigningKey, o: Partial<Parameters<typeof mint>[0]> = {}): Promise<string> {
  const t = await mint({ key, issuer: ISS, audience: AUD, claims: { sub: 'alice', scope: 'openid mcp:read' }, ...o });
  secrets.add(t);
  return t;
}

interface Res {
  status: number;
  headers: Headers;
  body: string;
}

async function call(path: string, tok?: string, headers: Record<string, string> = {}): Promise<Res> {
  const r = await fetch(`${BASE}${path}`, { headers: { ...(tok !== undefined ? { authorization: `Bearer ${tok}` } : {}), ...headers } });
  const res = { status: r.status, headers: r.headers, body: await r.text() };
  expectNoSecrets(res.body, secrets, `response body of ${path}`);
  return res;
}

function route(name: string, jwtAuth: string, extra = ''): string {
  return `
    - name: ${name}
      matches: [{path: {pathPrefix: /${name}}}]
      policies:
        jwtAuth:
${jwtAuth.replace(/^/gm, '          ')}
${extra.replace(/^/gm, '        ')}
      backends: [{host: "127.0.0.1:${up.port}"}]`;
}

beforeAll(async () => {
  [rs, es, ed, other, flakyKey, fileKey] = await Promise.all([
    makeKey('rs1', 'RS256'),
    makeKey('es1', 'ES256'),
    makeKey('ed1', 'EdDSA'),
    makeKey('other1', 'RS256'),
    makeKey('flaky1', 'ES256'),
    makeKey('file1', 'EdDSA'),
  ]);
  idp = await JwksServer.start([rs, es, ed]);
  flaky = await JwksServer.start([flakyKey]);
  up = await MockUpstream.start({ tls: false });
  up.handler = (req, res) => sendJson(res, 200, { ok: true, path: req.path });
  dir = tempDir();
  writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [fileKey.publicJwk] }));
  const single = (url: string, mode = 'strict') => `mode: ${mode}\nissuer: ${ISS}\naudiences: [${AUD}]\njwks: {url: "${url}"}`;
  const dead = await JwksServer.start([]);
  const deadUrl = dead.url;
  await dead.close();
  const config = `binds:
- port: ${PORT}
  listeners:
  - routes:${route('strict', single(idp.url))}${route('optional', `issuer: ${ISS}\naudiences: [${AUD}]\njwks: {url: "${idp.url}"}`)}${route(
    'permissive',
    single(idp.url, 'permissive'),
    `authorization:\n  rules:\n  - deny: 'has(jwt.sub) && jwt.sub == "blocked"'`,
  )}${route('passthrough', single(idp.url), 'backendAuth: {passthrough: {}}')}${route(
    'query',
    `${single(idp.url)}\nlocation: {queryParameter: {name: access_token}}`,
  )}${route('cookie', `${single(idp.url)}\nlocation: {cookie: {name: session}}`)}${route(
    'multi',
    `mode: strict\nproviders:\n- issuer: ${ISS}\n  jwks: {url: "${idp.url}"}\n- issuer: https://other.test\n  audiences: [other-aud]\n  jwks: '${JSON.stringify({ keys: [other.publicJwk] })}'`,
  )}${route('flaky', `mode: strict\nissuer: ${ISS}\njwks: {url: "${flaky.url}"}`)}${route('cold', `mode: strict\nissuer: ${ISS}\njwks: {url: "${deadUrl}"}`)}${route(
    'file',
    `mode: strict\nissuer: ${ISS}\njwks: {file: jwks.json}`,
  )}
`;
  gw = await startGateway(writeConfig(dir, 'jwt.yaml', config));
});

afterAll(async () => {
  await gw?.stop();
  expectNoSecrets(gw?.output ?? '', secrets, 'gateway output');
  await Promise.all([up?.close(), idp?.close(), flaky?.close()]);
});

function expectRejected(r: Res, check: RegExp, invalidToken = true): void {
  expect(r.status).toBe(401);
  const challenge = r.headers.get('www-authenticate') ?? '';
  expect(challenge).toMatch(/^Bearer realm="agentgateway"/);
  if (invalidToken) expect(challenge).toContain('error="invalid_token"');
  else expect(challenge).not.toContain('error=');
  const body = JSON.parse(r.body);
  expect(body.error.type).toBe('authentication_error');
  expect(body.error.message).toMatch(check);
}

describe('happy paths', () => {
  it.each(['RS256', 'ES256', 'EdDSA'] as const)('a valid %s token is accepted and removed before forwarding', async (alg) => {
    const key = { RS256: rs, ES256: es, EdDSA: ed }[alg];
    const r = await call('/strict/x', await token(key));
    expect(r.status).toBe(200);
    expect(up.last.path).toBe('/strict/x');
    expect(up.last.headers.authorization).toBeUndefined();
  });

  it('the same token again is served from the verified-token cache', async () => {
    const t = await token(rs);
    expect((await call('/strict/a', t)).status).toBe(200);
    expect((await call('/strict/b', t)).status).toBe(200);
  });

  it('backendAuth passthrough forwards the validated token', async () => {
    const t = await token(es);
    expect((await call('/passthrough/x', t)).status).toBe(200);
    expect(up.last.headers.authorization).toBe(`Bearer ${t}`);
  });

  it('token in a query parameter, removed from the forwarded query', async () => {
    const t = await token(rs);
    const r = await fetch(`${BASE}/query/x?a=1&access_token=${t}&b=2`);
    expect(r.status).toBe(200);
    expect(up.last.path).toBe('/query/x?a=1&b=2');
  });

  it('token in a cookie, removed from the forwarded cookies', async () => {
    const t = await token(ed);
    const r = await call('/cookie/x', undefined, { cookie: `theme=dark; session=${t}; lang=en` });
    expect(r.status).toBe(200);
    expect(up.last.headers.cookie).toBe('theme=dark; lang=en');
  });

  it('multiple providers: each token is checked against the provider of its issuer', async () => {
    expect((await call('/multi/x', await token(rs))).status).toBe(200);
    expect((await call('/multi/x', await token(other, { issuer: 'https://other.test', audience: 'other-aud' }))).status).toBe(200);
    // other.test requires its audience; idp.test keys do not verify other.test tokens
    expectRejected(await call('/multi/x', await token(other, { issuer: 'https://other.test', audience: AUD })), /audience not accepted/);
    expectRejected(await call('/multi/x', await token(rs, { issuer: 'https://other.test', audience: 'other-aud' })), /unknown signing key/);
  });
});

describe('modes', () => {
  it('strict: a request without a token is refused, with a challenge but no error code', async () => {
    expectRejected(await call('/strict/x'), /no bearer token found/, false);
  });

  it('optional: no token passes, an invalid token is refused', async () => {
    expect((await call('/optional/x')).status).toBe(200);
    expectRejected(await call('/optional/x', await token(rs, { expiresIn: -3600 })), /expired/);
  });

  it('permissive: invalid tokens pass without claims, valid ones carry their claims', async () => {
    const blocked = { claims: { sub: 'blocked' } };
    expect((await call('/permissive/x', await token(rs, { ...blocked, expiresIn: -3600 }))).status).toBe(200);
    expect((await call('/permissive/x', await token(rs, blocked))).status).toBe(403);
    expect((await call('/permissive/x')).status).toBe(200);
  });
});

describe('every rejection is a 401 naming the failed check', () => {
  it('alg "none"', async () => {
    const t = `${b64url({ alg: 'none', typ: 'JWT', kid: 'rs1' })}.${b64url({ iss: ISS, aud: AUD, sub: 'eve', exp: 4102444800 })}.`;
    secrets.add(t);
    expectRejected(await call('/strict/x', t), /unsigned tokens \(alg "none"\)/);
  });

  it('HMAC signed with the RSA public key (algorithm confusion)', async () => {
    const { SignJWT } = await import('jose');
    const t = await new SignJWT({ sub: 'eve' })
      .setProtectedHeader({ alg: 'HS256', kid: 'rs1' })
      .setIssuer(ISS)
      .setAudience(AUD)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(rs.publicPem));
    secrets.add(t);
    expectRejected(await call('/strict/x', t), /HMAC-signed tokens \(HS256\) are not accepted/);
  });

  it('expired', async () => expectRejected(await call('/strict/x', await token(rs, { expiresIn: -3600 })), /token expired/));
  it('not yet valid', async () => expectRejected(await call('/strict/x', await token(rs, { notBefore: 3600 })), /not yet valid/));
  it('wrong issuer', async () =>
    expectRejected(await call('/strict/x', await token(rs, { issuer: 'https://evil.test' })), /issuer not accepted/));
  it('wrong audience', async () =>
    expectRejected(await call('/strict/x', await token(es, { audience: 'someone-else' })), /audience not accepted/));
  it('no exp claim', async () =>
    expectRejected(await call('/strict/x', await token(rs, { expiresIn: null })), /required claim exp is missing/));
  it('no kid', async () => expectRejected(await call('/strict/x', await token(rs, { kid: null })), /no kid/));

  it('bad signature: signed by another key under a known kid', async () => {
    expectRejected(await call('/strict/x', await token(other, { kid: 'rs1' })), /signature invalid/);
  });

  it('bad signature: payload altered after signing', async () => {
    const [h, , s] = (await token(rs)).split('.');
    const t = `${h}.${b64url({ iss: ISS, aud: AUD, sub: 'admin', exp: 4102444800 })}.${s}`;
    secrets.add(t);
    expectRejected(await call('/strict/x', t), /signature invalid/);
  });

  it('algorithm that does not fit the key named by kid', async () => {
    expectRejected(await call('/strict/x', await token(es, { kid: 'rs1' })), /algorithm ES256 does not match the RSA signing key/);
  });

  it('malformed token', async () => {
    secrets.add('not-a-jwt-at-all');
    expectRejected(await call('/strict/x', 'not-a-jwt-at-all'), /malformed token/);
  });

  it('errors come in the caller dialect (Anthropic on /messages)', async () => {
    const r = await call('/strict/v1/messages', await token(rs, { expiresIn: -3600 }));
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual({
      type: 'error',
      error: {
        type: 'authentication_error',
        message: 'JWT authentication failed: token expired (exp)',
        code: 'jwt_invalid',
        reason: 'JwtAuth',
      },
    });
  });
});

describe('JWKS over HTTP: caching, rotation, outages', () => {
  it('unknown kid: one refetch picks up a rotated key; another unknown kid within the interval does not refetch', async () => {
    const rotated = await makeKey('rs2', 'RS256');
    const stray = await makeKey('rs3', 'RS256');
    const before = idp.hits;
    idp.keys = [...idp.keys, rotated.publicJwk];
    expect((await call('/strict/x', await token(rotated))).status).toBe(200);
    expect(idp.hits).toBe(before + 1);
    expectRejected(await call('/strict/x', await token(stray)), /unknown signing key/);
    expect(idp.hits).toBe(before + 1);
  });

  it('Cache-Control max-age below the floor does not cause refetches', async () => {
    // the server now says max-age=1; the gateway cached the last answer for at least 60 s
    idp.cacheControl = 'max-age=1';
    const t = await token(rs);
    await call('/strict/x', t);
    const before = idp.hits;
    await new Promise((r) => setTimeout(r, 2200));
    for (let i = 0; i < 3; i++) expect((await call('/strict/x', await token(es))).status).toBe(200);
    expect(idp.hits).toBe(before);
  });

  it('IdP down: cached keys keep working; the failed refetch is logged and the unknown kid refused', async () => {
    expect((await call('/flaky/x', await token(flakyKey, { audience: undefined }))).status).toBe(200);
    flaky.down = true;
    const hits = flaky.hits;
    const unknown = await makeKey('flaky2', 'ES256');
    expectRejected(await call('/flaky/x', await token(unknown, { audience: undefined })), /unknown signing key/);
    expect(flaky.hits).toBe(hits + 1);
    expect((await call('/flaky/x', await token(flakyKey, { audience: undefined }))).status).toBe(200);
    await gw.waitFor('JWKS fetch from http://127.0.0.1:');
    expect(gw.output).toMatch(/JWKS fetch from \S+ failed: HTTP 503 \(serving the cached keys\)/);
    flaky.down = false;
  });

  it('cold start without reachable keys: a clear 503, not a crash', async () => {
    const r = await call('/cold/x', await token(rs, { audience: undefined }));
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('15');
    expect(JSON.parse(r.body).error.message).toMatch(/^cannot verify the token: fetching the JWKS failed \(.+\)$/);
    expect((await call('/strict/x', await token(rs))).status).toBe(200);
  });

  it('a JWKS file is watched: a key added to it is accepted without a reload', async () => {
    expect((await call('/file/x', await token(fileKey, { audience: undefined }))).status).toBe(200);
    const next = await makeKey('file2', 'ES256');
    const t = await token(next, { audience: undefined });
    expectRejected(await call('/file/x', t), /unknown signing key/);
    writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [fileKey.publicJwk, next.publicJwk] }));
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await call('/file/x', t)).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});
