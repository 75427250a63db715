// Every error the gateway answers names its kind three ways, all from one table (src/errors.ts):
// the body (`code` and `reason` in the caller's dialect), the access-log line (`error.code` and
// `reason`) and the `reason` label of agentgateway_requests_total. One real gateway, one route
// per failure: each authentication failure, authorization, CSRF, rate limit, timeouts, upstream
// failures, no route, and a body refused by the server before routing.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { scrape, total } from '../helpers/prometheus.js';
import { chat, plainMock, post, type Reply, startGateway } from '../helpers/traffic.js';
import { freePorts } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const [PORT, STATS] = await freePorts(2);
const ISS = 'https://issuer.test';

let up: MockUpstream;
let gw: GatewayProcess;
let key: SigningKey;
const stalls: ServerResponse[] = [];

const ai = (port: number) => `[{ai: {name: up, provider: {openAI: {model: gpt-4o}}, hostOverride: "127.0.0.1:${port}"}}]`;

function config(): string {
  const jwks = `'${JSON.stringify({ keys: [key.publicJwk] })}'`;
  const sha = `{SHA}${createHash('sha1').update('open-sesame').digest('base64')}`;
  const route = (name: string, policies: string, backends = ai(up.port)) => `
    - name: ${name}
      matches: [{path: {pathPrefix: /${name}}}]
      policies: {${policies}}
      backends: ${backends}`;
  return `frontendPolicies:
  http: {maxBufferSize: 4096}
binds:
- port: ${PORT}
  listeners:
  - routes:${[
    route('jwt', `jwtAuth: {mode: strict, issuer: "${ISS}", jwks: ${jwks}}`),
    route('key', 'apiKey: {mode: strict, keys: [{key: sk-good, allowedModels: [gpt-4o-mini]}]}'),
    route('basic', `basicAuth: {mode: strict, htpasswd: "ali:${sha}"}`),
    route('authz', `authorization: {rules: [{deny: 'request.headers["x-block"] == "1"'}]}`),
    route('csrf', 'csrf: {}'),
    route('limited', 'localRateLimit: [{maxTokens: 1, tokensPerFill: 1, fillInterval: 1h}]'),
    route('slow', 'timeout: {backendRequestTimeout: 200ms}'),
    route('whole', 'timeout: {requestTimeout: 200ms}'),
    route('down', '', '[{host: "127.0.0.1:1"}]'),
    route('anthropic', `jwtAuth: {mode: strict, issuer: "${ISS}", jwks: ${jwks}}`).replace(
      ai(up.port),
      `[{ai: {name: claude, provider: {anthropic: {}}, hostOverride: "127.0.0.1:${up.port}", policies: {ai: {routes: {/v1/messages: messages}}}}}]`,
    ),
  ].join('')}
`;
}

beforeAll(async () => {
  [up, key] = await Promise.all([plainMock(), makeKey('k1', 'RS256')]);
  gw = await startGateway(config(), { STATS_ADDR: `127.0.0.1:${STATS}` });
});

afterAll(async () => {
  for (const r of stalls) r.destroy();
  await gw?.stop();
  await up?.close();
});

const url = (path: string) => `http://127.0.0.1:${PORT}${path}`;
const send = (path: string, headers: Record<string, string> = {}) => post(url(path), chat(), headers);

interface Expected {
  status: number;
  route: string;
  code: string;
  reason: string;
}

/** The body says it, the access-log line says it, and the requests counter is labelled with it. */
async function expectReported(r: Reply, e: Expected, dialect: 'openai' | 'anthropic' | 'google' = 'openai'): Promise<void> {
  expect(r.status).toBe(e.status);
  const body = JSON.parse(r.text);
  if (dialect === 'openai') expect(body.error).toMatchObject({ code: e.code, reason: e.reason });
  else if (dialect === 'anthropic') expect(body).toMatchObject({ type: 'error', error: { code: e.code, reason: e.reason } });
  else expect(body.error.details).toEqual([expect.objectContaining({ reason: e.code, metadata: { reason: e.reason } })]);
  const line = () =>
    gw.output.split('\n').find((l) => l.includes('\trequest ') && l.includes(`route=${e.route} `) && l.includes(`error.code=${e.code} `));
  await waitUntil(() => line() !== undefined, 5000, `an access-log line for ${e.code} on ${e.route}`);
  expect(line()).toContain(` reason=${e.reason} `);
  expect(line()).toContain(` http.status=${e.status} `);
  const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
  expect(total(m, 'agentgateway_requests_total', { route: e.route, status: String(e.status), reason: e.reason })).toBeGreaterThan(0);
}

describe('authentication failures', () => {
  it('JWT: a missing token and an invalid one are JwtAuth, with their own codes', async () => {
    await expectReported(await send('/jwt/v1/chat/completions'), { status: 401, route: 'jwt', code: 'jwt_missing', reason: 'JwtAuth' });
    const expired = await mint({ key, issuer: ISS, expiresIn: -3600 });
    await expectReported(await send('/jwt/v1/chat/completions', { authorization: `Bearer ${expired}` }), {
      status: 401,
      route: 'jwt',
      code: 'jwt_invalid',
      reason: 'JwtAuth',
    });
  });

  it("JWT on a native Gemini path: Google's error shape, the same code and reason", async () => {
    const r = await post(url('/jwt/v1beta/models/gemini-2.5-flash:generateContent'), {
      contents: [{ role: 'user', parts: [{ text: 'Hi' }] }],
    });
    await expectReported(r, { status: 401, route: 'jwt', code: 'jwt_missing', reason: 'JwtAuth' }, 'google');
    expect(JSON.parse(r.text).error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
  });

  it('API key: missing, invalid, and a model the key may not use', async () => {
    const r = await send('/key/v1/chat/completions');
    await expectReported(r, { status: 401, route: 'key', code: 'api_key_missing', reason: 'APIKeyAuth' });
    await expectReported(await send('/key/v1/chat/completions', { authorization: 'Bearer sk-bad' }), {
      status: 401,
      route: 'key',
      code: 'api_key_invalid',
      reason: 'APIKeyAuth',
    });
    await expectReported(await send('/key/v1/chat/completions', { authorization: 'Bearer sk-good' }), {
      status: 403,
      route: 'key',
      code: 'model_not_allowed',
      reason: 'Authorization',
    });
  });

  it('basic: missing and wrong credentials are BasicAuth', async () => {
    await expectReported(await send('/basic/v1/chat/completions'), {
      status: 401,
      route: 'basic',
      code: 'basic_auth_missing',
      reason: 'BasicAuth',
    });
    const wrong = `Basic ${Buffer.from('ali:guess').toString('base64')}`;
    await expectReported(await send('/basic/v1/chat/completions', { authorization: wrong }), {
      status: 401,
      route: 'basic',
      code: 'basic_auth_invalid',
      reason: 'BasicAuth',
    });
  });

  it('an Anthropic client reads the same code and reason in its own dialect', async () => {
    const r = await send('/anthropic/v1/messages');
    await expectReported(r, { status: 401, route: 'anthropic', code: 'jwt_missing', reason: 'JwtAuth' }, 'anthropic');
    expect(JSON.parse(r.text).error.type).toBe('authentication_error');
  });
});

describe('authorization', () => {
  it('a deny rule and a CSRF refusal are Authorization', async () => {
    await expectReported(await send('/authz/v1/chat/completions', { 'x-block': '1' }), {
      status: 403,
      route: 'authz',
      code: 'authorization_denied',
      reason: 'Authorization',
    });
    await expectReported(await send('/csrf/v1/chat/completions', { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' }), {
      status: 403,
      route: 'csrf',
      code: 'csrf_rejected',
      reason: 'Authorization',
    });
  });
});

describe('rate limits', () => {
  it('a refusal is RateLimit, with Retry-After', async () => {
    expect((await send('/limited/v1/chat/completions')).status).toBe(200);
    const r = await send('/limited/v1/chat/completions');
    expect(r.headers.get('retry-after')).not.toBeNull();
    await expectReported(r, { status: 429, route: 'limited', code: 'rate_limited', reason: 'RateLimit' });
  });
});

describe('timeouts', () => {
  it('an upstream too slow for backendRequestTimeout, and a request past requestTimeout, are Timeout, told apart by code', async () => {
    up.handler = (_req, res) => void stalls.push(res);
    try {
      await expectReported(await send('/slow/v1/chat/completions'), {
        status: 504,
        route: 'slow',
        code: 'upstream_timeout',
        reason: 'Timeout',
      });
      await expectReported(await send('/whole/v1/chat/completions'), {
        status: 504,
        route: 'whole',
        code: 'request_timeout',
        reason: 'Timeout',
      });
    } finally {
      up.reset();
    }
  });
});

describe('upstream failures', () => {
  it('an unreachable upstream is UpstreamFailure', async () => {
    await expectReported(await send('/down/anything'), {
      status: 503,
      route: 'down',
      code: 'upstream_unreachable',
      reason: 'UpstreamFailure',
    });
  });

  it('an upstream answering something that is not JSON is UpstreamFailure', async () => {
    up.handler = (_req, res) => void res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
    try {
      await expectReported(await send('/jwt/v1/chat/completions', { authorization: `Bearer ${await mint({ key, issuer: ISS })}` }), {
        status: 502,
        route: 'jwt',
        code: 'upstream_bad_response',
        reason: 'UpstreamFailure',
      });
    } finally {
      up.reset();
    }
  });
});

describe('before and without a route', () => {
  it('no route is NotFound', async () => {
    const r = await send('/nowhere');
    expect(r.status).toBe(404);
    expect(JSON.parse(r.text).error).toMatchObject({ code: 'route_not_found', reason: 'NotFound' });
    await waitUntil(() => gw.output.includes('error.code=route_not_found reason=NotFound'), 5000, 'the access-log line');
    const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    expect(total(m, 'agentgateway_requests_total', { status: '404', reason: 'NotFound' })).toBeGreaterThan(0);
  });

  it('a body over the limit on /v1/messages/count_tokens is refused in the Anthropic dialect', async () => {
    const r = await post(url('/anthropic/v1/messages/count_tokens'), {
      model: 'x',
      messages: [{ role: 'user', content: 'a'.repeat(8192) }],
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toEqual({
      type: 'error',
      error: {
        type: 'request_too_large',
        message: 'request body exceeds the limit of 4096 bytes',
        code: 'body_too_large',
        reason: 'InvalidRequest',
      },
    });
    // refused before routing, and still one access-log line and one count like any request
    await waitUntil(() => gw.output.includes('error.code=body_too_large reason=InvalidRequest'), 5000, 'the access-log line');
    const m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    expect(total(m, 'agentgateway_requests_total', { status: '413', reason: 'InvalidRequest' })).toBe(1);
  });
});
