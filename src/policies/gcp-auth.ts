// Google OAuth access tokens for backends that authenticate with Google credentials: the
// `vertex` provider by default (agentgateway's implicit GCP auth), and any AI backend with
// `backendAuth.gcp`. The credential is a service-account (or other ADC-compatible) JSON from the
// config, or Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the
// metadata server). google-auth-library does the OAuth exchange; it is loaded on the first token
// request, so a gateway without Google backends never loads it.
//
// Per request the cost is a field read: the token is cached, refreshed in the background once
// less than REFRESH_BEFORE_MS of its life is left (requests keep using the valid one meanwhile),
// and only awaited when there is none or it is about to expire. A failure is a clear error in
// the caller's dialect, never a hang: the exchange is bounded by TIMEOUT_MS; a credential the
// token endpoint refuses is a 401, an endpoint that cannot be reached or answers 5xx a 502. No
// message ever carries the credential or a token.
import type { AuthClient, GoogleAuth } from 'google-auth-library';
import { log } from '../observability/log.js';
import { GatewayError } from '../errors.js';

export const GCP_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
/** Refresh this long before expiry (google-auth-library's own default eager threshold). */
export const REFRESH_BEFORE_MS = 5 * 60_000;
/** A token with less life than this is not handed out: requests wait for the new one. */
const MIN_LIFE_MS = 10_000;
/** One token exchange may take this long (agentgateway's CLOUD_AUTH_TIMEOUT). */
export const TIMEOUT_MS = 5_000;
/** After a failed exchange, requests get the same error for this long instead of a new attempt each. */
const FAILURE_HOLD_MS = 1_000;

export type FetchImpl = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface GcpAuthSettings {
  /** ADC-compatible credential JSON (service account, authorized user, ...); null: ambient ADC. */
  readonly credential: Record<string, unknown> | null;
  /** How the token exchange reaches Google (honours --connect-to/--resolve and extra CAs). */
  readonly fetch: FetchImpl;
  /** Backend name, for error messages. */
  readonly backend: string;
  readonly now?: () => number;
}

interface Cached {
  readonly token: string;
  readonly expiresAt: number;
}

export class GcpTokenSource {
  private cached: Cached | null = null;
  private inflight: Promise<string> | null = null;
  private client: Promise<AuthClient> | null = null;
  private failure: { at: number; error: GatewayError } | null = null;
  private readonly now: () => number;
  /** Token exchanges made (for tests and the admin view). */
  exchanges = 0;

  constructor(private readonly settings: GcpAuthSettings) {
    this.now = settings.now ?? Date.now;
  }

  /** A valid access token: synchronously while one is cached, else once the exchange is done. */
  token(): string | Promise<string> {
    const c = this.cached;
    const left = c === null ? 0 : c.expiresAt - this.now();
    if (c !== null && left > REFRESH_BEFORE_MS) return c.token;
    if (c !== null && left > MIN_LIFE_MS) {
      // Still good: serve it, and get the next one in the background.
      this.refresh().catch(() => undefined);
      return c.token;
    }
    const f = this.failure;
    if (f !== null && this.now() - f.at < FAILURE_HOLD_MS) return Promise.reject(f.error);
    return this.refresh();
  }

  toJSON(): unknown {
    return { kind: 'gcp', credential: this.settings.credential === null ? 'application default' : '<redacted>' };
  }

  private refresh(): Promise<string> {
    this.inflight ??= this.exchange().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async exchange(): Promise<string> {
    this.exchanges++;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ExchangeTimeout()), TIMEOUT_MS);
    });
    try {
      const client = await Promise.race([this.authClient(), timeout]);
      const res = await Promise.race([client.getAccessToken(), timeout]);
      const token = res.token;
      if (typeof token !== 'string' || token === '') throw new Error('the token endpoint answered without an access token');
      const expiry = client.credentials.expiry_date;
      this.cached = { token, expiresAt: typeof expiry === 'number' ? expiry : this.now() + 3_600_000 };
      this.failure = null;
      return token;
    } catch (e) {
      const error = this.rejection(e);
      this.failure = { at: this.now(), error };
      log.warn({ backend: this.settings.backend, status: error.status }, error.message);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private authClient(): Promise<AuthClient> {
    this.client ??= import('google-auth-library').then((lib) => {
      const auth: GoogleAuth = new lib.GoogleAuth({
        scopes: [GCP_SCOPE],
        ...(this.settings.credential !== null ? { credentials: this.settings.credential } : {}),
        clientOptions: {
          // Both caches agree on when a token needs refreshing.
          eagerRefreshThresholdMillis: REFRESH_BEFORE_MS,
          transporterOptions: { fetchImplementation: this.settings.fetch, timeout: TIMEOUT_MS },
        },
      });
      return auth.getClient();
    });
    // A failure to build the client (no ADC found) is retried on the next request.
    this.client.catch(() => {
      this.client = null;
    });
    return this.client;
  }

  /** The error a request gets: 401 when Google refused the credential, 502 when no token could be had. */
  private rejection(e: unknown): GatewayError {
    const who = `backend ${this.settings.backend}`;
    if (e instanceof ExchangeTimeout) {
      return new GatewayError('backend_auth_failed', `${who}: the Google token endpoint did not answer within ${TIMEOUT_MS} ms`);
    }
    const err = e as { response?: { status?: unknown; data?: unknown }; code?: unknown; message?: unknown };
    const status = typeof err.response?.status === 'number' ? err.response.status : undefined;
    if (status !== undefined && status >= 400 && status < 500) {
      return new GatewayError(
        'backend_auth_rejected',
        `${who}: Google refused the gateway's credential (${oauthError(err.response?.data, status)})`,
      );
    }
    const reason =
      status !== undefined
        ? `the token endpoint answered HTTP ${status}`
        : typeof err.code === 'string' && /^E[A-Z_]+$/.test(err.code)
          ? `cannot reach the token endpoint (${err.code})`
          : scrub(typeof err.message === 'string' ? err.message : String(e));
    return new GatewayError('backend_auth_failed', `${who}: no Google access token: ${reason}`);
  }
}

class ExchangeTimeout extends Error {}

/** `invalid_grant: Invalid JWT Signature.` from an OAuth error body; never the body itself. */
function oauthError(data: unknown, status: number): string {
  const d = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  const code = typeof d.error === 'string' ? d.error : `HTTP ${status}`;
  const description = typeof d.error_description === 'string' ? `: ${d.error_description}` : '';
  return scrub(`${code}${description}`);
}

/** Library messages are about files and endpoints; anything that looks like a secret is cut anyway. */
function scrub(message: string): string {
  return message
    .replace(/ya29\.[\w.-]+/g, '<token>')
    .replace(/AIza[\w-]+/g, '<key>')
    .replace(/-----BEGIN[\s\S]*?(-----END[^-]*-----|$)/g, '<key>')
    .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<jwt>')
    .slice(0, 300);
}

/** Reads and checks an ADC-compatible credential JSON at config load (its `type` says which flow). */
export function parseGcpCredential(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new Error('is not valid JSON (expected a Google credential JSON, e.g. a service-account key file)');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('must be a JSON object');
  const type = (v as Record<string, unknown>).type;
  const known = [
    'service_account',
    'authorized_user',
    'external_account',
    'impersonated_service_account',
    'external_account_authorized_user',
  ];
  if (typeof type !== 'string' || !known.includes(type)) {
    throw new Error(`has type ${JSON.stringify(type)}; expected one of ${known.join(', ')}`);
  }
  if (type === 'service_account') {
    const sa = v as Record<string, unknown>;
    if (typeof sa.client_email !== 'string' || typeof sa.private_key !== 'string') {
      throw new Error('is a service_account credential without client_email and private_key');
    }
  }
  return v as Record<string, unknown>;
}
