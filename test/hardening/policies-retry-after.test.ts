// Retries honour the upstream's Retry-After (and retry-after-ms) up to `maxRetryAfter`: the
// retry waits as asked; a response asking for longer than the cap, or than requestTimeout has
// left, goes back to the client at once, untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream, Recorded } from '../helpers/mock-upstream.js';
import { plainMock, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;

let mock: MockUpstream;
let gw: GatewayProcess;
const arrivals = new Map<string, number[]>();

/** `/<route>/<status>/<header>/<value>`: the first request of a path gets that answer, later ones 200. */
function script(req: Recorded, res: import('node:http').ServerResponse): void {
  const seen = arrivals.get(req.path) ?? [];
  seen.push(Date.now());
  arrivals.set(req.path, seen);
  const [, , status, header, value] = req.path.split('/');
  if (seen.length === 1) {
    res.writeHead(Number(status), { 'content-type': 'application/json', [header!]: decodeURIComponent(value!) });
    res.end(JSON.stringify({ error: { message: 'slow down', type: 'rate_limit_error' } }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, attempt: req.headers['x-retry-attempt'] ?? '0' }));
}

const route = (name: string, policies: string) => `
    - name: ${name}
      matches: [{path: {pathPrefix: /${name}}}]
      policies:
${policies}
      backends: [{host: "127.0.0.1:${mock.port}"}]`;

beforeAll(async () => {
  mock = await plainMock();
  mock.handler = script;
  gw = await startGateway(`
binds:
- port: ${PORT}
  listeners:
  - routes:${route('ra', '        retry: {attempts: 1, codes: [429, 503]}')}${route('cap', '        retry: {attempts: 1, codes: [429], maxRetryAfter: 2s}')}${route(
    'deadline',
    '        retry: {attempts: 1, codes: [429]}\n        timeout: {requestTimeout: 3s}',
  )}
`);
});

afterAll(async () => {
  await gw?.stop();
  await mock?.close();
});

async function get(path: string) {
  const started = Date.now();
  const r = await fetch(`${BASE}${path}`);
  return { status: r.status, headers: r.headers, body: await r.text(), tookMs: Date.now() - started };
}

const gap = (path: string) => {
  const t = arrivals.get(path)!;
  return t[1]! - t[0]!;
};

describe('Retry-After on retried responses', () => {
  it('a 429 with Retry-After: 1 is retried after a second', async () => {
    const r = await get('/ra/429/retry-after/1');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ ok: true, attempt: '1' });
    expect(arrivals.get('/ra/429/retry-after/1')).toHaveLength(2);
    expect(gap('/ra/429/retry-after/1')).toBeGreaterThanOrEqual(950);
  });

  it('a 503 with retry-after-ms is retried after that many milliseconds', async () => {
    const r = await get('/ra/503/retry-after-ms/1200');
    expect(r.status).toBe(200);
    expect(gap('/ra/503/retry-after-ms/1200')).toBeGreaterThanOrEqual(1150);
  });

  it('an HTTP-date Retry-After is honoured too', async () => {
    const when = encodeURIComponent(new Date(Date.now() + 2000).toUTCString());
    const r = await get(`/ra/429/retry-after/${when}`);
    expect(r.status).toBe(200);
    expect(gap(`/ra/429/retry-after/${when}`)).toBeGreaterThanOrEqual(900);
  });

  it('asking for longer than maxRetryAfter: the 429 goes to the client as it is, not retried', async () => {
    const r = await get('/cap/429/retry-after/30');
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('30');
    expect(JSON.parse(r.body).error.message).toBe('slow down');
    expect(arrivals.get('/cap/429/retry-after/30')).toHaveLength(1);
  });

  it('the default cap is 10 s', async () => {
    const r = await get('/ra/429/retry-after/11');
    expect(r.status).toBe(429);
    expect(arrivals.get('/ra/429/retry-after/11')).toHaveLength(1);
  });

  it('asking for longer than requestTimeout has left: answered now, not a 504 later', async () => {
    const r = await get('/deadline/429/retry-after/5');
    expect(r.status).toBe(429);
    expect(arrivals.get('/deadline/429/retry-after/5')).toHaveLength(1);
  });
});
