// The password worker pool (it runs the compiled worker from dist/, which `npm test` builds).
import { createHash } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compileApiKey } from '../../../src/policies/api-key.js';
import { compileBasicAuth } from '../../../src/policies/basic-auth.js';
import { apr1, shaCrypt } from '../../../src/policies/htpasswd.js';
import { MAX_PENDING, PasswordPool, passwordPool, workerFile } from '../../../src/policies/password-pool.js';
import { GatewayError } from '../../../src/errors.js';
import { fakeCompiler, fakeRequest } from './fake-request.js';

const pool = new PasswordPool(1, workerFile());
afterAll(() => pool.close());

const bcryptHash = bcrypt.hashSync('bee', 4);

describe('PasswordPool', () => {
  it('answers the index of the first matching hash, off the event loop', async () => {
    const hashes = [
      { kind: 'bcrypt' as const, hash: bcryptHash },
      { kind: 'sha512crypt' as const, hash: shaCrypt('sha512', 'see', '$6$saltsalt$') },
      { kind: 'apr1' as const, hash: apr1('eh', '$apr1$abcdefgh$') },
    ];
    expect(await pool.firstMatch('bee', hashes)).toBe(0);
    expect(await pool.firstMatch('see', hashes)).toBe(1);
    expect(await pool.firstMatch('eh', hashes)).toBe(2);
    expect(await pool.firstMatch('nope', hashes)).toBe(-1);
    expect(await pool.firstMatch('bee', [{ kind: 'bcrypt', hash: 'not-a-hash' }])).toBe(-1);
  });

  it(`refuses checks beyond ${MAX_PENDING} waiting with a 503 and Retry-After, instead of queueing without end`, async () => {
    const hashes = [{ kind: 'bcrypt' as const, hash: bcryptHash }];
    const queued = Array.from({ length: MAX_PENDING }, () => pool.firstMatch('x', hashes));
    const refused = await pool.firstMatch('x', hashes).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ kind: 'auth_overloaded', status: 503, headers: [['retry-after', '1']] });
    expect(await Promise.all(queued)).toEqual(new Array(MAX_PENDING).fill(-1));
    expect(await pool.firstMatch('bee', hashes)).toBe(0);
  });
});

describe('refused credentials are remembered, never hashed twice', () => {
  it('basicAuth', async () => {
    const spy = vi.spyOn(passwordPool(), 'firstMatch');
    const policy = compileBasicAuth({ htpasswd: `alice:${bcryptHash}` }, ['basicAuth'], fakeCompiler())!;
    const auth = (pw: string) => fakeRequest({ authorization: `Basic ${Buffer.from(`alice:${pw}`).toString('base64')}` });
    for (let i = 0; i < 3; i++)
      await expect(Promise.resolve().then(() => policy.apply(auth('wrong')))).rejects.toThrow(/invalid username or password/);
    expect(spy).toHaveBeenCalledTimes(1);
    const ok = auth('bee');
    await policy.apply(ok);
    expect(ok.basicAuth).toEqual({ username: 'alice' });
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
  });

  it('apiKey bcrypt entries', async () => {
    const spy = vi.spyOn(passwordPool(), 'firstMatch');
    const sha = `sha256:${createHash('sha256').update('sk-plain').digest('hex')}`;
    const policy = compileApiKey(
      { mode: 'strict', keys: [{ keyHash: sha }, { keyHash: bcrypt.hashSync('sk-salted', 4) }] },
      ['apiKey'],
      fakeCompiler(),
    )!;
    const req = (k: string) => fakeRequest({ authorization: `Bearer ${k}` });
    for (let i = 0; i < 3; i++)
      await expect(Promise.resolve().then(() => policy.apply(req('sk-wrong')))).rejects.toThrow(/invalid API key/);
    expect(spy).toHaveBeenCalledTimes(1);
    const ok = req('sk-salted');
    await policy.apply(ok);
    expect(ok.apiKey).not.toBeNull();
    spy.mockRestore();
  });
});
