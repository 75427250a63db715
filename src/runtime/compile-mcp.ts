// The runtime side of MCP config: an `mcp` route backend, and agentgateway's simplified
// top-level `mcp:` section as one route named `mcp`. That route serves a port of its own (every
// path), or joins what else serves its port under /mcp, /sse and /.well-known: the first
// listener of a bind, or the llm section's listener. Its port: `port`, else the ports of its
// `gateways`, else the gateway named "default", else 3000.
import { nearest } from '../config/errors.js';
import type { RouteBackendT } from '../config/schema/backends.js';
import type { BackendPoliciesT, RoutePoliciesT } from '../config/schema/policies.js';
import type { ConfigT, SimpleMcpT } from '../config/schema/root.js';
import type { RouteMatchT } from '../config/schema/routes.js';
import { compileMcpBackend, type McpCompiler } from '../mcp/compile.js';
import { compileRequestPolicies, effectivePolicies, type RequestPolicies } from '../policies/request-policies.js';
import type { Timeouts, UpstreamTimeouts } from '../policies/retry.js';
import { compileRouteTraffic } from './compile-traffic.js';
import type { LiveScope } from './live.js';
import type { McpBackendRt, RouteRt } from './snapshot.js';

type Path = (string | number)[];

const DEFAULT_MCP_PORT = 3000;

/** The paths the simplified section answers on a port it shares (agentgateway's mcp_matches). */
export const SHARED_MCP_MATCHES: RouteMatchT[] = [
  { path: { pathPrefix: '/mcp' } },
  { path: { pathPrefix: '/sse' } },
  { path: { pathPrefix: '/.well-known' } },
];

export interface McpRouteCompiler extends McpCompiler {
  readonly liveObjects: LiveScope;
  upstreamLimits(timeouts: Timeouts | null): UpstreamTimeouts;
}

export function mcpRouteBackend(
  c: McpCompiler,
  spec: SimpleMcpT | NonNullable<RouteBackendT['mcp']>,
  at: { path: Path; key: string; name: string; weight: number },
  routePolicies: RoutePoliciesT | undefined,
  backendPolicies: BackendPoliciesT | undefined,
  backendPath: Path,
): McpBackendRt {
  const { path, key, name } = at;
  const routePath = path[0] === 'mcp' ? ['mcp', 'policies'] : [...path.slice(0, -3), 'policies'];
  const mcp = compileMcpBackend(c, spec, {
    key,
    name,
    path,
    route: routePolicies,
    routePath,
    backend: backendPolicies,
    backendPath: [...backendPath, 'policies'],
  });
  return { kind: 'mcp', key: `mcp/${key}`, name, weight: at.weight, mcp };
}

/** The simplified section as a route under `parentKey` (`<port>/<listener>`). */
export function simpleMcpRoute(c: McpRouteCompiler, spec: SimpleMcpT, parentKey: string, listenerPolicies: RequestPolicies): RouteRt {
  const key = `${parentKey}/mcp`;
  const path = ['mcp'];
  const policies = effectivePolicies(listenerPolicies, compileRequestPolicies(spec.policies, [...path, 'policies'], c));
  const traffic = compileRouteTraffic(spec.policies, [...path, 'policies'], c, c.liveObjects, {
    key,
    portlessKey: key.slice(key.indexOf('/') + 1),
  });
  const backend = mcpRouteBackend(c, spec, { path, key: `${key}/0`, name: 'mcp', weight: 1 }, spec.policies, undefined, path);
  return {
    key,
    name: 'mcp',
    backends: [backend],
    totalWeight: 1,
    policies,
    traffic,
    a2a: false,
    mcp: true,
    upstreamTimeouts: c.upstreamLimits(traffic?.timeouts ?? null),
    dialect: 'mcp',
  };
}

/** The ports the simplified section serves (empty without one). */
export function simpleMcpPorts(c: McpCompiler, config: ConfigT): Set<number> {
  const mcp = config.mcp;
  if (mcp === undefined) return new Set();
  if (mcp.port !== undefined) return new Set([mcp.port]);
  const gateways = config.gateways ?? {};
  if (mcp.gateways === undefined) return new Set([gateways.default?.port ?? DEFAULT_MCP_PORT]);
  const ports = new Set<number>();
  [mcp.gateways].flat().forEach((n, i) => {
    const gw = gateways[n];
    if (gw !== undefined) return void ports.add(gw.port);
    const hint = nearest(n, Object.keys(gateways));
    const at = typeof mcp.gateways === 'string' ? ['mcp', 'gateways'] : ['mcp', 'gateways', i];
    c.fail(at, `no gateway named "${n}"${hint !== undefined ? ` (did you mean "${hint}"?)` : ''}`);
  });
  return ports;
}
