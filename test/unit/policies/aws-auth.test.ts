// SigV4 signing of Bedrock requests, checked by an independent verifier (test/helpers/sigv4-verify.ts)
// that recomputes the signature with the known secret: a right secret verifies, a wrong one, a
// changed body, path or host does not; temporary credentials carry their session token.
import { describe, expect, it } from 'vitest';
import { AwsRequestSigner } from '../../../src/policies/aws-auth.js';
import { verifySigV4 } from '../../helpers/sigv4-verify.js';

const KEYS = { accessKeyId: 'AKIDEXAMPLE0000000000', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const HOST = 'bedrock-runtime.us-east-1.amazonaws.com';
const PATH = `/model/${encodeURIComponent('us.anthropic.claude-sonnet-4-5-20250929-v1:0')}/converse-stream`;
const BODY = Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: [{ text: 'Hello ✓' }] }] }));

async function signed(keys: typeof KEYS & { sessionToken?: string }, path = PATH) {
  const signer = new AwsRequestSigner({ region: 'us-east-1', service: 'bedrock', keys, backend: 'bedrock' });
  const extra = await signer.headers({ method: 'POST', host: HOST, path, body: BODY });
  const headers: Record<string, string> = { host: HOST, 'content-type': 'application/json' };
  for (let i = 0; i < extra.length; i += 2) headers[extra[i]!] = extra[i + 1]!;
  return headers;
}

describe('AwsRequestSigner', () => {
  it('signs so that the known secret verifies (host, date, body hash)', async () => {
    const headers = await signed(KEYS);
    expect(Object.keys(headers).sort()).toEqual(['authorization', 'content-type', 'host', 'x-amz-date']);
    expect(verifySigV4({ method: 'POST', url: PATH, headers, body: BODY }, KEYS)).toEqual({
      ok: true,
      region: 'us-east-1',
      service: 'bedrock',
    });
  });

  it('is rejected with a wrong secret, another body, path or host', async () => {
    const headers = await signed(KEYS);
    const wrongSecret = { ...KEYS, secretAccessKey: 'not-the-secret' };
    expect(verifySigV4({ method: 'POST', url: PATH, headers, body: BODY }, wrongSecret).ok).toBe(false);
    expect(verifySigV4({ method: 'POST', url: PATH, headers, body: Buffer.from('{}') }, KEYS).ok).toBe(false);
    expect(verifySigV4({ method: 'POST', url: PATH.replace('stream', 'x'), headers, body: BODY }, KEYS).ok).toBe(false);
    expect(verifySigV4({ method: 'POST', url: PATH, headers: { ...headers, host: 'evil.example' }, body: BODY }, KEYS).ok).toBe(false);
  });

  it('signs the session token of temporary credentials', async () => {
    const creds = { ...KEYS, accessKeyId: 'ASIAEXAMPLE000000000', sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN==' };
    const headers = await signed(creds);
    expect(headers['x-amz-security-token']).toBe(creds.sessionToken);
    expect(verifySigV4({ method: 'POST', url: PATH, headers, body: BODY }, creds).ok).toBe(true);
    const { 'x-amz-security-token': _dropped, ...without } = headers;
    expect(verifySigV4({ method: 'POST', url: PATH, headers: without, body: BODY }, creds).ok).toBe(false);
  });

  it('signs a query string', async () => {
    const path = '/model/amazon.titan-embed-text-v2%3A0/invoke?b=2&a=1';
    const headers = await signed(KEYS, path);
    expect(verifySigV4({ method: 'POST', url: path, headers, body: BODY }, KEYS).ok).toBe(true);
  });
});
