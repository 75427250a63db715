// The credential caches of gateway-minted backend credentials, on a fake clock: assumed-role AWS
// keys (cachedCredentials) and Microsoft Entra tokens (AzureTokenSource) are reused until 5
// minutes before they expire, concurrent callers share one exchange, and a failure is not cached.
import { describe, expect, it } from 'vitest';
import { cachedCredentials } from '../../../src/policies/aws-auth.js';
import { AzureTokenSource } from '../../../src/policies/azure-auth.js';

const MIN = 60_000;

describe('cachedCredentials (assumed-role keys)', () => {
  it('reuses keys until 5 minutes before expiry, shares one call, and retries after a failure', async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const get = cachedCredentials(
      async () => {
        calls++;
        if (fail) throw new Error('sts down');
        return { accessKeyId: `ASIA${calls}`, secretAccessKey: 's', sessionToken: 't', expiration: new Date(now + 60 * MIN) };
      },
      () => now,
    );
    const [a, b] = await Promise.all([get(), get()]);
    expect(calls).toBe(1);
    expect(a).toBe(b);
    now = 54 * MIN;
    expect((await get()).accessKeyId).toBe('ASIA1');
    now = 56 * MIN;
    fail = true;
    await expect(get()).rejects.toThrow('sts down');
    fail = false;
    expect((await get()).accessKeyId).toBe('ASIA3');
    expect(calls).toBe(3);
  });
});

describe('AzureTokenSource', () => {
  it('posts the client-credentials form, caches the token for expires_in less 5 minutes', async () => {
    let now = 0;
    const bodies: string[] = [];
    const fetch = async (url: string | URL | Request, init?: RequestInit) => {
      expect(String(url)).toBe('https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token');
      bodies.push(String(init?.body));
      return new Response(JSON.stringify({ token_type: 'Bearer', expires_in: 3600, access_token: `tok-${bodies.length}` }), {
        status: 200,
      });
    };
    const src = new AzureTokenSource({
      credential: { tenantId: 'tenant-1', clientId: 'c', clientSecret: 'shh' },
      fetch,
      backend: 'az',
      now: () => now,
    });
    const [a, b] = await Promise.all([src.token(), src.token()]);
    expect([a, b]).toEqual(['tok-1', 'tok-1']);
    expect(new URLSearchParams(bodies[0]).get('grant_type')).toBe('client_credentials');
    now = 54 * MIN;
    expect(src.token()).toBe('tok-1');
    now = 56 * MIN;
    expect(await src.token()).toBe('tok-2');
    expect(JSON.stringify(src)).not.toContain('shh');
  });

  it('an Entra refusal is backend_auth_rejected without the secret; an unreachable endpoint backend_auth_failed', async () => {
    const refused = new AzureTokenSource({
      credential: { tenantId: 't', clientId: 'c', clientSecret: 'shh' },
      fetch: async () =>
        new Response(JSON.stringify({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret' }), {
          status: 401,
        }),
      backend: 'az',
    });
    await expect(refused.token()).rejects.toMatchObject({ kind: 'backend_auth_rejected' });
    const down = new AzureTokenSource({
      credential: { tenantId: 't', clientId: 'c', clientSecret: 'shh' },
      fetch: async () => {
        throw new Error('connect ECONNREFUSED');
      },
      backend: 'az',
    });
    await expect(down.token()).rejects.toMatchObject({ kind: 'backend_auth_failed' });
  });
});
