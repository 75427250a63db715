// basicAuth: `Authorization: Basic base64(user:password)` checked against htpasswd entries.
// Failures are 401 with `WWW-Authenticate: Basic realm="..."`. bcrypt and SHA-crypt cost
// milliseconds each, so they run on the password worker threads (password-pool.ts), and both
// outcomes are remembered under a keyed digest of user and password (never the password): a
// client sends the same credentials on every request, and one retrying a wrong password (or a
// flood repeating one guess) is refused without hashing again. The htpasswd text is part of the
// caches' live-state spec, so editing it starts them afresh.
import type { BasicAuthT } from '../config/schema/policies.js';
import { CredentialLocation } from './credential-location.js';
import { isSlowHash, parseHtpasswd, verifyPassword, type HtpasswdEntry } from './htpasswd.js';
import { passwordPool } from './password-pool.js';
import { GatewayError } from '../errors.js';
import type { PolicyCompiler, PolicyRequest, RequestPolicy } from './types.js';
import { credentialCacheKey } from './secret-compare.js';
import { REFUSED_ENTRIES, VerifiedCache } from './verified-cache.js';

export class BasicAuthPolicy implements RequestPolicy {
  /** Verifications of unknown users run against this entry, so timing does not reveal which users exist. */
  private readonly decoy: HtpasswdEntry | undefined;

  constructor(
    private readonly users: ReadonlyMap<string, HtpasswdEntry>,
    private readonly realm: string,
    private readonly strict: boolean,
    private readonly location: CredentialLocation,
    private readonly verified: VerifiedCache<string>,
    private readonly refused: VerifiedCache<true>,
  ) {
    this.decoy = users.values().next().value;
  }

  apply(req: PolicyRequest): Promise<undefined> | undefined {
    const encoded = this.location.extract(req);
    if (encoded === undefined) {
      if (this.strict) throw this.reject('no basic authentication credentials found', 'basic_auth_missing');
      return undefined;
    }
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw this.reject('malformed basic authentication credentials');
    const user = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = credentialCacheKey(user, password);
    if (this.verified.get(key) === user && this.users.has(user)) {
      this.accept(req, user);
      return undefined;
    }
    if (this.refused.get(key) !== undefined) throw this.reject('invalid username or password');
    const entry = this.users.get(user);
    // An unknown user is checked against another user's entry, result ignored: the same work,
    // so timing does not tell which users exist.
    const against = entry ?? this.decoy;
    const settle = (ok: boolean): undefined => {
      if (!ok || entry === undefined) {
        this.refused.set(key, true);
        throw this.reject('invalid username or password');
      }
      this.verified.set(key, user);
      this.accept(req, user);
      return undefined;
    };
    if (against === undefined) return settle(false);
    if (!isSlowHash(against.kind)) return settle(verifyPassword(password, against));
    return passwordPool()
      .firstMatch(password, [against])
      .then((i) => settle(i === 0));
  }

  private accept(req: PolicyRequest, username: string): void {
    req.basicAuth = { username };
    this.location.consume(req);
  }

  private reject(message: string, kind: 'basic_auth_missing' | 'basic_auth_invalid' = 'basic_auth_invalid'): GatewayError {
    return new GatewayError(kind, `basic authentication failed: ${message}`, {
      headers: [['www-authenticate', `Basic realm="${this.realm}", charset="UTF-8"`]],
    });
  }
}

export function compileBasicAuth(spec: BasicAuthT, path: (string | number)[], c: PolicyCompiler): BasicAuthPolicy | undefined {
  const text = typeof spec.htpasswd === 'string' ? spec.htpasswd : c.readFile([...path, 'htpasswd'], spec.htpasswd.file);
  if (text === undefined) return undefined;
  const { entries, problems } = parseHtpasswd(text);
  if (problems.length > 0) {
    c.fail([...path, 'htpasswd'], problems.join('; '));
    return undefined;
  }
  if (entries.size === 0) c.warn(`${path.join('.')}: basicAuth htpasswd has no users; every credential is rejected`);
  const location =
    spec.authorizationLocation !== undefined
      ? new CredentialLocation(spec.authorizationLocation, false)
      : new CredentialLocation({ header: { name: 'authorization', prefix: 'Basic ' } }, false);
  const verified = c.live(`basicAuth:${path.join('.')}`, { text, spec }, () => new VerifiedCache<string>(1024));
  const refused = c.live(`basicAuth.refused:${path.join('.')}`, { text, spec }, () => new VerifiedCache<true>(REFUSED_ENTRIES));
  if ([...entries.values()].some((e) => isSlowHash(e.kind))) passwordPool().warm();
  return new BasicAuthPolicy(entries, spec.realm ?? 'Restricted', spec.mode === 'strict', location, verified, refused);
}
