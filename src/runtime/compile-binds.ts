// The listeners a config serves, port by port: its binds (each listener's routes, names checked),
// the llm section's listener, and the simplified mcp: route, which joins a bind's first listener
// or the llm listener on a port they share, else serves a port of its own.
import { formatPath } from '../config/errors.js';
import type { LoadedConfig } from '../config/load.js';
import type { RouteT } from '../config/schema/routes.js';
import { compileRequestPolicies, type RequestPolicies } from '../policies/request-policies.js';
import { compileLlm, LLM_LISTENER, type LlmCompiler } from './compile-llm.js';
import { type McpRouteCompiler, SHARED_MCP_MATCHES, simpleMcpPorts, simpleMcpRoute } from './compile-mcp.js';
import { RouteTable } from './route-table.js';
import type { BindRt, ListenerRt, RouteRt } from './snapshot.js';

type Path = (string | number)[];

export interface BindsCompiler extends LlmCompiler, McpRouteCompiler {
  readonly loaded: LoadedConfig;
  route(r: RouteT, path: Path, parentKey: string, index: number, listenerPolicies: RequestPolicies, unique: boolean): RouteRt;
}

export function compileBinds(c: BindsCompiler): Map<number, BindRt> {
  const binds = new Map<number, BindRt>();
  const simple = c.loaded.config.mcp;
  const mcpPorts = simpleMcpPorts(c, c.loaded.config);
  (c.loaded.config.binds ?? []).forEach((b, bi) => {
    if (binds.has(b.port)) c.fail(['binds', bi, 'port'], `port ${b.port} is bound twice`);
    const listeners = b.listeners.map((l, li): ListenerRt => {
      const lname = l.name ?? `listener${li}`;
      const listenerPolicies = compileRequestPolicies(l.policies, ['binds', bi, 'listeners', li, 'policies'], c);
      const names = new Map<string, Path>();
      const routes = (l.routes ?? []).map((r, ri) => {
        const path = ['binds', bi, 'listeners', li, 'routes', ri];
        const unique = uniqueName(c, r.name ?? `route${ri}`, path, names);
        return {
          route: c.route(r, path, `${b.port}/${lname}`, ri, listenerPolicies, unique),
          matches: r.matches ?? [],
          hostnames: r.hostnames,
        };
      });
      // The simplified mcp: on a port binds also use joins its first listener, under /mcp, /sse and /.well-known.
      if (mcpPorts.has(b.port) && li === 0 && !binds.has(b.port)) {
        routes.push({
          route: simpleMcpRoute(c, simple!, `${b.port}/${lname}`, listenerPolicies),
          matches: SHARED_MCP_MATCHES,
          hostnames: undefined,
        });
      }
      return { name: lname, hostname: l.hostname ?? null, routes: new RouteTable(routes) };
    });
    binds.set(b.port, { port: b.port, address: b.bindAddress ?? null, listeners });
  });
  const onBinds = new Set(binds.keys());
  llmBinds(c, binds, mcpPorts);
  for (const port of mcpPorts) {
    if (onBinds.has(port) || binds.has(port)) continue; // joined a bind or the llm listener
    const route = simpleMcpRoute(c, simple!, `${port}/mcp`, {});
    binds.set(port, {
      port,
      address: null,
      listeners: [{ name: 'mcp', hostname: null, routes: new RouteTable([{ route, matches: [] }]) }],
    });
  }
  return binds;
}

/** The llm section: its listener on its own port(s), next to the binds (and the simplified mcp: route). */
function llmBinds(c: BindsCompiler, binds: Map<number, BindRt>, mcpPorts: ReadonlySet<number>): void {
  const taken = new Map([...binds.keys()].map((p) => [p, `binds[${(c.loaded.config.binds ?? []).findIndex((b) => b.port === p)}]`]));
  const llm = compileLlm(c, c.loaded.config, taken);
  if (llm === null) return;
  const listener: ListenerRt = { name: LLM_LISTENER, hostname: null, routes: new RouteTable([{ route: llm.route, matches: [] }]) };
  for (const port of llm.ports) {
    if (!mcpPorts.has(port) || binds.has(port)) {
      binds.set(port, { port, address: null, listeners: [listener] });
      continue;
    }
    const mcp = simpleMcpRoute(c, c.loaded.config.mcp!, `${port}/${LLM_LISTENER}`, {});
    const routes = new RouteTable([
      { route: llm.route, matches: [] },
      { route: mcp, matches: SHARED_MCP_MATCHES },
    ]);
    binds.set(port, { port, address: null, listeners: [{ name: LLM_LISTENER, hostname: null, routes }] });
  }
}

/**
 * Whether the route's name is its own in the listener. agentgateway accepts a repeated name
 * and keeps only the last such route (routes are keyed by name); here both serve, so a
 * repeat is a warning naming both places, and the repeat's live state (buckets, balancer
 * statistics) gets an id of its own rather than sharing the first route's.
 */
function uniqueName(c: BindsCompiler, name: string, path: Path, seen: Map<string, Path>): boolean {
  const first = seen.get(name);
  if (first === undefined) {
    seen.set(name, path);
    return true;
  }
  const at = (p: Path) => {
    const { line, col } = c.loaded.locate(p);
    return `${formatPath(p)} (${c.loaded.file}:${line}:${col})`;
  };
  c.warn(
    `${at([...path, 'name'])}: route name "${name}" is already used by ${at(first)} in this listener; metrics, access logs and the admin API cannot tell the two apart (agentgateway would keep only the last). Give each route its own name`,
  );
  return false;
}
