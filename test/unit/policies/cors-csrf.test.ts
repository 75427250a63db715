import { describe, expect, it } from 'vitest';
import { CorsPolicy } from '../../../src/policies/cors.js';
import { CsrfPolicy } from '../../../src/policies/csrf.js';
import { fakeRequest } from './fake-request.js';

describe('CORS origin matching (agentgateway/Envoy semantics)', () => {
  const allowed = (origins: string[], origin: string) => {
    const req = fakeRequest({ origin });
    new CorsPolicy({ allowOrigins: origins }).apply(req);
    return req.responseHeaders.includes('access-control-allow-origin');
  };

  it('default ports are equivalent to explicit ones; scheme and port must match', () => {
    expect(allowed(['http://example.com:80'], 'http://example.com')).toBe(true);
    expect(allowed(['https://example.com'], 'https://example.com:443')).toBe(true);
    expect(allowed(['https://example.com'], 'http://example.com')).toBe(false);
    expect(allowed(['https://*.com:8443'], 'https://foo.com')).toBe(false);
  });

  it('wildcards in the host, "*" for any origin, malformed origins never match', () => {
    expect(allowed(['http://*.bar.com'], 'http://foo.bar.com')).toBe(true);
    expect(allowed(['http://*.org'], 'http://foo.bar.com')).toBe(false);
    expect(allowed(['*'], 'https://anything.test')).toBe(true);
    expect(allowed(['http://example.com'], 'http://example.com/path')).toBe(false);
  });

  it('preflight with "*" lists echoes the requested method and headers, "*" without credentials', () => {
    const req = fakeRequest(
      { origin: 'https://a.test', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-a,  x-b' },
      { method: 'OPTIONS' },
    );
    const reply = new CorsPolicy({ allowOrigins: ['*'], allowMethods: ['*'], allowHeaders: ['*'] }).apply(req)!;
    const h = Object.fromEntries(reply.headers.flatMap((v, i, a) => (i % 2 === 0 ? [[v, a[i + 1]]] : [])));
    expect(h['access-control-allow-methods']).toBe('PUT');
    expect(h['access-control-allow-headers']).toBe('x-a, x-b');
  });

  it('no Origin: untouched', () => {
    expect(new CorsPolicy({ allowOrigins: ['*'] }).apply(fakeRequest({}, { method: 'OPTIONS' }))).toBeUndefined();
  });
});

describe('CSRF', () => {
  const csrf = new CsrfPolicy({ additionalOrigins: ['https://trusted.test'] });
  const post = (h: Record<string, string>) => () => csrf.apply(fakeRequest({ host: 'gw:4000', ...h }, { method: 'POST' }));

  it('refuses cross-site unsafe requests', () => {
    expect(post({ origin: 'https://evil.test' })).toThrow('CSRF check failed: cross-origin request detected');
    expect(post({ 'sec-fetch-site': 'same-site' })).toThrow(/Sec-Fetch-Site/);
  });

  it('accepts same-origin, trusted, null and missing origins', () => {
    expect(post({ origin: 'http://gw:4000' })).not.toThrow();
    expect(post({ origin: 'https://trusted.test' })).not.toThrow();
    expect(post({ origin: 'null' })).not.toThrow();
    expect(post({})).not.toThrow();
    expect(post({ 'sec-fetch-site': 'none' })).not.toThrow();
  });
});
