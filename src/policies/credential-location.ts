// Where a client credential is read from (agentgateway's AuthorizationLocation: a header with
// an optional prefix, a query parameter, or a cookie) and how it is removed before the request
// goes upstream.
import type { ClientCredential, PolicyRequest } from './types.js';

export interface LocationSpec {
  header?: { name: string; prefix?: string | undefined } | undefined;
  queryParameter?: { name: string } | undefined;
  cookie?: { name: string } | undefined;
}

export class CredentialLocation {
  private readonly credential: ClientCredential;

  constructor(
    private readonly spec: LocationSpec,
    jwt: boolean,
  ) {
    if (spec.header) this.credential = { kind: 'header', name: spec.header.name.toLowerCase(), jwt };
    else if (spec.queryParameter) this.credential = { kind: 'query', name: spec.queryParameter.name, jwt };
    else this.credential = { kind: 'cookie', name: spec.cookie!.name, jwt };
  }

  static bearer(jwt: boolean): CredentialLocation {
    return new CredentialLocation({ header: { name: 'authorization', prefix: 'Bearer ' } }, jwt);
  }

  /** The credential, or undefined when the request carries none at this location. */
  extract(req: PolicyRequest): string | undefined {
    const c = this.credential;
    if (c.kind === 'header') {
      // A header an earlier authentication policy consumed (a JWT in Authorization) is not
      // read again as, say, an API key.
      if (req.hiddenHeaders?.has(c.name) === true) return undefined;
      const v = req.header(c.name);
      if (v === undefined) return undefined;
      const prefix = this.spec.header!.prefix;
      if (prefix === undefined || prefix === '') return nonEmpty(v.trim());
      // Scheme names are case-insensitive (RFC 9110 §11.1): "bearer x" is a Bearer token.
      if (v.length <= prefix.length || v.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return undefined;
      return nonEmpty(v.slice(prefix.length).trim());
    }
    if (c.kind === 'query') return nonEmpty(queryParam(req.down.query, c.name));
    return nonEmpty(cookieValue(req.header('cookie'), c.name));
  }

  /** Marks the credential for removal before forwarding. */
  consume(req: PolicyRequest): void {
    req.addCredential(this.credential);
  }

  get headerName(): string | undefined {
    return this.credential.kind === 'header' ? this.credential.name : undefined;
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === '' ? undefined : s;
}

export function queryParam(query: string, name: string): string | undefined {
  if (query === '') return undefined;
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (safeDecode(k) === name) return eq < 0 ? '' : safeDecode(part.slice(eq + 1));
  }
  return undefined;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return part
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/**
 * The request headers and query string to forward, without the credentials policies consumed.
 * `keepJwt`: the backend asked for `backendAuth: {passthrough: {}}`, so a validated JWT stays.
 */
export function withoutCredentials(
  headers: readonly string[],
  query: string,
  credentials: readonly ClientCredential[],
  keepJwt: boolean,
): { headers: readonly string[]; query: string } {
  const drop = credentials.filter((c) => !(keepJwt && c.jwt));
  if (drop.length === 0) return { headers, query };
  const headerNames = new Set(drop.filter((c) => c.kind === 'header').map((c) => c.name));
  const cookies = new Set(drop.filter((c) => c.kind === 'cookie').map((c) => c.name));
  const params = new Set(drop.filter((c) => c.kind === 'query').map((c) => c.name));
  const out: string[] = [];
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (headerNames.has(name)) continue;
    if (name === 'cookie' && cookies.size > 0) {
      const kept = headers[i + 1]!.split(';').filter((p) => !cookies.has(p.slice(0, Math.max(0, p.indexOf('='))).trim()));
      if (kept.length > 0) out.push(name, kept.map((p) => p.trim()).join('; '));
      continue;
    }
    out.push(name, headers[i + 1]!);
  }
  const q =
    params.size === 0
      ? query
      : query
          .split('&')
          .filter((p) => !params.has(safeDecode(p.split('=')[0]!)))
          .join('&');
  return { headers: out, query: q };
}
