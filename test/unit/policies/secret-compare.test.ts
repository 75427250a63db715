// Secrets are compared in constant time: the compare helper uses crypto.timingSafeEqual, and the
// API-key and basic-auth checks go through it. (Timing itself is not measured: no thresholds.)
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const calls = vi.hoisted(() => ({ timingSafeEqual: [] as [number, number][] }));
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:crypto')>();
  return {
    ...real,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.timingSafeEqual.push([a.byteLength, b.byteLength]);
      return real.timingSafeEqual(a, b);
    },
  };
});

const { secretsEqual, digestsEqual, sha256 } = await import('../../../src/policies/secret-compare.js');
const { compileApiKey } = await import('../../../src/policies/api-key.js');
const { verifyPassword } = await import('../../../src/policies/htpasswd.js');
const { fakeCompiler, fakeRequest } = await import('./fake-request.js');

beforeEach(() => {
  calls.timingSafeEqual.length = 0;
});

describe('secretsEqual / digestsEqual', () => {
  it('equal and unequal secrets of any length, via timingSafeEqual on fixed-size digests', () => {
    expect(secretsEqual('hunter2', 'hunter2')).toBe(true);
    expect(secretsEqual('hunter2', 'hunter3')).toBe(false);
    expect(secretsEqual('short', 'a much longer secret')).toBe(false);
    expect(calls.timingSafeEqual).toEqual([
      [32, 32],
      [32, 32],
      [32, 32],
    ]);
  });

  it('digests of different lengths are unequal without a comparison that could throw', () => {
    expect(digestsEqual(sha256('a'), sha256('a').subarray(0, 16))).toBe(false);
    expect(digestsEqual(sha256('a'), sha256('a'))).toBe(true);
  });
});

describe('credential checks use the constant-time comparison', () => {
  it('apiKey: a presented key is confirmed against the stored digest with timingSafeEqual', () => {
    const c = fakeCompiler();
    const policy = compileApiKey(
      { keys: [{ key: 'sk-alpha-1' }, { keyHash: `sha256:${createHash('sha256').update('sk-beta-2').digest('hex')}` }] },
      ['apiKey'],
      c,
    )!;
    for (const key of ['sk-alpha-1', 'sk-beta-2']) {
      calls.timingSafeEqual.length = 0;
      const req = fakeRequest({ authorization: `Bearer ${key}` });
      policy.apply(req);
      expect(req.apiKey).not.toBeNull();
      expect(calls.timingSafeEqual).toEqual([[32, 32]]);
    }
    expect(() => policy.apply(fakeRequest({ authorization: 'Bearer sk-wrong' }))).toThrow(/invalid API key/);
  });

  it('basic auth {SHA} and $5$ entries are compared with timingSafeEqual', () => {
    const sha = { user: 'u', kind: 'sha1' as const, hash: `{SHA}${createHash('sha1').update('pw').digest('base64')}` };
    expect(verifyPassword('pw', sha)).toBe(true);
    expect(verifyPassword('px', sha)).toBe(false);
    const crypt = { user: 'u', kind: 'sha256crypt' as const, hash: '$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.' };
    expect(verifyPassword('secret', crypt)).toBe(true);
    expect(calls.timingSafeEqual.length).toBe(3);
  });
});
