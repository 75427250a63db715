import { describe, expect, it } from 'vitest';
import { isSecret, redact, REDACTED } from '../../../src/admin/redact.js';

describe('redact', () => {
  it('redacts values under secret-named keys and keeps the rest', () => {
    const config = {
      config: { adminToken: 'tok-123', adminAddr: 'localhost:15000' },
      binds: [
        {
          port: 3000,
          listeners: [
            {
              routes: [
                {
                  policies: {
                    backendAuth: { key: 'plain-but-secret' },
                    backendTLS: { key: 'client.key', cert: 'client.pem', root: 'ca.pem' },
                    requestHeaderModifier: { set: { authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': 'abc', 'x-team': 'blue' } },
                  },
                  backends: [
                    {
                      ai: {
                        name: 'oa',
                        provider: { openAI: { model: 'gpt-4o' } },
                        policies: { backendAuth: { key: { file: 'keys/openai' } } },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      ],
      apiKey: { keys: ['k1', 'k2'], entries: [{ key: 'k3', metadata: { team: 'a' } }] },
      basicAuth: { htpasswd: 'user:$2y$...', password: 'pw' },
      mock: { tokensPerSecond: 10, maxTokens: 100, response: 'hello' },
    };
    const r = redact(config) as any;
    const p = r.binds[0].listeners[0].routes[0].policies;
    expect(r.config).toEqual({ adminToken: REDACTED, adminAddr: 'localhost:15000' });
    expect(p.backendAuth.key).toBe(REDACTED);
    expect(p.backendTLS).toEqual({ key: 'client.key', cert: 'client.pem', root: 'ca.pem' });
    expect(p.requestHeaderModifier.set).toEqual({ authorization: REDACTED, 'x-api-key': REDACTED, 'x-team': 'blue' });
    expect(r.binds[0].listeners[0].routes[0].backends[0].ai.policies.backendAuth.key).toEqual({ file: 'keys/openai' });
    expect(r.apiKey).toEqual({ keys: [REDACTED, REDACTED], entries: [{ key: REDACTED, metadata: { team: 'a' } }] });
    expect(r.basicAuth).toEqual({ htpasswd: REDACTED, password: REDACTED });
    expect(r.mock).toEqual({ tokensPerSecond: 10, maxTokens: 100, response: 'hello' });
    expect(JSON.stringify(r)).not.toMatch(/plain-but-secret|tok-123|dXNlcjpwYXNz|k1|k3|\bpw\b/);
  });

  it('redacts secret-shaped values whatever their key', () => {
    expect(isSecret(['headers', 'x-custom'], 'sk-proj-abcdefghijkl')).toBe(true);
    expect(isSecret(['x'], 'Bearer abcdefgh123')).toBe(true);
    expect(isSecret(['x'], 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig')).toBe(true);
    expect(isSecret(['x'], 'AKIAABCDEFGHIJKLMNOP')).toBe(true);
    expect(isSecret(['x'], '-----BEGIN PRIVATE KEY-----\nMII...')).toBe(true);
    expect(isSecret(['model'], 'gpt-4o-mini')).toBe(false);
    expect(isSecret(['host'], 'api.openai.com:443')).toBe(false);
  });
});
