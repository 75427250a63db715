// mcpAuthentication: MCP's OAuth resource-server profile (MCP spec "Authorization", RFC 9728).
// Tokens are validated exactly as jwtAuth validates them (same code, same JWKS caches); what
// differs is the refusal and the discovery document. A request without a valid token gets 401
// with `WWW-Authenticate: Bearer resource_metadata="<origin>/.well-known/oauth-protected-resource<path>"`,
// and that URL answers the protected-resource metadata: the resource, its authorization server
// (the issuer), and the configured resourceMetadata fields (camelCase keys written snake_case).
// The well-known paths themselves are public: a client must read them before it has a token.
import type { McpAuthenticationT } from '../config/schema/policies.js';
import { compileJwtAuth, type JwtAuthPolicy } from './jwt-auth.js';
import { GatewayError } from '../errors.js';
import type { PolicyCompiler, PolicyRequest, PolicyOutcome, RequestPolicy } from './types.js';

const PROTECTED_RESOURCE = '/.well-known/oauth-protected-resource';
/** agentgateway advertises this protocol version in the metadata document. */
const METADATA_PROTOCOL_VERSION = '2025-06-18';

export function isWellKnown(path: string): boolean {
  return path.startsWith('/.well-known/oauth-protected-resource') || path.startsWith('/.well-known/oauth-authorization-server');
}

export class McpAuthenticationPolicy implements RequestPolicy {
  constructor(
    private readonly jwt: JwtAuthPolicy,
    private readonly issuer: string,
    private readonly resourceMetadata: Readonly<Record<string, unknown>>,
  ) {}

  apply(req: PolicyRequest): PolicyOutcome | Promise<PolicyOutcome> {
    if (isWellKnown(req.down.path)) return undefined;
    if (req.jwt !== null) {
      throw this.challenge(req, 'jwt_invalid', 'a jwtAuth policy already consumed the token; mcpAuthentication must validate it itself');
    }
    try {
      const r = this.jwt.apply(req);
      return r === undefined ? r : r.catch((e: unknown) => this.rethrow(req, e));
    } catch (e) {
      return this.rethrow(req, e);
    }
  }

  /** Whether `path` is this policy's metadata document (any resource path below the prefix). */
  servesMetadata(path: string): boolean {
    return path === PROTECTED_RESOURCE || path.startsWith(`${PROTECTED_RESOURCE}/`);
  }

  /** The RFC 9728 document for the resource the well-known path names. */
  metadata(req: PolicyRequest): Record<string, unknown> {
    const resourcePath = req.down.path.slice(PROTECTED_RESOURCE.length);
    const doc: Record<string, unknown> = {
      resource: `${this.origin(req)}${resourcePath}`,
      authorization_servers: [this.issuer],
      mcp_protocol_version: METADATA_PROTOCOL_VERSION,
      resource_type: 'mcp-server',
    };
    for (const [k, v] of Object.entries(this.resourceMetadata)) doc[snakeCase(k)] = v;
    return doc;
  }

  private rethrow(req: PolicyRequest, e: unknown): never {
    if (e instanceof GatewayError && e.status === 401) throw this.challenge(req, e.kind, e.message);
    throw e;
  }

  /** jwtAuth's refusal, kind and message kept, with MCP's challenge pointing at the metadata. */
  private challenge(req: PolicyRequest, kind: GatewayError['kind'], message: string): GatewayError {
    const url = `${this.origin(req)}${PROTECTED_RESOURCE}${req.down.path}`;
    return new GatewayError(kind, message, { headers: [['www-authenticate', `Bearer resource_metadata="${url}"`]] });
  }

  /** The configured resource's origin, else the one the client used (Host, X-Forwarded-Proto). */
  private origin(req: PolicyRequest): string {
    const configured = this.resourceMetadata.resource;
    if (typeof configured === 'string') {
      try {
        return new URL(configured).origin;
      } catch {
        // not a URL: fall back to the request's origin
      }
    }
    const proto = req.header('x-forwarded-proto')?.split(',')[0]?.trim();
    const scheme = proto === 'https' ? 'https' : 'http';
    return `${scheme}://${req.header('host') ?? 'localhost'}`;
  }
}

function snakeCase(k: string): string {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** The default key set location for an issuer (Keycloak publishes its keys elsewhere). */
function defaultJwksUrl(spec: McpAuthenticationT): string {
  const base = spec.issuer.replace(/\/+$/, '');
  if (spec.provider?.keycloak !== undefined) return `${base}/protocol/openid-connect/certs`;
  return `${base}/.well-known/jwks.json`;
}

export function compileMcpAuthentication(
  spec: McpAuthenticationT,
  path: (string | number)[],
  c: PolicyCompiler,
): McpAuthenticationPolicy | undefined {
  const jwt = compileJwtAuth(
    {
      mode: spec.mode ?? 'strict',
      location: spec.authorizationLocation,
      issuer: spec.issuer,
      audiences: spec.audiences,
      jwks: spec.jwks ?? { url: defaultJwksUrl(spec) },
      jwtValidationOptions: spec.jwtValidationOptions,
    },
    path,
    c,
  );
  return jwt === undefined ? undefined : new McpAuthenticationPolicy(jwt, spec.issuer, spec.resourceMetadata);
}
