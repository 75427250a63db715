import { describe, expect, it } from 'vitest';
import { CredentialLocation, cookieValue, queryParam, withoutCredentials } from '../../../src/policies/credential-location.js';
import { fakeRequest } from './fake-request.js';

describe('reading credentials', () => {
  it('Bearer prefix is case-insensitive; other schemes and empty values are absent', () => {
    const loc = CredentialLocation.bearer(true);
    expect(loc.extract(fakeRequest({ authorization: 'Bearer abc' }))).toBe('abc');
    expect(loc.extract(fakeRequest({ authorization: 'bearer  abc ' }))).toBe('abc');
    expect(loc.extract(fakeRequest({ authorization: 'Basic abc' }))).toBeUndefined();
    expect(loc.extract(fakeRequest({ authorization: 'Bearer ' }))).toBeUndefined();
    expect(loc.extract(fakeRequest())).toBeUndefined();
  });

  it('header without prefix, query parameter, cookie', () => {
    expect(new CredentialLocation({ header: { name: 'X-Api-Key' } }, false).extract(fakeRequest({ 'x-api-key': 'k1' }))).toBe('k1');
    expect(new CredentialLocation({ queryParameter: { name: 'token' } }, true).extract(fakeRequest({}, { query: 'a=1&token=t%2B1' }))).toBe(
      't+1',
    );
    expect(new CredentialLocation({ cookie: { name: 's' } }, true).extract(fakeRequest({ cookie: 'a=1; s="v2"; b=3' }))).toBe('v2');
    expect(queryParam('x=1&y', 'y')).toBe('');
    expect(cookieValue('a=1', 'b')).toBeUndefined();
  });

  it('a header another policy consumed (the JWT) is not read again (as an API key)', () => {
    const req = fakeRequest({ authorization: 'Bearer abc' });
    CredentialLocation.bearer(true).consume(req);
    expect(CredentialLocation.bearer(false).extract(req)).toBeUndefined();
  });

  it('consume() records the credential for removal', () => {
    const req = fakeRequest({ authorization: 'Bearer abc' });
    CredentialLocation.bearer(true).consume(req);
    expect(req.credentials).toEqual([{ kind: 'header', name: 'authorization', jwt: true }]);
  });
});

describe('removing credentials before forwarding', () => {
  const headers = ['host', 'h', 'authorization', 'Bearer t', 'cookie', 'a=1; s=tok; b=2', 'x-api-key', 'k'];
  const creds = [
    { kind: 'header', name: 'authorization', jwt: true },
    { kind: 'cookie', name: 's', jwt: false },
    { kind: 'query', name: 'token', jwt: false },
  ] as const;

  it('headers, cookies and query parameters go; everything else stays', () => {
    const out = withoutCredentials(headers, 'a=1&token=x&b=2', creds, false);
    expect(out.headers).toEqual(['host', 'h', 'cookie', 'a=1; b=2', 'x-api-key', 'k']);
    expect(out.query).toBe('a=1&b=2');
  });

  it('passthrough keeps the JWT only', () => {
    const out = withoutCredentials(headers, 'token=x', creds, true);
    expect(out.headers).toContain('authorization');
    expect(out.headers).toContain('a=1; b=2');
    expect(out.query).toBe('');
  });

  it('a cookie header holding only the credential disappears', () => {
    expect(withoutCredentials(['cookie', 's=tok'], '', [creds[1]], false).headers).toEqual([]);
  });
});
