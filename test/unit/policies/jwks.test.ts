import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TTL_MS, MIN_REFRESH_MS, parseJwks, RETRY_MS, ttlFrom, UrlJwks } from '../../../src/policies/jwks.js';
import { JwksServer, makeKey, type SigningKey } from '../../helpers/jwt-issuer.js';
import { realNetwork } from './fake-request.js';

/** A URL source fetching through the policies' network port, as the compiler hands it in. */
const urlJwks = (url: string, now?: () => number) => new UrlJwks(url, realNetwork.endpoint(new URL(url).origin), now);

describe('Cache-Control', () => {
  it('max-age with a floor and a default', () => {
    expect(ttlFrom(null)).toBe(DEFAULT_TTL_MS);
    expect(ttlFrom('public, max-age=3600')).toBe(3_600_000);
    expect(ttlFrom('max-age=5')).toBe(MIN_REFRESH_MS);
    expect(ttlFrom('no-cache')).toBe(DEFAULT_TTL_MS);
  });
});

describe('parsing a JWKS', () => {
  let k: SigningKey;
  beforeAll(async () => {
    k = await makeKey('k1', 'ES256');
  });

  it('indexes keys by kid', () => {
    const { index, skipped } = parseJwks(JSON.stringify({ keys: [k.publicJwk] }), 'x');
    expect([...index.kty]).toEqual([['k1', 'EC']]);
    expect(skipped).toEqual([]);
  });

  it('refuses keys that cannot safely verify tokens', () => {
    const { skipped, index } = parseJwks(
      JSON.stringify({
        keys: [
          { kty: 'oct', kid: 'h', k: 'c2VjcmV0' },
          { ...k.publicJwk, kid: undefined },
          { ...k.publicJwk, kid: 'p', d: 'private' },
        ],
      }),
      'x',
    );
    expect(index.kty.size).toBe(0);
    expect(skipped).toEqual([
      'key "h" has kty oct; only RSA, EC and OKP keys verify tokens',
      'key 1 has no kid',
      'key "p" is a private key; publish only public keys',
    ]);
  });

  it('names what is wrong with the document', () => {
    expect(() => parseJwks('{', 'inline jwks')).toThrow(/^inline jwks is not valid JSON/);
    expect(() => parseJwks('{"kys": []}', 'inline jwks')).toThrow('inline jwks is not a JWKS: expected {"keys": [...]}');
  });
});

describe('a JWKS URL', () => {
  let idp: JwksServer;
  let k1: SigningKey;
  let k2: SigningKey;
  beforeAll(async () => {
    [k1, k2] = await Promise.all([makeKey('k1', 'RS256'), makeKey('k2', 'ES256')]);
    idp = await JwksServer.start([k1]);
  });
  afterAll(() => idp.close());

  it('loads at once, refreshes when stale, keeps stale keys when the IdP fails, rate-limits unknown-kid refetches', async () => {
    let now = 1_000_000;
    idp.hits = 0;
    idp.cacheControl = 'max-age=120';
    const src = urlJwks(idp.url, () => now);
    await src.ready();
    expect(idp.hits).toBe(1);
    expect(src.current()!.kty.has('k1')).toBe(true);
    const gen = src.generation;

    src.touch(now + 119_000); // fresh: no fetch
    expect(idp.hits).toBe(1);

    idp.keys = [k1.publicJwk, k2.publicJwk];
    now += 5_000;
    await src.refreshForUnknownKid(now);
    expect(idp.hits).toBe(2);
    expect(src.current()!.kty.has('k2')).toBe(true);
    expect(src.generation).toBe(gen + 1);
    await src.refreshForUnknownKid(now + MIN_REFRESH_MS - 1); // within the interval: no fetch
    expect(idp.hits).toBe(2);

    idp.down = true;
    now += MIN_REFRESH_MS;
    await src.refreshForUnknownKid(now);
    expect(idp.hits).toBe(3);
    expect(src.current()!.kty.has('k2')).toBe(true); // stale keys kept
    expect(src.unavailableReason()).toBe('fetching the JWKS failed (HTTP 503)');
    idp.down = false;
    now += RETRY_MS;
    src.touch(now); // retried after RETRY_MS, in the background
    await src.refreshForUnknownKid(now); // joins the fetch in flight rather than starting one
    expect(idp.hits).toBe(4);
    expect(src.generation).toBe(gen + 1); // same keys: verified tokens stay valid
  });

  it('a cold start against a dead URL has no keys and says why', async () => {
    const src = urlJwks('http://127.0.0.1:1/jwks.json');
    await src.ready();
    expect(src.current()).toBeNull();
    expect(src.unavailableReason()).toMatch(/^fetching the JWKS failed \(.+\)$/);
  });
});
