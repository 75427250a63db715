// Microsoft Entra ID access tokens the gateway mints for Azure backends: agentgateway's
// `backendAuth.azure.explicitConfig.clientSecret {tenant_id, client_id, client_secret}`, the
// OAuth 2.0 client-credentials grant (learn.microsoft.com/entra/identity-platform/
// v2-oauth2-client-creds-grant-flow): one form POST to
// `{authority}/{tenant}/oauth2/v2.0/token` for the scope `https://cognitiveservices.azure.com/.default`,
// answered with `{token_type, expires_in, access_token}`; or `explicitConfig.managedIdentity
// {userAssignedIdentity?: {clientId|objectId|resourceId}}`, a GET to the instance metadata
// service (169.254.169.254, `Metadata: true`) for the resource https://cognitiveservices.azure.com.
//
// It is a single documented request, so it goes through the gateway's own upstream fetch (the
// same pools, --connect-to/--resolve and CA settings as every upstream) instead of
// @azure/identity, whose MSAL client opens its own connections (ignoring those settings) and adds
// instance discovery and megabytes of code for this one call. The authority is
// https://login.microsoftonline.com, or AZURE_AUTHORITY_HOST (the Azure SDKs' variable, for
// sovereign clouds). The token is cached and renewed once less than REFRESH_BEFORE_MS of its life
// is left; concurrent requests share one exchange. Errors never carry the secret or a token.
import { GatewayError } from '../errors.js';
import { log } from '../observability/log.js';
import type { FetchImpl } from './gcp-auth.js';

export const AZURE_SCOPE = 'https://cognitiveservices.azure.com/.default';
const DEFAULT_AUTHORITY = 'https://login.microsoftonline.com';
/** Renew this long before expiry (as MSAL does). */
const REFRESH_BEFORE_MS = 5 * 60_000;
const TIMEOUT_MS = 5_000;

export interface AzureClientSecret {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A managed identity: system-assigned (no id), or user-assigned by one of its ids. */
export interface AzureManagedIdentity {
  readonly managedIdentity: { readonly clientId?: string; readonly objectId?: string; readonly resourceId?: string };
}

/** The instance metadata service (Azure VMs, AKS nodes); `--connect-to` can redirect it like any upstream. */
const IMDS = 'http://169.254.169.254/metadata/identity/oauth2/token';
const MI_RESOURCE = 'https://cognitiveservices.azure.com';

export interface AzureAuthSettings {
  readonly credential: AzureClientSecret | AzureManagedIdentity;
  readonly fetch: FetchImpl;
  /** Backend name, for error messages. */
  readonly backend: string;
  readonly now?: () => number;
}

export class AzureTokenSource {
  private cached: { token: string; expiresAt: number } | null = null;
  private inflight: Promise<string> | null = null;
  private readonly now: () => number;
  /** Token exchanges made (for tests). */
  exchanges = 0;

  constructor(private readonly settings: AzureAuthSettings) {
    this.now = settings.now ?? Date.now;
  }

  /** A valid access token: synchronously while one is cached, else once the exchange is done. */
  token(): string | Promise<string> {
    const c = this.cached;
    if (c !== null && c.expiresAt - this.now() > REFRESH_BEFORE_MS) return c.token;
    this.inflight ??= this.exchange().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  toJSON(): unknown {
    const c = this.settings.credential;
    return 'managedIdentity' in c
      ? { kind: 'azure', managedIdentity: c.managedIdentity }
      : { kind: 'azure', tenantId: c.tenantId, clientId: c.clientId, clientSecret: '<redacted>' };
  }

  /** The token request: Entra's client-credentials grant, or the metadata service for a managed identity. */
  private request(): { url: string; init: RequestInit } {
    const c = this.settings.credential;
    if ('managedIdentity' in c) {
      const q = new URLSearchParams({ 'api-version': '2018-02-01', resource: MI_RESOURCE });
      const id = c.managedIdentity;
      if (id.clientId !== undefined) q.set('client_id', id.clientId);
      if (id.objectId !== undefined) q.set('object_id', id.objectId);
      if (id.resourceId !== undefined) q.set('msi_res_id', id.resourceId);
      return { url: `${IMDS}?${q}`, init: { method: 'GET', headers: { metadata: 'true', accept: 'application/json' } } };
    }
    const authority = (process.env.AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY).replace(/\/+$/, '');
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c.clientId,
      client_secret: c.clientSecret,
      scope: AZURE_SCOPE,
    });
    return {
      url: `${authority}/${encodeURIComponent(c.tenantId)}/oauth2/v2.0/token`,
      init: {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: body.toString(),
      },
    };
  }

  private async exchange(): Promise<string> {
    this.exchanges++;
    const { url, init } = this.request();
    const what = `cannot get a Microsoft Entra token for ${this.settings.backend}`;
    let res: Response;
    let json: Record<string, unknown> | null;
    try {
      res = await this.settings.fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
      json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    } catch (e) {
      throw this.fail(new GatewayError('backend_auth_failed', `${what}: ${(e as Error).message}`));
    }
    const token = json?.access_token;
    if (!res.ok || typeof token !== 'string' || token === '') {
      // Entra's error body: {error, error_description}; the description names no secret.
      const reason =
        typeof json?.error === 'string' ? `${json.error}: ${String(json.error_description ?? '').split('\n')[0]}` : `status ${res.status}`;
      const kind = res.status >= 400 && res.status < 500 ? 'backend_auth_rejected' : 'backend_auth_failed';
      throw this.fail(new GatewayError(kind, `${what}: ${reason.slice(0, 300)}`));
    }
    const life = Number(json?.expires_in);
    this.cached = { token, expiresAt: this.now() + (Number.isFinite(life) && life > 0 ? life * 1000 : 3_600_000) };
    return token;
  }

  private fail(error: GatewayError): GatewayError {
    log.warn({ backend: this.settings.backend, status: error.status }, error.message);
    return error;
  }
}
