// Path bypasses (CVE-2019-9901 class): dot segments, encoded dots, encoded slashes, encoded
// unreserved letters and doubled slashes must neither slip past a prefix route nor past a CEL
// `deny: request.path.startsWith(...)` rule, and the upstream gets the path that was checked.
// Raw sockets, because fetch and the SDKs normalise URLs before sending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { rawRequest } from '../helpers/raw-request.js';
import { plainMock, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const RAW_PORT = await freePort();

function config(mock: number, port: number, http = ''): string {
  return `
${http}
binds:
- port: ${port}
  listeners:
  - routes:
    - name: public
      matches: [{path: {pathPrefix: /public}}]
      backends: [{host: "127.0.0.1:${mock}"}]
    - name: www
      matches: [{path: {pathPrefix: /www}}]
      policies:
        authorization:
          rules:
          - deny: 'request.path.startsWith("/www/private")'
      backends: [{host: "127.0.0.1:${mock}"}]
    - name: anthropic
      matches: [{path: {pathPrefix: /anthropic}}]
      backends: [{host: "127.0.0.1:${mock}"}]
`;
}

let mock: MockUpstream;
let gw: GatewayProcess;
let raw: GatewayProcess;

beforeAll(async () => {
  mock = await plainMock();
  mock.handler = (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.path }));
  };
  gw = await startGateway(config(mock.port, PORT));
  raw = await startGateway(
    config(
      mock.port,
      RAW_PORT,
      'frontendPolicies: {http: {normalizePath: false, mergeSlashes: false, pathWithEscapedSlashesAction: keepUnchanged}}',
    ),
  );
});

afterAll(async () => {
  await gw?.stop();
  await raw?.stop();
  await mock?.close();
});

const reachedPrivate = () => mock.requests.filter((r) => /private/i.test(decodeURIComponent(r.path)));

describe('path normalisation before routing, CEL and forwarding', () => {
  it('a prefix route is not escaped with dot segments or encoded dots', async () => {
    mock.requests.length = 0;
    for (const target of ['/public/../private/x', '/public/%2e%2e/private/x', '/public/%2E%2e/%2e/private', '/public/./../private']) {
      const r = await rawRequest(PORT, target);
      expect(r.status, target).toBe(404); // normalised to /private/x: no route serves it
      expect(JSON.parse(r.body).error.type).toBe('not_found_error');
    }
    expect(reachedPrivate()).toEqual([]);
  });

  it('an encoded slash or backslash is refused with a 400 in the caller dialect', async () => {
    mock.requests.length = 0;
    for (const target of ['/public/..%2fprivate', '/public/..%2Fprivate/x', '/public/..%5cprivate', '/public/..\\private']) {
      const r = await rawRequest(PORT, target);
      expect(r.status, target).toBe(400);
      const body = JSON.parse(r.body);
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toMatch(/encoded slash or a backslash/);
    }
    const anthropic = await rawRequest(PORT, '/anthropic/x%2f/v1/messages', { method: 'POST', body: '{}' });
    expect(anthropic.status).toBe(400);
    expect(JSON.parse(anthropic.body)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(mock.requests).toEqual([]);
  });

  it('a CEL deny rule sees the normalised path', async () => {
    mock.requests.length = 0;
    for (const target of [
      '/www/%70rivate',
      '/www//private',
      '/www/./private/x',
      '/www/x/../private',
      '/www/%2e/private',
      '/www///%70rivate/',
    ]) {
      const r = await rawRequest(PORT, target);
      expect(r.status, target).toBe(403);
    }
    expect(reachedPrivate()).toEqual([]);
  });

  it('the upstream gets the normalised path, the query untouched', async () => {
    mock.requests.length = 0;
    const r = await rawRequest(PORT, '/www/a/../%7Euser//docs/%3a?q=%2e%2e/x&b=..//');
    expect(r.status).toBe(200);
    expect(mock.last.path).toBe('/www/~user/docs/%3A?q=%2e%2e/x&b=..//');
    expect((await rawRequest(PORT, '/public/ok')).status).toBe(200);
    expect(mock.last.path).toBe('/public/ok');
  });

  it('malformed escapes and NULs are a 400, never forwarded', async () => {
    mock.requests.length = 0;
    for (const target of ['/public/%zz', '/public/%4', '/public/a%00b']) {
      const r = await rawRequest(PORT, target);
      expect(r.status, target).toBe(400);
      expect(JSON.parse(r.body).error.type).toBe('invalid_request_error');
    }
    expect(mock.requests).toEqual([]);
  });

  it('the access log shows the normalised path', async () => {
    await rawRequest(PORT, '/www/%70ublic/../x');
    await gw.waitFor('http.path=/www/x');
  });

  it('with normalisation off the raw path is routed and forwarded as received', async () => {
    mock.requests.length = 0;
    const r = await rawRequest(RAW_PORT, '/public/../private/x');
    expect(r.status).toBe(200);
    expect(mock.last.path).toBe('/public/../private/x');
    expect((await rawRequest(RAW_PORT, '/public/a%2fb')).status).toBe(200);
    expect(mock.last.path).toBe('/public/a%2fb');
  });
});
