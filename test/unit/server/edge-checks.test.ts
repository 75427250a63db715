// The request checks both edges share, the parsing helpers of the Node edge, and the resolution
// of frontendPolicies.http and bind addresses.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_EDGE, httpEdgeSettings, listenAddress } from '../../../src/config/http-edge.js';
import { splitTarget } from '../../../src/server/node-exchange.js';
import { pathOfTarget, targetOfRawHead } from '../../../src/server/raw-refusal.js';
import { checkMethod, checkNodeHead, declaredLength } from '../../../src/server/request-gate.js';

describe('checkMethod', () => {
  it('lets registered methods through, refuses TRACE (unless allowed), CONNECT and unknown ones', () => {
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND'])
      expect(checkMethod(m, DEFAULT_HTTP_EDGE)).toBeNull();
    expect(checkMethod('TRACE', DEFAULT_HTTP_EDGE)).toMatchObject({
      status: 405,
      close: false,
      headers: [['allow', expect.stringContaining('GET')]],
    });
    expect(checkMethod('TRACE', { ...DEFAULT_HTTP_EDGE, allowTrace: true })).toBeNull();
    expect(checkMethod('CONNECT', DEFAULT_HTTP_EDGE)).toMatchObject({ status: 405 });
    for (const m of ['get', 'G(T', 'BREW', '']) expect(checkMethod(m, DEFAULT_HTTP_EDGE)).toMatchObject({ status: 400, close: true });
  });
});

describe('declaredLength', () => {
  it('is the one Content-Length, 0 without one, and a refusal for two or a bad one', () => {
    expect(declaredLength(['host', 'x', 'content-length', '12'])).toBe(12);
    expect(declaredLength(['host', 'x'])).toBe(0);
    expect(declaredLength(['content-length', '1', 'content-length', '1'])).toMatchObject({ status: 400, close: true });
    expect(declaredLength(['content-length', '-1'])).toMatchObject({ status: 400 });
    expect(declaredLength(['content-length', '1e3'])).toMatchObject({ status: 400 });
  });
});

describe('checkNodeHead', () => {
  const s = DEFAULT_HTTP_EDGE;
  it('serves HTTP/1.0 without Host and HTTP/1.1 with exactly one', () => {
    expect(checkNodeHead(1, 0, [], false, s)).toBeNull();
    expect(checkNodeHead(1, 1, ['Host', 'a'], false, s)).toBeNull();
    expect(checkNodeHead(1, 1, [], true, s)).toBeNull();
    expect(checkNodeHead(1, 1, [], false, s)).toMatchObject({ status: 400, message: expect.stringMatching(/no Host/) });
    expect(checkNodeHead(1, 1, ['host', 'a', 'HOST', 'b'], false, s)).toMatchObject({ status: 400 });
  });

  it('refuses other versions and too many headers', () => {
    expect(checkNodeHead(2, 0, ['Host', 'a'], false, s)).toMatchObject({ status: 505 });
    expect(checkNodeHead(0, 9, [], false, s)).toMatchObject({ status: 505 });
    const many = Array.from({ length: 101 }, (_, i) => [`x-${i}`, 'v']).flat();
    expect(checkNodeHead(1, 1, ['Host', 'a', ...many.slice(4)], false, s)).toBeNull(); // 100 headers
    expect(checkNodeHead(1, 1, ['Host', 'a', ...many], false, s)).toMatchObject({ status: 431 });
  });
});

describe('request targets', () => {
  it('splits origin and absolute forms', () => {
    expect(splitTarget('/a/b?x=1')).toEqual({ path: '/a/b', query: 'x=1', authority: null });
    expect(splitTarget('http://h.example:8080/p?q')).toEqual({ path: '/p', query: 'q', authority: 'h.example:8080' });
    expect(splitTarget('https://user@h/')).toEqual({ path: '/', query: '', authority: 'h' });
    expect(splitTarget('http://h?q')).toEqual({ path: '/', query: 'q', authority: 'h' });
    expect(splitTarget('*')).toEqual({ path: '*', query: '', authority: null });
  });

  it('reads the target of a raw head only from its start', () => {
    expect(targetOfRawHead(Buffer.from('POST /v1/messages?x HTTP/1.1\r\nHost: a'))).toBe('/v1/messages?x');
    expect(targetOfRawHead(Buffer.from('X-Big: aaaa aaa\r\n'))).toBe('');
    expect(targetOfRawHead(Buffer.from('aaaaaaaa'))).toBe('');
    expect(targetOfRawHead(undefined)).toBe('');
    expect(pathOfTarget('/v1/messages?beta=true')).toBe('/v1/messages');
  });
});

describe('frontendPolicies.http', () => {
  it('defaults like nginx and Envoy', () => {
    expect(httpEdgeSettings(undefined)).toEqual({
      maxHeadBytes: 65536,
      maxHeaders: 100,
      headTimeoutMs: 60_000,
      bodyTimeoutMs: 60_000,
      sendTimeoutMs: 60_000,
      allowTrace: false,
    });
  });

  it('reads every key', () => {
    const s = httpEdgeSettings({
      http1MaxHeaderSize: 8192,
      http1MaxHeaders: 50,
      http1IdleTimeout: '5s',
      requestBodyTimeout: '1m30s',
      responseSendTimeout: '500ms',
      allowTrace: true,
    });
    expect(s).toEqual({
      maxHeadBytes: 8192,
      maxHeaders: 50,
      headTimeoutMs: 5000,
      bodyTimeoutMs: 90_000,
      sendTimeoutMs: 500,
      allowTrace: true,
    });
  });
});

describe('listenAddress', () => {
  it('is the bindAddress, else [::] unless IPv6 is disabled (the env wins over the config)', () => {
    expect(listenAddress('127.0.0.1', false, {})).toBe('127.0.0.1');
    expect(listenAddress(undefined, undefined, {})).toBe('::');
    expect(listenAddress(undefined, false, {})).toBe('0.0.0.0');
    expect(listenAddress(undefined, true, { IPV6_ENABLED: 'false' })).toBe('0.0.0.0');
    expect(listenAddress(undefined, false, { IPV6_ENABLED: 'true' })).toBe('::');
  });
});

describe('reload warnings for edge settings', () => {
  it('names a changed bindAddress and head limit', async () => {
    const { startupChanges } = await import('../../../src/runtime/reload-diff.js');
    const bind = (bindAddress?: string) => ({ port: 3000, listeners: [{}], ...(bindAddress ? { bindAddress } : {}) });
    expect(startupChanges({ binds: [bind()] }, { binds: [bind('127.0.0.1')] })).toEqual([
      'binds (port 3000).bindAddress changed: takes effect after a restart (the port keeps listening on every interface)',
    ]);
    expect(startupChanges({ binds: [bind('127.0.0.1')] }, { binds: [bind('127.0.0.1'), { port: 3001, listeners: [{}] }] })).toEqual([]);
    expect(startupChanges({}, { frontendPolicies: { http: { http1MaxHeaderSize: 8192 } } })[0]).toMatch(/http1MaxHeaderSize changed/);
  });
});
