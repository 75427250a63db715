// cors, with agentgateway's (Envoy's) semantics (http/cors.rs): a request without Origin is
// untouched; a preflight (OPTIONS + Origin + Access-Control-Request-Method) is answered here —
// with the allow headers when the origin is allowed, with a bare 200 when it is not (never
// forwarded); an actual request from an allowed origin gets Access-Control-Allow-Origin (and
// credentials/expose headers) on whatever response it ends with, errors included.
import { linearRegExp } from '../config/linear-regex.js';
import { durationMs } from '../config/schema/common.js';
import type { CorsT } from '../config/schema/policies.js';
import type { PolicyCompiler, PolicyOutcome, PolicyRequest, Reply, RequestPolicy } from './types.js';

interface Origin {
  scheme: 'http' | 'https';
  host: string;
  port: number;
}

interface AllowedOrigin extends Origin {
  /** Wildcard hosts, compiled once. */
  readonly pattern: RegExp | null;
}

type List = '*' | readonly string[] | null;

export class CorsPolicy implements RequestPolicy {
  private readonly origins: '*' | readonly AllowedOrigin[] | null;
  private readonly methods: List;
  private readonly headers: List;
  private readonly expose: string | null;
  private readonly maxAge: string | null;
  private readonly credentials: boolean;

  constructor(spec: CorsT) {
    const origins = list(spec.allowOrigins);
    this.origins = origins === '*' || origins === null ? origins : origins.flatMap((o) => allowedOrigin(o));
    this.methods = list(spec.allowMethods);
    this.headers = list(spec.allowHeaders);
    const expose = list(spec.exposeHeaders);
    this.expose = expose === null ? null : expose === '*' ? '*' : expose.join(',');
    this.maxAge =
      spec.maxAge === undefined ? null : String(typeof spec.maxAge === 'number' ? spec.maxAge : Math.floor(durationMs(spec.maxAge) / 1000));
    this.credentials = spec.allowCredentials === true;
  }

  apply(req: PolicyRequest): PolicyOutcome {
    const origin = req.header('origin');
    if (origin === undefined) return undefined;
    const requestMethod = req.header('access-control-request-method')?.trim();
    const preflight = req.down.method === 'OPTIONS' && requestMethod !== undefined && requestMethod !== '';
    if (!this.allows(origin)) return preflight ? { status: 200, headers: [] } : undefined;
    if (req.down.method === 'OPTIONS') return this.preflight(req, origin, requestMethod);
    const h = ['access-control-allow-origin', origin];
    if (this.credentials) h.push('access-control-allow-credentials', 'true');
    if (this.expose !== null) h.push('access-control-expose-headers', this.expose);
    h.push('vary', 'Origin');
    req.addResponseHeaders(h);
    return undefined;
  }

  private preflight(req: PolicyRequest, origin: string, requestMethod: string | undefined): Reply {
    const h = ['access-control-allow-origin', origin];
    const methods = this.echoOrList(this.methods, requestMethod);
    if (methods !== null) h.push('access-control-allow-methods', methods);
    const requested = req.header('access-control-request-headers');
    const normalized = requested
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
      .join(', ');
    const headers = this.echoOrList(this.headers, normalized === '' ? undefined : normalized);
    if (headers !== null) h.push('access-control-allow-headers', headers);
    if (this.maxAge !== null) h.push('access-control-max-age', this.maxAge);
    if (this.credentials) h.push('access-control-allow-credentials', 'true');
    if (this.expose !== null) h.push('access-control-expose-headers', this.expose);
    h.push('vary', 'Origin');
    return { status: 200, headers: h };
  }

  /** `*` echoes what the browser asked for (a literal `*` is not honoured with credentials). */
  private echoOrList(l: List, requested: string | undefined): string | null {
    if (l === null) return null;
    if (l === '*') return requested ?? (this.credentials ? null : '*');
    return l.join(',');
  }

  private allows(origin: string): boolean {
    if (this.origins === null) return false;
    if (this.origins === '*') return true;
    const o = parseOrigin(origin, false);
    return (
      o !== null &&
      this.origins.some(
        (a) => a.scheme === o.scheme && a.port === o.port && (a.pattern === null ? a.host === o.host : a.pattern.test(o.host)),
      )
    );
  }
}

export function compileCors(spec: CorsT, path: (string | number)[], c: PolicyCompiler): CorsPolicy {
  spec.allowOrigins?.forEach((o, i) => {
    if (o !== '*' && parseOrigin(o, true) === null)
      c.fail([...path, 'allowOrigins', i], `"${o}" is not an origin (scheme://host[:port], * allowed in the host)`);
  });
  return new CorsPolicy(spec);
}

function list(v: string[] | undefined): List {
  if (v === undefined || v.length === 0) return null;
  return v.includes('*') ? '*' : v;
}

function parseOrigin(value: string, allowWildcard: boolean): Origin | null {
  const m = /^(https?):\/\/([^/?#]+)$/i.exec(value);
  if (m === null) return null;
  const scheme = m[1]!.toLowerCase() as Origin['scheme'];
  const hp = m[2]!;
  const colon = hp.lastIndexOf(':');
  let host = hp;
  let port = scheme === 'http' ? 80 : 443;
  if (colon >= 0 && !hp.endsWith(']')) {
    const p = hp.slice(colon + 1);
    if (!/^\d+$/.test(p) || Number(p) === 0 || Number(p) > 65535) return null;
    host = hp.slice(0, colon);
    port = Number(p);
  }
  if (host === '' || (!allowWildcard && host.includes('*'))) return null;
  return { scheme, host: host.toLowerCase(), port };
}

/** `*` in an allowed host matches any run of characters (`https://*.example.com`, `https://*`). */
function allowedOrigin(value: string): AllowedOrigin[] {
  const o = parseOrigin(value, true);
  if (o === null) return [];
  const pattern = o.host.includes('*')
    ? linearRegExp(
        `^${o.host
          .split('*')
          .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*')}$`,
      )
    : null;
  return [{ ...o, pattern }];
}
