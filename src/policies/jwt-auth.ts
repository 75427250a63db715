// jwtAuth: validates a JWT with jose against one or more providers (issuer, audiences, JWKS).
// Every rejection is a 401 with WWW-Authenticate and a message naming the failed check, never
// the token. Valid tokens are cached (bounded, until expiry, and only while the provider's key
// set is unchanged) so a client reusing its token costs one signature check, not one per request.
import type { JWTPayload } from 'jose';
import type { JwtAuthT, JwtProviderT } from '../config/schema/policies.js';
import { CredentialLocation } from './credential-location.js';
import { type Jose, jose } from './jose.js';
import { InlineJwks, FileJwks, parseJwks, UrlJwks, type JwksSource } from './jwks.js';
import { GatewayError } from '../errors.js';
import type { JwtIdentity, PolicyCompiler, PolicyRequest, RequestPolicy } from './types.js';
import { VerifiedCache } from './verified-cache.js';

/** agentgateway (jsonwebtoken) accepts 60 s of clock skew on exp and nbf. */
const LEEWAY_S = 60;
const ALGS_BY_KTY: Record<string, readonly string[]> = {
  RSA: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  EC: ['ES256', 'ES384', 'ES512'],
  OKP: ['EdDSA', 'Ed25519'],
};
const ASYMMETRIC_ALGS = new Set(Object.values(ALGS_BY_KTY).flat());

interface Provider {
  readonly issuer: string;
  readonly audiences: string[] | undefined;
  readonly jwks: JwksSource;
  readonly requiredClaims: string[];
}

interface CachedToken {
  readonly identity: JwtIdentity;
  readonly provider: Provider;
  readonly generation: number;
  /** exp and nbf in ms (with leeway); Infinity/-Infinity when absent. */
  readonly notAfter: number;
  readonly notBefore: number;
}

type Mode = 'strict' | 'optional' | 'permissive';

export class JwtAuthPolicy implements RequestPolicy {
  constructor(
    private readonly mode: Mode,
    private readonly location: CredentialLocation,
    private readonly providers: readonly Provider[],
    private readonly cache: VerifiedCache<CachedToken>,
    private readonly realm = 'agentgateway',
  ) {}

  apply(req: PolicyRequest): Promise<undefined> | undefined {
    const token = this.location.extract(req);
    if (token === undefined) {
      if (this.mode === 'strict') throw this.reject('no bearer token found', false);
      return undefined;
    }
    const now = Date.now();
    const hit = this.cache.get(token);
    if (hit !== undefined && hit.generation === hit.provider.jwks.generation && now < hit.notAfter && now >= hit.notBefore) {
      hit.provider.jwks.touch(now);
      this.accept(req, hit.identity);
      return undefined;
    }
    return this.verify(token, now).then(
      (entry) => {
        this.cache.set(token, entry);
        this.accept(req, entry.identity);
        return undefined;
      },
      (e: unknown) => {
        // Permissive: an invalid token is ignored (claims stay unset), never a rejection.
        if (this.mode === 'permissive' && e instanceof GatewayError) return undefined;
        throw e;
      },
    );
  }

  private accept(req: PolicyRequest, identity: JwtIdentity): void {
    req.jwt = identity;
    this.location.consume(req);
  }

  private async verify(token: string, now: number): Promise<CachedToken> {
    const { alg, kid, iss } = this.inspect(token);
    const provider = this.providers.find((p) => p.issuer === iss);
    if (provider === undefined) throw this.reject('issuer not accepted');
    const src = provider.jwks;
    src.touch(now);
    if (src.current() === null) await src.ready();
    if (src.current()?.kty.has(kid) !== true) await src.refreshForUnknownKid(now);
    const keys = src.current();
    if (keys === null) {
      throw new GatewayError('jwks_unavailable', `cannot verify the token: ${src.unavailableReason()}`, {
        headers: [['retry-after', '15']],
      });
    }
    const kty = keys.kty.get(kid);
    if (kty === undefined) throw this.reject('unknown signing key (kid)');
    if (!ALGS_BY_KTY[kty]!.includes(alg)) throw this.reject(`algorithm ${alg} does not match the ${kty} signing key`);
    const generation = src.generation;
    let payload: JWTPayload;
    try {
      ({ payload } = await jose().jwtVerify(token, keys.resolve, {
        issuer: provider.issuer,
        ...(provider.audiences !== undefined && provider.audiences.length > 0 ? { audience: provider.audiences } : {}),
        algorithms: [alg],
        requiredClaims: provider.requiredClaims,
        clockTolerance: LEEWAY_S,
      }));
    } catch (e) {
      throw this.reject(describeJoseError(e));
    }
    const exp = typeof payload.exp === 'number' ? (payload.exp + LEEWAY_S) * 1000 : Infinity;
    const nbf = typeof payload.nbf === 'number' ? (payload.nbf - LEEWAY_S) * 1000 : -Infinity;
    return { identity: { claims: payload as Record<string, unknown> }, provider, generation, notAfter: exp, notBefore: nbf };
  }

  /** Header and issuer checks before any key is touched; the token itself is never quoted. */
  private inspect(token: string): { alg: string; kid: string; iss: unknown } {
    let header: ReturnType<Jose['decodeProtectedHeader']>;
    let iss: unknown;
    try {
      header = jose().decodeProtectedHeader(token);
      iss = jose().decodeJwt(token).iss;
    } catch {
      throw this.reject('malformed token (not a compact JWS with a JSON header and payload)');
    }
    const alg = typeof header.alg === 'string' ? header.alg : '';
    const safeAlg = /^[A-Za-z0-9]{1,16}$/.test(alg) ? alg : 'unknown';
    if (alg.toLowerCase() === 'none') throw this.reject('unsigned tokens (alg "none") are not accepted');
    if (/^HS\d+$/.test(alg))
      throw this.reject(`HMAC-signed tokens (${safeAlg}) are not accepted; tokens must be signed with a key from the JWKS`);
    if (!ASYMMETRIC_ALGS.has(alg)) throw this.reject(`algorithm ${safeAlg} is not supported`);
    if (typeof header.kid !== 'string' || header.kid === '') throw this.reject('token header has no kid');
    return { alg, kid: header.kid, iss };
  }

  private reject(check: string, invalidToken = true): GatewayError {
    // RFC 6750 §3: no error code when the request carried no token at all.
    const challenge = invalidToken
      ? `Bearer realm="${this.realm}", error="invalid_token", error_description="${check.replace(/["\\]/g, "'")}"`
      : `Bearer realm="${this.realm}"`;
    return new GatewayError(invalidToken ? 'jwt_invalid' : 'jwt_missing', `JWT authentication failed: ${check}`, {
      headers: [['www-authenticate', challenge]],
    });
  }
}

function describeJoseError(e: unknown): string {
  const { errors } = jose();
  if (e instanceof errors.JWTExpired) return 'token expired (exp)';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.reason === 'missing') return `required claim ${e.claim} is missing`;
    if (e.claim === 'nbf') return 'token not yet valid (nbf)';
    if (e.claim === 'iss') return 'issuer not accepted';
    if (e.claim === 'aud') return 'audience not accepted';
    if (e.claim === 'iat') return 'issued-at (iat) is invalid';
    return `claim ${e.claim} is invalid`;
  }
  if (e instanceof errors.JWSSignatureVerificationFailed) return 'signature invalid';
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JWKSNoMatchingKey) return 'algorithm does not match the signing key';
  if (e instanceof errors.JWTInvalid || e instanceof errors.JWSInvalid) return 'malformed token';
  return 'token could not be verified';
}

export function compileJwtAuth(spec: JwtAuthT, path: (string | number)[], c: PolicyCompiler): JwtAuthPolicy | undefined {
  jose(); // first: the compile loads jose and retries when it is not there yet
  const providerSpecs: JwtProviderT[] = spec.providers ?? [
    { issuer: spec.issuer!, audiences: spec.audiences, jwks: spec.jwks!, jwtValidationOptions: spec.jwtValidationOptions },
  ];
  const providers: Provider[] = [];
  providerSpecs.forEach((p, i) => {
    const at = spec.providers !== undefined ? [...path, 'providers', i] : path;
    const jwks = jwksSource(p.jwks, [...at, 'jwks'], c);
    if (jwks === undefined) return;
    providers.push({ issuer: p.issuer, audiences: p.audiences, jwks, requiredClaims: p.jwtValidationOptions?.requiredClaims ?? ['exp'] });
  });
  if (providers.length !== providerSpecs.length) return undefined;
  const location = spec.location !== undefined ? new CredentialLocation(spec.location, true) : CredentialLocation.bearer(true);
  // Verified tokens are live state too: an unchanged policy keeps them across reloads.
  const cache = c.live(`jwtAuth:${path.join('.')}`, spec, () => new VerifiedCache<CachedToken>(10_000));
  return new JwtAuthPolicy(spec.mode ?? 'optional', location, providers, cache);
}

function jwksSource(jwks: JwtProviderT['jwks'], path: (string | number)[], c: PolicyCompiler): JwksSource | undefined {
  if (typeof jwks === 'object' && 'url' in jwks) {
    const u = new URL(jwks.url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      c.fail([...path, 'url'], `a JWKS URL is https:// or http://, not ${u.protocol}`);
      return undefined;
    }
    // Asked for on every compile, so the pool stays while a config names the URL.
    const endpoint = c.network.endpoint(u.origin);
    return c.live(`jwks:url:${jwks.url}`, jwks, () => new UrlJwks(jwks.url, endpoint));
  }
  const file = typeof jwks === 'object' ? c.resolveFile(jwks.file) : null;
  const text = file === null ? (jwks as string) : c.readFile(path, (jwks as { file: string }).file);
  if (text === undefined) return undefined;
  let parsed: ReturnType<typeof parseJwks>;
  try {
    parsed = parseJwks(text, file === null ? 'inline jwks' : `JWKS file ${file}`);
  } catch (e) {
    c.fail(path, (e as Error).message);
    return undefined;
  }
  if (parsed.skipped.length > 0) {
    c.fail(path, parsed.skipped.join('; '));
    return undefined;
  }
  if (file === null) return new InlineJwks(parsed);
  return c.live(`jwks:file:${file}`, { file, text }, () => new FileJwks(file, parsed));
}
