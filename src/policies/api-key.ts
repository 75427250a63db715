// apiKey: client API keys, inline or from a file, in clear or as `keyHash` (sha256:<hex> or
// bcrypt). Keys are held only as SHA-256 digests and found by the digest of the presented key,
// then confirmed with a constant-time comparison, so timing reveals nothing about stored keys.
// Per-key metadata becomes CEL `apiKey.*`; `allowedModels` is enforced once the LLM request's
// model is known. The default location is `Authorization: Bearer`, then `x-api-key`, so both
// OpenAI-SDK and Anthropic-SDK clients work unchanged.
import { parse as parseYaml } from 'yaml';
import { toCelValue } from '../cel/index.js';
import { modelPatternTest } from '../config/schema/model-pattern.js';
import { ApiKeyEntry, type ApiKeyAuthT, type ApiKeyEntryT } from '../config/schema/policies.js';
import { CredentialLocation } from './credential-location.js';
import type { StoredHash } from './htpasswd.js';
import { passwordPool } from './password-pool.js';
import { GatewayError } from '../errors.js';
import type { ApiKeyIdentity, ModelAccess, PolicyCompiler, PolicyRequest, RequestPolicy } from './types.js';
import { credentialCacheKey, digestsEqual, sha256 } from './secret-compare.js';
import { REFUSED_ENTRIES, VerifiedCache } from './verified-cache.js';
import { StoreUnavailable } from '../keys/store.js';
import { keyRefusal, type VirtualKeyIdentity, type VirtualKeys } from './virtual-keys.js';

interface StoredKey {
  readonly digest: Buffer | null;
  readonly bcrypt: string | null;
  readonly identity: ApiKeyIdentity;
}

type Mode = 'strict' | 'optional' | 'permissive';

export class ApiKeyPolicy implements RequestPolicy {
  private readonly saltedHashes: readonly StoredHash[];

  constructor(
    private readonly byDigest: ReadonlyMap<string, StoredKey>,
    private readonly salted: readonly StoredKey[],
    private readonly mode: Mode,
    private readonly locations: readonly CredentialLocation[],
    private readonly verified: VerifiedCache<StoredKey>,
    /** Keys no bcrypt entry matched: refused again without hashing (keyed digests only). */
    private readonly refused: VerifiedCache<true>,
    /** `virtualKeys: true`: the keys: section's keys, tried after the listed ones. */
    private readonly virtual: VirtualKeys | null = null,
  ) {
    this.saltedHashes = salted.map((s) => ({ kind: 'bcrypt', hash: s.bcrypt! }));
  }

  apply(req: PolicyRequest): Promise<undefined> | undefined {
    let key: string | undefined;
    let at: CredentialLocation | undefined;
    for (const loc of this.locations) {
      key = loc.extract(req);
      if (key !== undefined) {
        at = loc;
        break;
      }
    }
    if (key === undefined || at === undefined) {
      if (this.mode === 'strict') throw reject('no API key found', 'api_key_missing');
      return undefined;
    }
    const digest = sha256(key);
    const hex = digest.toString('hex');
    const found = this.byDigest.get(hex);
    if (found !== undefined && digestsEqual(found.digest!, digest)) return this.accept(req, at, found);
    if (this.virtual === null) return this.trySalted(req, at, key);
    // A map lookup by digest (the store holds digests only), so timing says nothing either.
    let v: ReturnType<VirtualKeys['find']>;
    try {
      v = this.virtual.find(hex);
    } catch (e) {
      throw storeError(e);
    }
    if (!(v instanceof Promise)) return v !== undefined ? this.acceptVirtual(req, at, v) : this.trySalted(req, at, key);
    return v.then(
      (id) => (id !== undefined ? this.acceptVirtual(req, at, id) : this.trySalted(req, at, key)),
      (e: unknown) => {
        throw storeError(e);
      },
    );
  }

  private acceptVirtual(req: PolicyRequest, at: CredentialLocation, id: VirtualKeyIdentity): undefined {
    const refusal = keyRefusal(id.virtualKey.key, Date.now());
    if (refusal === null) {
      req.apiKey = id;
      at.consume(req);
      return undefined;
    }
    if (this.mode === 'permissive') return undefined;
    throw refusal;
  }

  private trySalted(req: PolicyRequest, at: CredentialLocation, key: string): Promise<undefined> | undefined {
    if (this.salted.length === 0) return this.refuse();
    const cacheKey = credentialCacheKey(key);
    const cached = this.verified.get(cacheKey);
    if (cached !== undefined) return this.accept(req, at, cached);
    if (this.refused.get(cacheKey) !== undefined) return this.refuse();
    // bcrypt entries cannot be looked up by digest (each has its own salt): all are tried, on a
    // password worker thread.
    return passwordPool()
      .firstMatch(key, this.saltedHashes)
      .then((i) => {
        if (i < 0) {
          this.refused.set(cacheKey, true);
          return this.refuse();
        }
        const match = this.salted[i]!;
        this.verified.set(cacheKey, match);
        return this.accept(req, at, match);
      });
  }

  private accept(req: PolicyRequest, at: CredentialLocation, k: StoredKey): undefined {
    req.apiKey = k.identity;
    at.consume(req);
    return undefined;
  }

  private refuse(): undefined {
    if (this.mode === 'permissive') return undefined;
    throw reject('invalid API key', 'api_key_invalid');
  }
}

/** The Redis store did not answer: the key cannot be checked (a 503, not a refusal of the key). */
function storeError(e: unknown): unknown {
  if (!(e instanceof StoreUnavailable)) return e;
  return new GatewayError('keys_store_unavailable', 'API key authentication is unavailable: the keys store did not answer');
}

function reject(message: string, kind: 'api_key_missing' | 'api_key_invalid'): GatewayError {
  return new GatewayError(kind, `API key authentication failed: ${message}`, {
    headers: [['www-authenticate', 'Bearer realm="agentgateway"']],
  });
}

/** The check on LLM routes, once the request's model is known. */
export function checkAllowedModel(identity: ApiKeyIdentity | null, model: string | undefined): void {
  if (identity?.allowedModels == null || model === undefined) return;
  if (!identity.allowedModels.allows(model)) {
    throw new GatewayError('model_not_allowed', `this API key is not allowed to use model "${model}"`);
  }
}

export function compileApiKey(spec: ApiKeyAuthT, path: (string | number)[], c: PolicyCompiler): ApiKeyPolicy | undefined {
  const entries = spec.keys === undefined ? [] : Array.isArray(spec.keys) ? spec.keys : keysFromFile(spec.keys.file, [...path, 'keys'], c);
  if (entries === undefined) return undefined;
  const virtual = spec.virtualKeys === true ? (c.virtualKeys ?? null) : null;
  if (spec.virtualKeys === true && virtual === null) {
    c.fail([...path, 'virtualKeys'], 'virtualKeys: true needs a top-level keys: section (its store holds the keys)');
  }
  const byDigest = new Map<string, StoredKey>();
  const salted: StoredKey[] = [];
  entries.forEach((e, i) => {
    const identity: ApiKeyIdentity = {
      celMetadata: toCelValue(e.metadata ?? {}) as Record<string, unknown>,
      allowedModels: e.allowedModels !== undefined ? modelAccess(e.allowedModels) : null,
    };
    if (e.keyHash?.startsWith('$2')) return void salted.push({ digest: null, bcrypt: e.keyHash, identity });
    const digest = e.key !== undefined ? sha256(e.key) : Buffer.from(e.keyHash!.slice('sha256:'.length), 'hex');
    const hex = digest.toString('hex');
    if (byDigest.has(hex)) c.fail([...path, 'keys', i], 'this key is listed twice');
    byDigest.set(hex, { digest, bcrypt: null, identity });
  });
  if (salted.length > 100) c.warn(`${path.join('.')}: ${salted.length} bcrypt API keys are checked one by one; prefer keyHash sha256:`);
  const locations =
    spec.location !== undefined
      ? [new CredentialLocation(spec.location, false)]
      : [CredentialLocation.bearer(false), new CredentialLocation({ header: { name: 'x-api-key' } }, false)];
  // Keyed by the entries themselves: keys read from a file may change while the spec does not.
  const verified = c.live(`apiKey:${path.join('.')}`, entries, () => new VerifiedCache<StoredKey>(1024));
  const refused = c.live(`apiKey.refused:${path.join('.')}`, entries, () => new VerifiedCache<true>(REFUSED_ENTRIES));
  if (salted.length > 0) passwordPool().warm();
  return new ApiKeyPolicy(byDigest, salted, spec.mode ?? 'optional', locations, verified, refused, virtual);
}

/** agentgateway's allowedModels: names, or one `*` at the start or end (`anthropic/*`, `*`). */
export function modelAccess(entries: readonly string[]): ModelAccess {
  const exact = new Set(entries.filter((e) => !e.includes('*')));
  const patterns = entries.filter((e) => e.includes('*')).map(modelPatternTest);
  return { entries, allows: (m) => exact.has(m) || patterns.some((t) => t(m)) };
}

function keysFromFile(file: string, path: (string | number)[], c: PolicyCompiler): ApiKeyEntryT[] | undefined {
  const text = c.readFile(path, file);
  if (text === undefined) return undefined;
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    // Position only: the parser's message can quote the file, which may be any readable file.
    const at = (e as { linePos?: [{ line: number; col: number }] }).linePos?.[0];
    c.fail(path, `${file}: not valid YAML or JSON${at !== undefined ? ` (line ${at.line}, column ${at.col})` : ''}`);
    return undefined;
  }
  const parsed = ApiKeyEntry.array().safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    c.fail(path, `${file}: ${issue.path.length > 0 ? `[${issue.path.join('.')}] ` : ''}${issue.message}`);
    return undefined;
  }
  return parsed.data;
}
