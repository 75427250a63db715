// Config -> McpBackend: target URLs and pools, credentials and header edits (route policies
// under the target's own), naming, modes, authorization (route and backend rules combined),
// OpenAPI documents read and checked at load, and the session store from the live registry.
import { formatPath } from '../config/errors.js';
import type { McpBackendT, McpTargetPoliciesT, McpTargetT } from '../config/schema/mcp.js';
import type { AuthorizationT, BackendAuthT, BackendTLST, HeaderModifierT } from '../config/schema/policies.js';
import type { PolicyCompiler } from '../policies/types.js';
import type { UpstreamPool } from '../upstream/dispatch.js';
import { compileMcpAuthorization, McpAuthorization } from './authorization.js';
import { McpBackend } from './backend.js';
import { Namer } from './names.js';
import { parseOpenApi } from './openapi-tools.js';
import { mcpSdk } from './sdk.js';
import { SessionStore } from './sessions.js';
import type { McpTargetRt, OpenApiSource } from './targets.js';

type Path = (string | number)[];

/** The connection policies a route can give its MCP targets (the targets' own win). */
export interface McpRoutePolicies {
  readonly backendAuth?: BackendAuthT | undefined;
  readonly backendTLS?: BackendTLST | undefined;
  readonly requestHeaderModifier?: HeaderModifierT | undefined;
  readonly mcpAuthorization?: AuthorizationT | undefined;
}

export interface McpCompiler extends PolicyCompiler {
  /** A pool to `host:port`: TLS per backendTLS, or with system roots when `https` and none given. */
  targetPool(host: string, port: number, https: boolean, tls: BackendTLST | undefined, path: Path): { pool: UpstreamPool; origin: string };
  /** backendAuth.key as text (read from its file), or undefined. */
  backendKey(auth: BackendAuthT | undefined, path: Path): string | undefined;
  /** Live state by stable id and spec (the session store). */
  live<T extends object>(id: string, spec: unknown, create: () => T): T;
  readonly sessionTtlMs: number;
  readonly version: string;
}

export interface McpBackendSite {
  readonly key: string;
  readonly name: string;
  /** YAML path of the `mcp` object (targets hang below it). */
  readonly path: Path;
  readonly route: McpRoutePolicies | undefined;
  readonly routePath: Path;
  /** Backend-level policies (`mcpAuthorization`). */
  readonly backend: { readonly mcpAuthorization?: AuthorizationT | undefined } | undefined;
  readonly backendPath: Path;
}

export function compileMcpBackend(c: McpCompiler, spec: McpBackendT, site: McpBackendSite): McpBackend {
  // The SDK serves this backend's requests (protocol versions, stdio and SSE transports): the
  // compile loads it (ModuleNotLoaded) before anything of this attempt is kept.
  mcpSdk();
  const names = new Set<string>();
  const targets: McpTargetRt[] = [];
  spec.targets.forEach((t, i) => {
    const at = [...site.path, 'targets', i];
    if (names.has(t.name)) c.fail([...at, 'name'], `target name ${t.name} is used twice`);
    names.add(t.name);
    const rt = compileTarget(c, t, site.route, at);
    if (rt !== undefined) targets.push(rt);
  });
  if (spec.targets.length === 0) c.warn(`${formatPath(site.path)}: an mcp backend without targets answers every request with an error`);
  const namer = new Namer(
    spec.targets.map((t) => t.name),
    spec.prefixMode ?? 'conditional',
  );
  const authz = McpAuthorization.combine(
    authorizationOf(c, site.route?.mcpAuthorization, [...site.routePath, 'mcpAuthorization']),
    authorizationOf(c, site.backend?.mcpAuthorization, [...site.backendPath, 'mcpAuthorization']),
  );
  // Same targets (credentials included: the spec is only hashed), naming and TTL: same sessions.
  const storeSpec = { targets: targets.map((t) => ({ ...t, pool: undefined })), prefixMode: spec.prefixMode, ttl: c.sessionTtlMs };
  const store = c.live(`${site.key}::mcp-sessions`, storeSpec, () => new SessionStore(targets, namer, c.sessionTtlMs));
  return new McpBackend(
    site.name,
    targets,
    namer,
    (spec.statefulMode ?? 'stateful') === 'stateful',
    spec.failureMode ?? 'failClosed',
    authz,
    store,
    spec.dnsRebindingProtection === true,
    c.version,
  );
}

function authorizationOf(c: McpCompiler, spec: AuthorizationT | undefined, path: Path): McpAuthorization | null {
  return spec === undefined ? null : compileMcpAuthorization(spec, path, c);
}

function compileTarget(c: McpCompiler, t: McpTargetT, route: McpRoutePolicies | undefined, path: Path): McpTargetRt | undefined {
  if (t.stdio !== undefined) {
    const s = t.stdio;
    return { kind: 'stdio', name: t.name, cmd: s.cmd, args: s.args ?? [], env: s.env ?? {}, clearEnv: s.clear_env === true };
  }
  const kind = t.mcp !== undefined ? 'mcp' : t.sse !== undefined ? 'sse' : 'openapi';
  const where = t.mcp ?? t.sse ?? t.openapi!;
  const at = [...path, kind];
  const loc = locate(where, kind === 'sse' ? '/sse' : '/mcp');
  if (typeof loc === 'string') {
    c.fail([...at, 'host'], loc);
    return undefined;
  }
  const policies = layered(route, t.policies);
  const ppath = t.policies !== undefined ? [...path, 'policies'] : path;
  // SigV4 and Google OAuth sign provider calls; an MCP target takes a key or the caller's token.
  for (const k of ['aws', 'gcp'] as const) {
    if (policies.backendAuth?.[k] !== undefined) {
      c.fail([...ppath, 'backendAuth', k], `backendAuth.${k} is not supported for MCP targets; use key or passthrough`);
    }
  }
  const { pool, origin } = c.targetPool(loc.host, loc.port, loc.https, policies.backendTLS, [...ppath, 'backendTLS']);
  const headers = Object.entries({ ...policies.requestHeaderModifier?.add, ...policies.requestHeaderModifier?.set }).map(
    ([k, v]) => [k.toLowerCase(), v] as const,
  );
  const shape = {
    name: t.name,
    pool,
    headers,
    key: c.backendKey(policies.backendAuth, [...ppath, 'backendAuth']),
    passthrough: policies.backendAuth?.passthrough !== undefined,
  };
  if (kind !== 'openapi') return { kind, ...shape, url: origin + loc.path };
  const document = openApiDocument(c, t.openapi!.schema, [...at, 'schema']);
  return document === undefined ? undefined : { kind: 'openapi', ...shape, origin, document };
}

function layered(route: McpRoutePolicies | undefined, own: McpTargetPoliciesT | undefined): McpTargetPoliciesT {
  return {
    backendAuth: own?.backendAuth ?? route?.backendAuth,
    backendTLS: own?.backendTLS ?? route?.backendTLS,
    requestHeaderModifier: own?.requestHeaderModifier ?? route?.requestHeaderModifier,
  };
}

interface Location {
  host: string;
  port: number;
  https: boolean;
  path: string;
}

/** agentgateway's forms: a URL, `host[:port]` (default path), or host + port + path. */
function locate(w: { host: string; port?: number | undefined; path?: string | undefined }, defaultPath: string): Location | string {
  if (w.port !== undefined) return { host: w.host, port: w.port, https: false, path: w.path ?? defaultPath };
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(w.host);
  let u: URL;
  try {
    u = new URL(hasScheme ? w.host : `http://${w.host}`);
  } catch {
    return `not a URL or host:port: ${w.host}`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `unsupported scheme ${u.protocol} (http or https)`;
  const https = u.protocol === 'https:';
  const port = u.port !== '' ? Number(u.port) : https ? 443 : 80;
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  const path = hasScheme ? u.pathname + u.search : u.pathname === '/' && !w.host.endsWith('/') ? defaultPath : u.pathname + u.search;
  return { host, port, https, path };
}

function openApiDocument(c: McpCompiler, s: string | { file: string } | { url: string }, path: Path): OpenApiSource | undefined {
  if (typeof s === 'object' && 'url' in s) return { url: s.url };
  const text = typeof s === 'string' ? s : c.readFile(path, s.file);
  if (text === undefined) return undefined;
  try {
    parseOpenApi(text);
  } catch (e) {
    c.fail(path, `OpenAPI document: ${(e as Error).message}`);
    return undefined;
  }
  return { text, origin: typeof s === 'string' ? 'inline' : s.file };
}
