// Where a JWT provider's signing keys come from: an inline JWKS, a file (watched: edits take
// effect without a reload), or a URL (fetched in the background, cached per Cache-Control with a
// floor, refetched when a token names an unknown kid at most once per interval, and served stale
// while the IdP is unreachable). File and URL sources are live state (src/runtime/live-state.ts).
// A URL is fetched through the policy compiler's network port (network.ts): the gateway's
// pools, TLS verification and --resolve/--connect-to, like any upstream; redirects are not
// followed (configure the final URL).
import { watch, readFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { createLocalJWKSet, JSONWebKeySet, JWK } from 'jose';
import { jsonSyntaxError } from '../config/errors.js';
import { log } from '../observability/log.js';
import { jose } from './jose.js';
import type { PolicyEndpoint } from './network.js';

/** A usable key set: kids present, and the jose key resolver for them. */
export interface KeyIndex {
  readonly kty: ReadonlyMap<string, string>;
  readonly resolve: ReturnType<typeof createLocalJWKSet>;
}

/** Cache lifetime when the IdP sends no max-age (agentgateway: 15 minutes). */
export const DEFAULT_TTL_MS = 15 * 60_000;
/** Floor on Cache-Control max-age, and the interval between unknown-kid refetches. */
export const MIN_REFRESH_MS = 60_000;
/** Wait before retrying a failed fetch (agentgateway: 15 s). */
export const RETRY_MS = 15_000;
const MAX_TTL_MS = 24 * 3600_000;
const FETCH_TIMEOUT_MS = 5_000;

const ASYMMETRIC = new Set(['RSA', 'EC', 'OKP']);

/** Parses and checks a JWKS document; throws with a message fit for a config error. */
export function parseJwks(text: string, what: string): { index: KeyIndex; fingerprint: string; skipped: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is ${jsonSyntaxError(text, e)}`);
  }
  const keys = (doc as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new Error(`${what} is not a JWKS: expected {"keys": [...]}`);
  const usable: JWK[] = [];
  const skipped: string[] = [];
  for (const [i, k] of keys.entries()) {
    const jwk = k as JWK;
    if (typeof jwk?.kid !== 'string' || jwk.kid === '') skipped.push(`key ${i} has no kid`);
    else if (!ASYMMETRIC.has(String(jwk.kty)))
      skipped.push(`key "${jwk.kid}" has kty ${String(jwk.kty)}; only RSA, EC and OKP keys verify tokens`);
    else if ('d' in jwk) skipped.push(`key "${jwk.kid}" is a private key; publish only public keys`);
    else usable.push(jwk);
  }
  const set: JSONWebKeySet = { keys: usable };
  return {
    index: { kty: new Map(usable.map((k) => [k.kid!, k.kty!])), resolve: jose().createLocalJWKSet(set) },
    fingerprint: JSON.stringify(usable),
    skipped,
  };
}

export abstract class JwksSource {
  /** Bumped whenever the key set changes: verifications cached under an older one are redone. */
  generation = 0;
  protected index: KeyIndex | null = null;
  private fingerprint = '';

  current(): KeyIndex | null {
    return this.index;
  }

  /** Called on each verification: a URL source starts a background refresh when stale. */
  touch(_now: number): void {}

  /** Resolves once the first load has been attempted (cold start). */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** A token named a kid this set lacks: refresh if allowed, resolve when done. */
  refreshForUnknownKid(_now: number): Promise<void> {
    return Promise.resolve();
  }

  /** Why there are no keys (for the 503 a request gets when there are none). */
  unavailableReason(): string {
    return 'no signing keys loaded';
  }

  dispose(): void {}

  protected install(parsed: { index: KeyIndex; fingerprint: string }): void {
    if (parsed.fingerprint === this.fingerprint && this.index !== null) return;
    this.fingerprint = parsed.fingerprint;
    this.index = parsed.index;
    this.generation++;
  }
}

export class InlineJwks extends JwksSource {
  constructor(parsed: { index: KeyIndex; fingerprint: string }) {
    super();
    this.install(parsed);
  }
}

/** A JWKS file, re-read when it changes on disk (the directory is watched: editors replace files). */
export class FileJwks extends JwksSource {
  private watcher: FSWatcher | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly path: string,
    initial: { index: KeyIndex; fingerprint: string },
  ) {
    super();
    this.install(initial);
    try {
      this.watcher = watch(dirname(path), { persistent: false }, (_event, name) => {
        if (name === null || name.toString() === basename(path)) this.scheduleReload();
      });
      this.watcher.on('error', () => undefined);
    } catch (e) {
      log.warn(`JWKS file ${path}: cannot watch for changes (${(e as Error).message}); edits need a restart`);
    }
  }

  private scheduleReload(): void {
    if (this.timer !== null) return;
    // Writers emit several events per save; read once they are done.
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload();
    }, 50);
    this.timer.unref();
  }

  private reload(): void {
    try {
      const parsed = parseJwks(readFileSync(this.path, 'utf8'), `JWKS file ${this.path}`);
      const before = this.generation;
      this.install(parsed);
      if (this.generation !== before) log.info(`JWKS file ${this.path} reloaded (${parsed.index.kty.size} keys)`);
    } catch (e) {
      log.warn(`JWKS file ${this.path} not reloaded, keeping the previous keys: ${(e as Error).message}`);
    }
  }

  override dispose(): void {
    this.watcher?.close();
    if (this.timer !== null) clearTimeout(this.timer);
  }
}

/** The URL as logs may show it: no userinfo, query or fragment (they can carry credentials). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '<invalid url>';
  }
}

export class UrlJwks extends JwksSource {
  private readonly shown: string;
  private expiresAt = 0;
  private lastAttempt = 0;
  private lastForced = -Infinity;
  private inflight: Promise<void> | null = null;
  private firstLoad: Promise<void>;
  private lastError: string | null = null;
  private readonly path: string;
  private disposed = false;

  constructor(
    url: string,
    /** The URL's origin, through the policy compiler's network port. */
    private readonly endpoint: PolicyEndpoint,
    private readonly now: () => number = Date.now,
  ) {
    super();
    this.shown = redactUrl(url);
    const u = new URL(url);
    this.path = u.pathname + u.search;
    this.firstLoad = this.refresh();
  }

  /** No longer used by any config (or a validation's throwaway compile): nothing more to say. */
  override dispose(): void {
    this.disposed = true;
  }

  override touch(now: number): void {
    if (this.inflight !== null) return;
    const due = this.index === null ? now - this.lastAttempt >= RETRY_MS : now >= this.expiresAt;
    if (due) void this.refresh();
  }

  override ready(): Promise<void> {
    return this.firstLoad;
  }

  override refreshForUnknownKid(now: number): Promise<void> {
    if (this.inflight !== null) return this.inflight;
    if (now - this.lastForced < MIN_REFRESH_MS) return Promise.resolve();
    this.lastForced = now;
    return this.refresh();
  }

  override unavailableReason(): string {
    return this.lastError === null ? 'signing keys are still loading' : `fetching the JWKS failed (${this.lastError})`;
  }

  private refresh(): Promise<void> {
    if (this.inflight !== null) return this.inflight;
    this.lastAttempt = this.now();
    this.inflight = this.fetchOnce().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async fetchOnce(): Promise<void> {
    try {
      const res = await this.endpoint.call({
        method: 'GET',
        path: this.path,
        headers: ['accept', 'application/json'],
        timeoutMs: FETCH_TIMEOUT_MS,
      });
      if (res.status >= 300 && res.status < 400) throw new Error(`HTTP ${res.status} (redirects are not followed)`);
      if (res.status < 200 || res.status >= 300) throw new Error(`HTTP ${res.status}`);
      // No URL in the message: it reaches clients in the 503 (unavailableReason).
      const parsed = parseJwks(res.body.toString('utf8'), 'the response');
      for (const s of parsed.skipped) log.warn(`JWKS from ${this.shown}: ${s}`);
      this.install(parsed);
      this.expiresAt = this.now() + ttlFrom(res.header('cache-control') ?? null);
      this.lastError = null;
    } catch (e) {
      this.lastError = (e as Error).message;
      // Stale keys keep serving; try again after RETRY_MS.
      this.expiresAt = this.now() + RETRY_MS;
      if (!this.disposed)
        log.warn(`JWKS fetch from ${this.shown} failed: ${this.lastError}${this.index !== null ? ' (serving the cached keys)' : ''}`);
    }
  }
}

/** max-age from Cache-Control, floored at MIN_REFRESH_MS; DEFAULT_TTL_MS without one. */
export function ttlFrom(cacheControl: string | null): number {
  const m = cacheControl === null ? null : /(?:^|,)\s*max-age\s*=\s*"?(\d+)"?/i.exec(cacheControl);
  if (m === null) return DEFAULT_TTL_MS;
  return Math.min(MAX_TTL_MS, Math.max(MIN_REFRESH_MS, Number(m[1]) * 1000));
}
