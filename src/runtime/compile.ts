// Config -> Snapshot. Everything a request would otherwise work out per call is done here once:
// routes sorted, matchers and regexes built, route-type tables sorted, header rules compiled,
// secrets and TLS files read, one undici pool per upstream target.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve as resolvePath, dirname } from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { ConfigError, formatPath, type ConfigProblem } from '../config/errors.js';
import type { NamedProviderT, RouteBackendT } from '../config/schema/backends.js';
import { durationMs } from '../config/schema/common.js';
import type { BackendAuthT, BackendPoliciesT, BackendTLST, RoutePoliciesT } from '../config/schema/policies.js';
import { DEFAULT_SESSION_TTL_MS } from '../mcp/sessions.js';
import { compileObservability } from '../observability/settings.js';
import type { Observability } from '../observability/index.js';
import type { RouteT } from '../config/schema/routes.js';
import type { BackendDefaultsT } from '../config/schema/root.js';
import {
  anthropic,
  azureProvider,
  BEDROCK_SERVICE,
  bedrockProvider,
  gemini,
  mock,
  openai,
  PRESET_NAMES,
  presetProvider,
  vertexProvider,
  type Provider,
} from '../llm/providers/index.js';
import { AwsRequestSigner } from '../policies/aws-auth.js';
import { compileAzureAuth } from './compile-azure-auth.js';
import { GcpTokenSource, parseGcpCredential } from '../policies/gcp-auth.js';
import type { Slot } from '../lb/balancer.js';
import {
  CLIENT_CREDENTIAL_HEADERS,
  compileHeaderRules,
  HeaderRuleError,
  REQUEST_DROP_DEFAULT,
  RESPONSE_DROP_DEFAULT,
  type CompiledHeaderRules as HeaderRules,
} from '../native/index.js';
import type { PolicyNetwork } from '../policies/network.js';
import { compileRequestPolicies, effectivePolicies, type RequestPolicies } from '../policies/request-policies.js';
import type { HealthPolicy } from '../policies/health.js';
import { upstreamTimeouts, type Timeouts, type UpstreamTimeouts } from '../policies/retry.js';
import { HOST_BACKEND_IGNORES } from './compile-affinity.js';
import { compileAiBackend } from './compile-ai.js';
import { SnapshotUse } from './snapshot-use.js';
import { compileKeys, type VirtualKeys } from './compile-keys.js';
import { compileBinds, type BindsCompiler } from './compile-binds.js';
import { mcpRouteBackend } from './compile-mcp.js';
import { compileRouteTraffic } from './compile-traffic.js';
import { foldModifiers, type PolicyLayer } from './header-layers.js';
import type { LiveScope } from './live.js';
import { LiveState, type LiveScope as RegistryScope } from './live-state.js';
import type { UpstreamPool } from '../upstream/dispatch.js';
import { policyCall } from '../upstream/policy-call.js';
import { poolStatus, type PoolFactory } from '../upstream/pools.js';
import { makeTarget, type TlsSettings, type UpstreamTarget } from '../upstream/target.js';
import { pathOptionsOf } from '../http/path.js';
import { httpEdgeSettings } from '../config/http-edge.js';
import type { AiBackendRt, HostBackendRt, RouteBackendRt, RouteRt, Snapshot } from './snapshot.js';

export const DEFAULT_MAX_BODY = 16 * 1024 * 1024;
const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * A config that opens no port is refused unless it says so: applied, it would close every
 * listener, and it is far more often a save caught half-way (truncate, then write), a
 * half-synced ConfigMap or a mistaken paste than a wish to serve nothing.
 */
export const NO_LISTENERS =
  'the config has no listeners (no binds, no llm): applying it would close every port, so it is refused and the current config keeps serving. An empty, comment-only or truncated file is usually a save in progress; to serve nothing on purpose, set `allowNoListeners: true`';

export interface CompileResult {
  snapshot: Snapshot;
  /** Pool keys the snapshot uses (others can be drained). */
  poolKeys: Set<string>;
  warnings: string[];
}

type Path = (string | number)[];

/** Responses also lose the upstream's Date: uWS writes its own, and two confuse clients. */
const RESPONSE_DROP = [...RESPONSE_DROP_DEFAULT, 'date'];
/** LLM routes read the upstream body, so it must not come compressed. */
const LLM_REQUEST_DROP = [...REQUEST_DROP_DEFAULT, 'accept-encoding'];
/** Converted LLM bodies replace the upstream's, and with it these. */
const LLM_RESPONSE_DROP = [...RESPONSE_DROP, 'content-type', 'content-encoding', 'etag'];
/**
 * A request the gateway signs goes without the client's credentials and the client's own SigV4
 * headers (an AWS SDK pointed at the gateway signs for it, not for AWS); `host` is set to what
 * is signed.
 */
const SIGNED_DROP = [...CLIENT_CREDENTIAL_HEADERS, 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'host'];
/**
 * A2A requests also go without Accept-Encoding (the gateway reads cards and JSON-RPC answers)
 * and without conditional headers (a card must come whole to be rewritten; a 304 would let the
 * client keep a card the gateway never saw).
 */
const A2A_REQUEST_DROP = [...REQUEST_DROP_DEFAULT, 'accept-encoding', 'if-none-match', 'if-modified-since'];

class Compiler implements BindsCompiler {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];
  readonly poolKeys = new Set<string>();
  readonly baseDir: string;
  /** Live state for the traffic policies (balancer statistics, buckets, Redis connections). */
  readonly liveObjects: LiveScope = { get: (id, spec, create) => this.live(id, spec, create) };
  /** The keys: section, compiled before the policies that accept its keys. */
  virtualKeys: VirtualKeys | null = null;

  readonly version = VERSION;
  readonly sessionTtlMs: number;

  constructor(
    readonly loaded: LoadedConfig,
    private readonly pools: PoolFactory,
    private readonly liveScope: RegistryScope,
    /** Absolute paths of the files the config references (hot reload watches them). */
    private readonly files: Set<string>,
    /** `config.backend`: upstream timeout defaults. */
    private readonly backendDefaults: BackendDefaultsT | undefined,
  ) {
    this.baseDir = dirname(resolvePath(loaded.file));
    const ttl = loaded.config.config?.mcp?.sessionTtl;
    this.sessionTtlMs = ttl !== undefined ? durationMs(ttl) : DEFAULT_SESSION_TTL_MS;
  }

  /**
   * Objects carried across reloads by stable id and spec (JWKS and credential caches, balancer
   * statistics, rate-limit buckets, Redis connections): released through `dispose()` or
   * `close()` once no serving snapshot uses them.
   */
  live<T extends object>(id: string, spec: unknown, create: () => T): T {
    return this.liveScope.get(id, spec, create, { dispose: (v) => release(v) });
  }

  /** Path rewriters in force (the llm section's desugared keys -> the keys the user wrote). */
  private pathMaps: ((path: Path) => Path)[] = [];

  fail(path: Path, message: string): void {
    const at = this.pathMaps.reduceRight((p, map) => map(p), path);
    this.problems.push({ path: formatPath(at), ...this.loaded.locate(at), message });
  }

  withPathMap<T>(map: (path: Path) => Path, fn: () => T): T {
    this.pathMaps.push(map);
    try {
      return fn();
    } finally {
      this.pathMaps.pop();
    }
  }

  warn(message: string): void {
    this.warnings.push(message);
  }

  resolveFile(file: string): string {
    return resolvePath(this.baseDir, file);
  }

  /** Reads a file the config names; every policy reads files through here so reload watches them. */
  readFile(path: Path, file: string): string | undefined {
    const abs = this.resolveFile(file);
    this.files.add(abs);
    try {
      return readFileSync(abs, 'utf8');
    } catch (e) {
      this.fail(path, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      return undefined;
    }
  }

  /** Limits on every upstream call of a route whose timeout policy is `timeouts`. */
  upstreamLimits(timeouts: Timeouts | null): UpstreamTimeouts {
    return upstreamTimeouts(timeouts, this.backendDefaults);
  }

  targetPool(host: string, port: number, https: boolean, tls: BackendTLST | undefined, path: Path): { pool: UpstreamPool; origin: string } {
    const target = makeTarget(host, port, this.tls({ backendTLS: tls }, path, host, https));
    this.poolKeys.add(target.key);
    return { pool: this.pool(target), origin: target.origin };
  }

  backendKey(auth: BackendAuthT | undefined, path: Path): string | undefined {
    return auth === undefined ? undefined : this.authKey({ backendAuth: auth }, path.slice(0, -2));
  }

  route(r: RouteT, path: Path, parentKey: string, index: number, listenerPolicies: RequestPolicies, unique: boolean): RouteRt {
    const name = r.name ?? `route${index}`;
    const key = `${parentKey}/${name}`;
    // Live state is keyed by route: a repeated name must not share the first route's.
    const liveKey = unique ? key : `${key}#${index}`;
    const a2a = this.a2aRoute(r, path);
    const mcp = this.mcpRoute(r, path, a2a);
    const backends = r.backends.map((b, i) => this.backend(b, r.policies, [...path, 'backends', i], `${liveKey}/${i}`, a2a, name));
    const totalWeight = backends.reduce((s, b) => s + b.weight, 0);
    if (totalWeight === 0) this.fail([...path, 'backends'], 'every backend has weight 0');
    const policies = effectivePolicies(listenerPolicies, compileRequestPolicies(r.policies, [...path, 'policies'], this));
    const traffic = compileRouteTraffic(r.policies, [...path, 'policies'], this, this.liveObjects, {
      key: liveKey,
      portlessKey: liveKey.slice(liveKey.indexOf('/') + 1),
    });
    return {
      key,
      name,
      backends,
      totalWeight,
      policies,
      traffic,
      a2a,
      mcp,
      upstreamTimeouts: this.upstreamLimits(traffic?.timeouts ?? null),
      dialect: mcp ? 'mcp' : routeDialect(a2a, backends),
    };
  }

  /** An MCP route has one backend, the federation (an MCP session cannot be split by weight). */
  private mcpRoute(r: RouteT, path: Path, a2a: boolean): boolean {
    const at = r.backends.findIndex((b) => b.mcp !== undefined);
    if (at < 0) return false;
    if (r.backends.length > 1) this.fail([...path, 'backends'], 'a route with an mcp backend can have no other backend');
    if (a2a) this.fail([...path, 'backends', at, 'mcp'], 'a2a and mcp cannot share a route');
    return true;
  }

  /**
   * A route is A2A when it or any of its backends has `a2a: {}`. The call is read before
   * authorization, which runs before a backend is chosen, so the whole route speaks A2A.
   */
  private a2aRoute(r: RouteT, path: Path): boolean {
    const marked = r.backends.map((b) => b.policies?.a2a !== undefined || b.ai?.policies?.a2a !== undefined);
    if (r.policies?.a2a === undefined && !marked.includes(true)) return false;
    r.backends.forEach((b, i) => {
      if (b.ai) this.fail([...path, 'backends', i, 'ai'], 'a2a marks agent traffic: its backends are hosts (agents), not LLM providers');
    });
    if (r.policies?.a2a === undefined && marked.includes(false)) {
      this.warn(`${formatPath(path)}: only some backends have policies.a2a; the whole route is treated as A2A`);
    }
    return true;
  }

  private backend(
    b: RouteBackendT,
    routePolicies: RoutePoliciesT | undefined,
    path: Path,
    key: string,
    a2a: boolean,
    routeName: string,
  ): RouteBackendRt {
    const weight = b.weight ?? 1;
    if (b.mcp) {
      return mcpRouteBackend(
        this,
        b.mcp,
        { path: [...path, 'mcp'], key, name: `mcp/${routeName}`, weight },
        routePolicies,
        b.policies,
        path,
      );
    }
    const routeLayer = { policies: routePolicies, path: path.slice(0, -2) };
    const layers: PolicyLayer[] = [routeLayer, { policies: b.policies, path }];
    if (b.ai) return compileAiBackend(this, b.ai, layers, [...path, 'ai'], key, weight);
    for (const [name, why] of HOST_BACKEND_IGNORES) {
      if (b.policies?.[name] !== undefined || routePolicies?.[name] !== undefined) this.warn(`${formatPath(path)}: ${name} ${why}`);
    }
    const policies = merge(layers);
    const [host, port] = splitHostPort(b.host!, 80);
    const tls = this.tls(policies, [...path, 'policies', 'backendTLS'], host, false);
    const target = makeTarget(host, port, tls);
    this.poolKeys.add(target.key);
    if (policies.backendAuth?.gcp !== undefined) {
      this.fail([...path, 'policies', 'backendAuth', 'gcp'], 'backendAuth.gcp is supported on AI backends (gemini, vertex) only');
    }
    const authKey = this.authKey(policies, path);
    const requestHeaders = this.headerRules(
      layers,
      'request',
      a2a ? A2A_REQUEST_DROP : REQUEST_DROP_DEFAULT,
      authKey ? { name: 'authorization', value: `Bearer ${authKey}` } : undefined,
    );
    const backend: HostBackendRt = {
      kind: 'host',
      key: `host/${target.key}`,
      name: b.host!,
      weight,
      target,
      pool: this.pool(target),
      requestHeaders,
      responseHeaders: this.headerRules(layers, 'response', RESPONSE_DROP),
      authPassthrough: policies.backendAuth?.passthrough !== undefined,
    };
    return backend;
  }

  /** One AI provider endpoint (a single `ai` provider, or one of a group's). */
  provider(ai: NamedProviderT, layers: readonly PolicyLayer[], path: Path, slot: Slot | null, health: HealthPolicy | null): AiBackendRt {
    const policies = merge(layers);
    const { provider, model } = pickProvider(ai);
    let target: UpstreamTarget | null = null;
    if (provider !== mock) {
      const override = ai.hostOverride !== undefined ? splitHostPort(ai.hostOverride, 80) : null;
      const host = override?.[0] ?? provider.host!;
      const port = override?.[1] ?? provider.port;
      // The provider's own host is TLS (unless it is a local server); an override is plain HTTP unless backendTLS asks.
      const tls = this.tls(policies, [...path, 'policies', 'backendTLS'], host, override === null && provider.tls !== false);
      target = makeTarget(host, port, tls);
      this.poolKeys.add(target.key);
    }
    const authKey = this.authKey(policies, path);
    const injectsKey = authKey !== undefined;
    const credential = injectsKey ? provider.credential(authKey) : undefined;
    const awsAuth = this.awsAuth(policies, ai, provider, path);
    const tokenAuth =
      this.gcpAuth(policies, provider, ai.name, path) ?? compileAzureAuth(this, () => this.pools.fetch(), policies, ai.name, path);
    // Signed or minted credentials replace the client's own, which go nowhere (added per attempt).
    const drop = (llm: boolean) => [
      ...(llm ? LLM_REQUEST_DROP : REQUEST_DROP_DEFAULT),
      ...(awsAuth !== null ? SIGNED_DROP : []),
      ...(tokenAuth !== null ? CLIENT_CREDENTIAL_HEADERS : []),
    ];
    const request = (llm: boolean) => this.headerRules(layers, 'request', drop(llm), credential);
    const m = ai.provider.mock;
    return {
      kind: 'ai',
      key: `ai/${ai.name}`,
      name: ai.name,
      weight: 1,
      provider,
      model,
      mock: m
        ? {
            ...(m.model !== undefined ? { model: m.model } : {}),
            ...(m.response !== undefined ? { response: m.response } : {}),
            ...(m.tokensPerSecond !== undefined ? { tokensPerSecond: m.tokensPerSecond } : {}),
            ...(m.firstTokenDelay !== undefined ? { firstTokenDelayMs: durationMs(m.firstTokenDelay) } : {}),
          }
        : null,
      target,
      pool: target ? this.pool(target) : null,
      pathOverride: ai.pathOverride,
      pathPrefix: ai.pathPrefix,
      injectsKey,
      llmRequestHeaders: request(true),
      passthroughRequestHeaders: request(false),
      responseHeaders: this.headerRules(layers, 'response', RESPONSE_DROP),
      llmResponseHeaders: this.headerRules(layers, 'response', LLM_RESPONSE_DROP),
      authPassthrough: policies.backendAuth?.passthrough !== undefined,
      awsAuth,
      tokenAuth,
      health,
      promptCaching: null,
      slot,
      bodyShaping: null,
    };
  }

  /**
   * SigV4 for this provider: `backendAuth.aws` (explicit keys or the default chain), or Bedrock's
   * implicit default chain when no backendAuth is configured (a `key` is a Bedrock API key,
   * sent as a Bearer token instead). Signers (and their credential caches) live across reloads.
   */
  private awsAuth(policies: BackendPoliciesT, ai: NamedProviderT, provider: Provider, path: Path): AwsRequestSigner | null {
    const auth = policies.backendAuth;
    const aws = auth?.aws ?? (auth === undefined && provider.implicitAuth === 'aws' ? {} : undefined);
    if (aws === undefined) return null;
    const at = [...path, 'policies', 'backendAuth', 'aws'];
    const region = aws.region ?? ai.provider.bedrock?.region;
    if (region === undefined) {
      this.fail([...at, 'region'], 'backendAuth.aws needs a region on a provider that has none');
      return null;
    }
    const secret = (k: 'secretAccessKey' | 'sessionToken') => {
      const v = aws[k];
      return v === undefined ? undefined : typeof v === 'string' ? v : this.readFile([...at, k], v.file)?.trim();
    };
    const secretAccessKey = secret('secretAccessKey');
    const sessionToken = secret('sessionToken');
    const keys =
      aws.accessKeyId !== undefined && secretAccessKey !== undefined
        ? { accessKeyId: aws.accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) }
        : undefined;
    const role = aws.assumeRole;
    const assumeRole = role && { ...role, sessionName: typeof role.sessionName === 'string' ? role.sessionName : undefined };
    const spec = {
      region,
      service: aws.serviceName ?? BEDROCK_SERVICE,
      ...(keys && { keys }),
      ...(assumeRole && { assumeRole }),
      backend: ai.name,
    };
    return this.live(`ai/${ai.name}::awsAuth`, spec, () => new AwsRequestSigner(spec));
  }

  /**
   * The policies' network port (src/policies/network.ts): a service at an origin, on the pool
   * kept for it like any upstream's (connect overrides apply; https verifies the name).
   */
  readonly network: PolicyNetwork = {
    endpoint: (origin) => {
      const u = new URL(origin);
      const tls = u.protocol === 'https:';
      const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      const target = makeTarget(host, u.port === '' ? (tls ? 443 : 80) : Number(u.port), tls ? { rejectUnauthorized: true } : undefined);
      this.poolKeys.add(target.key);
      const pool = this.pool(target);
      return { call: (c) => policyCall(pool, c) };
    },
  };

  /** Same target and TLS material as the serving snapshot: the same (warm) pool. */
  private pool(target: UpstreamTarget): UpstreamPool {
    return this.liveScope.get(`${target.origin}::pool`, { key: target.key, tlsKey: target.tls?.key }, () => this.pools.create(target), {
      status: poolStatus,
    });
  }

  /**
   * Header rules with the request/responseHeaderModifier of every layer applied in order (the
   * route's, then the backend's, as Gateway API filters do); a bad header is a config error
   * at the layer that names it.
   */
  private headerRules(
    layers: readonly PolicyLayer[],
    direction: 'request' | 'response',
    drop: readonly string[],
    credential?: { name: string; value: string },
  ): HeaderRules {
    const key = direction === 'request' ? 'requestHeaderModifier' : 'responseHeaderModifier';
    const folded = foldModifiers(layers.map((l) => l.policies?.[key]));
    try {
      return compileHeaderRules({ direction, drop, ...folded, ...(credential ? { credential } : {}) });
    } catch (e) {
      if (!(e instanceof HeaderRuleError)) throw e;
      const [field, name] = e.path.split('.');
      const at =
        layers.findLast((l) =>
          Object.hasOwn((l.policies?.[key] as Record<string, unknown> | undefined)?.[field ?? ''] ?? {}, name ?? ''),
        ) ?? layers.at(-1)!;
      this.fail([...at.path, 'policies', key, ...e.path.split('.')], e.message.slice(e.path.length + 2));
      return compileHeaderRules({ direction, drop });
    }
  }

  /**
   * Google OAuth for this provider: `backendAuth.gcp` (its credential JSON, or ADC), or Vertex's
   * implicit ADC when no backendAuth is configured. Token caches live across reloads while the
   * credential is the same.
   */
  private gcpAuth(policies: BackendPoliciesT, provider: Provider, name: string, path: Path): GcpTokenSource | null {
    const auth = policies.backendAuth;
    const gcp = auth?.gcp ?? (auth === undefined && provider.implicitAuth === 'gcp' ? {} : undefined);
    if (gcp === undefined) return null;
    const at = [...path, 'policies', 'backendAuth', 'gcp', 'credential'];
    const src = gcp.credential;
    const text = src === undefined ? null : typeof src === 'string' ? src : this.readFile(at, src.file);
    if (text === undefined) return null;
    let credential: Record<string, unknown> | null = null;
    if (text !== null) {
      try {
        credential = parseGcpCredential(text);
      } catch (e) {
        this.fail(at, `the credential ${(e as Error).message}`);
        return null;
      }
    }
    const fetch = this.pools.fetch();
    return this.live(`ai/${name}::gcpAuth`, text ?? 'application-default', () => new GcpTokenSource({ credential, fetch, backend: name }));
  }

  private authKey(policies: BackendPoliciesT, path: Path): string | undefined {
    const key = policies.backendAuth?.key;
    if (key === undefined) return undefined;
    const value = typeof key === 'string' ? key : this.readFile([...path, 'policies', 'backendAuth', 'key'], key.file)?.trim();
    if (value === undefined) return undefined;
    if (value === '') {
      this.warnings.push(`${formatPath(path)}: backendAuth.key is empty; requests go upstream without a gateway credential`);
      return undefined;
    }
    if (/[\r\n\0]/.test(value)) {
      this.fail([...path, 'policies', 'backendAuth', 'key'], 'backendAuth.key contains CR, LF or NUL');
      return undefined;
    }
    return value;
  }

  private tls(policies: BackendPoliciesT, path: Path, host: string, defaultOn: boolean): TlsSettings | undefined {
    const t = policies.backendTLS;
    if (t === undefined) return defaultOn ? { rejectUnauthorized: true } : undefined;
    const read = (k: 'root' | 'cert' | 'key') => (t[k] !== undefined ? this.readFile([...path, k], t[k]!) : undefined);
    const ca = read('root');
    const cert = read('cert');
    const key = read('key');
    return {
      rejectUnauthorized: t.insecure !== true,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined ? { cert } : {}),
      ...(key !== undefined ? { key } : {}),
      servername: t.hostname ?? host,
    };
  }
}

function routeDialect(a2a: boolean, backends: readonly RouteBackendRt[]): RouteRt['dialect'] {
  if (a2a) return 'a2a';
  const ai = backends.find((b) => b.kind === 'ai-groups');
  return ai === undefined ? null : { routeTypes: ai.routeTypes, providerFormat: ai.groups[0]![0]!.provider.formats[0]! };
}

/** Later layers win per policy kind: route < backend < AI provider. */
function merge(layers: readonly PolicyLayer[]): BackendPoliciesT {
  const out: BackendPoliciesT = {};
  for (const l of layers) if (l.policies) Object.assign(out, stripUndefined(l.policies));
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function pickProvider(ai: NamedProviderT): { provider: Provider; model: string | undefined } {
  const p = ai.provider;
  if (p.openAI) return { provider: openai, model: p.openAI.model };
  if (p.anthropic) return { provider: anthropic, model: p.anthropic.model };
  if (p.gemini) return { provider: gemini, model: p.gemini.model };
  if (p.vertex) {
    const settings = { projectId: p.vertex.projectId, ...(p.vertex.region !== undefined ? { region: p.vertex.region } : {}) };
    return { provider: vertexProvider(settings), model: p.vertex.model };
  }
  if (p.bedrock) {
    const { model, ...settings } = p.bedrock;
    return { provider: bedrockProvider(settings), model };
  }
  if (p.azure) return { provider: azureProvider(p.azure), model: p.azure.model };
  for (const name of PRESET_NAMES) {
    const preset = p[name];
    if (preset !== undefined) return { provider: presetProvider(name), model: preset.model };
  }
  return { provider: mock, model: p.mock!.model };
}

export function splitHostPort(s: string, defaultPort: number): [string, number] {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s)!;
  const host = m[1]!.startsWith('[') ? m[1]!.slice(1, -1) : m[1]!;
  return [host, m[2] !== undefined ? Number(m[2]) : defaultPort];
}

/** Live objects hold resources: whatever releases them (`dispose()`, else `close()`). */
function release(v: object): unknown {
  const o = v as { dispose?: () => unknown; close?: () => unknown };
  return o.dispose !== undefined ? o.dispose() : o.close?.();
}

export interface CompileContext {
  /** Live objects carried over from the serving snapshot (default: a throwaway registry). */
  live?: RegistryScope;
  /**
   * Collects the absolute path of every file the config references (read through
   * `Compiler.readFile`), so hot reload watches them; filled even when compiling fails.
   */
  files?: Set<string>;
  /**
   * `config.backend` as read at startup: like every `config:` setting it takes effect after a
   * restart, so a reload compiles with the running gateway's value (default: the file's own).
   */
  backendDefaults?: { value: BackendDefaultsT | undefined };
  /** Open the keys: section's store (the serving gateway); default false: a config check. */
  openStores?: boolean;
  /** The serving gateway's observability: what live objects report to (soft budget alerts). */
  observability?: Pick<Observability, 'budgetAlert'>;
}

export { withModules } from './with-modules.js';

export function compile(loaded: LoadedConfig, pools: PoolFactory, version: number, cx: CompileContext = {}): CompileResult {
  const defaults = cx.backendDefaults !== undefined ? cx.backendDefaults.value : loaded.config.config?.backend;
  const c = new Compiler(loaded, pools, cx.live ?? new LiveState().begin(), cx.files ?? new Set(), defaults);
  c.virtualKeys = compileKeys(c, loaded.config.keys, cx.openStores === true, cx.observability?.budgetAlert);
  const binds = compileBinds(c);
  // An llm section that failed to compile has said why; it is not a config without listeners.
  if (binds.size === 0 && loaded.config.allowNoListeners !== true && loaded.config.llm === undefined) c.fail(['binds'], NO_LISTENERS);
  const observability = compileObservability(loaded.config, c.baseDir, (path, message) => c.fail(path, message));
  if (c.problems.length > 0) throw new ConfigError(loaded.file, c.problems);
  const snapshot: Snapshot = {
    version,
    file: loaded.file,
    binds,
    maxBodyBytes: loaded.config.frontendPolicies?.http?.maxBufferSize ?? DEFAULT_MAX_BODY,
    paths: pathOptionsOf(loaded.config.frontendPolicies?.http),
    edge: httpEdgeSettings(loaded.config.frontendPolicies?.http),
    observability,
    use: new SnapshotUse(),
    keys: c.virtualKeys,
  };
  return { snapshot, poolKeys: c.poolKeys, warnings: c.warnings };
}
