// The request policies (types.ts: once per request) of a route, compiled once: its own, over its listener's. Per kind the
// more specific wins (a route's jwtAuth replaces the listener's); authorization rule sets are
// combined, as agentgateway merges them. The order they run in is the pipeline's business
// (src/pipeline/handle.ts), not this module's.
import type { ListenerPoliciesT, RoutePoliciesT } from '../config/schema/policies.js';
import { compileApiKey, type ApiKeyPolicy } from './api-key.js';
import { AuthorizationPolicy, compileAuthorization } from './authorization.js';
import { compileBasicAuth, type BasicAuthPolicy } from './basic-auth.js';
import { compileCors, type CorsPolicy } from './cors.js';
import { CsrfPolicy } from './csrf.js';
import { compileJwtAuth, type JwtAuthPolicy } from './jwt-auth.js';
import { compileMcpAuthentication, type McpAuthenticationPolicy } from './mcp-authentication.js';
import type { PolicyCompiler } from './types.js';

export interface RequestPolicies {
  readonly cors?: CorsPolicy | undefined;
  readonly csrf?: CsrfPolicy | undefined;
  readonly jwtAuth?: JwtAuthPolicy | undefined;
  /** Route-level only (agentgateway: a route policy of MCP routes). */
  readonly mcpAuthentication?: McpAuthenticationPolicy | undefined;
  readonly basicAuth?: BasicAuthPolicy | undefined;
  readonly apiKey?: ApiKeyPolicy | undefined;
  readonly authorization?: AuthorizationPolicy | undefined;
}

type Path = (string | number)[];

export function compileRequestPolicies(
  spec: RoutePoliciesT | ListenerPoliciesT | undefined,
  path: Path,
  c: PolicyCompiler,
): RequestPolicies {
  if (spec === undefined) return {};
  const at = (k: string) => [...path, k];
  return {
    cors: spec.cors && compileCors(spec.cors, at('cors'), c),
    csrf: 'csrf' in spec && spec.csrf !== undefined ? new CsrfPolicy(spec.csrf) : undefined,
    jwtAuth: spec.jwtAuth && compileJwtAuth(spec.jwtAuth, at('jwtAuth'), c),
    mcpAuthentication:
      'mcpAuthentication' in spec && spec.mcpAuthentication !== undefined
        ? compileMcpAuthentication(spec.mcpAuthentication, at('mcpAuthentication'), c)
        : undefined,
    basicAuth: spec.basicAuth && compileBasicAuth(spec.basicAuth, at('basicAuth'), c),
    apiKey: spec.apiKey && compileApiKey(spec.apiKey, at('apiKey'), c),
    authorization: spec.authorization && compileAuthorization(spec.authorization, at('authorization'), c),
  };
}

/** The route's effective policies, or null when it has none (the request path skips the phase). */
export function effectivePolicies(listener: RequestPolicies, route: RequestPolicies): RequestPolicies | null {
  const p: RequestPolicies = {
    cors: route.cors ?? listener.cors,
    csrf: route.csrf ?? listener.csrf,
    jwtAuth: route.jwtAuth ?? listener.jwtAuth,
    mcpAuthentication: route.mcpAuthentication,
    basicAuth: route.basicAuth ?? listener.basicAuth,
    apiKey: route.apiKey ?? listener.apiKey,
    authorization: AuthorizationPolicy.combine(listener.authorization, route.authorization),
  };
  return Object.values(p).some((v) => v !== undefined) ? p : null;
}
