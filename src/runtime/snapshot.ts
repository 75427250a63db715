// The compiled, immutable view of a config that requests read. A request takes the current
// snapshot once, at its start, and uses only it until it ends, so a reload never changes a
// request mid-flight.
import type { PathOptions } from '../http/path.js';
import type { HttpEdgeSettings } from '../config/http-edge.js';
import type { MockSettings, Provider } from '../llm/providers/index.js';
import type { DialectRule } from '../llm/dialect.js';
import type { McpBackend } from '../mcp/backend.js';
import type { RouteTypeTable } from '../llm/route-types.js';
import type { CompiledHeaderRules as HeaderRules } from '../native/index.js';
import type { SessionTable, WeightedTargets } from '../lb/affinity.js';
import type { BalancerState, Slot } from '../lb/balancer.js';
import type { PromptCaching } from '../llm/prompt-caching.js';
import type { AffinityPins } from '../policies/affinity-pins.js';
import type { SessionAffinityPolicy } from '../policies/session-affinity.js';
import type { AuthorizationPolicy } from '../policies/authorization.js';
import type { ResponseCondition } from '../policies/conditions.js';
import type { AwsRequestSigner } from '../policies/aws-auth.js';
import type { AzureTokenSource } from '../policies/azure-auth.js';
import type { GcpTokenSource } from '../policies/gcp-auth.js';
import type { HealthPolicy } from '../policies/health.js';
import type { ProviderShaping } from '../policies/llm-transform.js';
import type { LlmRequestShaping } from '../policies/llm-request.js';
import type { PromptGuardPolicy } from '../policies/prompt-guard/guard.js';
import type { RateLimitPolicy } from '../policies/rate-limit.js';
import type { RequestPolicies } from '../policies/request-policies.js';
import type { RetryPolicy, Timeouts, UpstreamTimeouts } from '../policies/retry.js';
import type { ObservabilitySettings } from '../observability/settings.js';
import type { UpstreamPool } from '../upstream/dispatch.js';
import type { UpstreamTarget } from '../upstream/target.js';
import type { VirtualKeys } from '../policies/virtual-keys.js';
import type { MergedAi } from './merge-ai.js';
import type { RouteTable } from './route-table.js';
import type { SnapshotUse } from './snapshot-use.js';

export interface Snapshot {
  readonly version: number;
  readonly file: string;
  readonly binds: ReadonlyMap<number, BindRt>;
  /** Largest request body accepted (bytes). */
  readonly maxBodyBytes: number;
  /** How request paths are normalised before routing (frontendPolicies.http). */
  readonly paths: PathOptions;
  /** Head limits, edge timeouts and TRACE (frontendPolicies.http). */
  readonly edge: HttpEdgeSettings;
  /** Tracing, access-log, metrics and price settings (applied by src/observability). */
  readonly observability: ObservabilitySettings;
  /** Requests in flight on this snapshot (what a reload retires waits for them). */
  readonly use: SnapshotUse;
  /** The keys: section (virtual keys, budgets, spend); null without one. */
  readonly keys: VirtualKeys | null;
}

export interface BindRt {
  readonly port: number;
  /** `bindAddress`: the one IP the port listens on; null for every interface. */
  readonly address: string | null;
  readonly listeners: readonly ListenerRt[];
}

export interface ListenerRt {
  readonly name: string;
  /** Host pattern (`api.example.com` or `*.example.com`); null answers any host. */
  readonly hostname: string | null;
  readonly routes: RouteTable<RouteRt>;
}

export interface RouteRt {
  /** Stable id: `<bind port>/<listener>/<route>`. */
  readonly key: string;
  readonly name: string;
  readonly backends: readonly RouteBackendRt[];
  readonly totalWeight: number;
  /** CORS, CSRF, authentication and authorization (route over listener); null: none. */
  readonly policies: RequestPolicies | null;
  /** policies.a2a on the route or a backend: agent cards rewritten, JSON-RPC read, JSON-RPC errors. */
  readonly a2a: boolean;
  /** The route's one backend is an MCP federation: JSON-RPC read first, JSON-RPC errors. */
  readonly mcp?: boolean;
  /** Rate limits, retries and timeouts; null when the route has none (the lean path). */
  readonly traffic: RouteTrafficRt | null;
  /** Limits on every upstream call (defaults where the route's timeout policy sets none). */
  readonly upstreamTimeouts: UpstreamTimeouts;
  /**
   * How the route's clients read errors: JSON-RPC on A2A and MCP routes, else by the route types of its
   * (first) LLM backend, else (host backends) by the path alone. See src/llm/dialect.ts.
   */
  readonly dialect: 'a2a' | 'mcp' | DialectRule | null;
}

export interface RouteTrafficRt {
  readonly rateLimit: RateLimitPolicy | null;
  readonly retry: RetryPolicy | null;
  readonly timeouts: Timeouts | null;
}

interface BackendBase {
  /** Stable id used for pools, metrics and load-balancer state. */
  readonly key: string;
  readonly name: string;
  readonly weight: number;
  /** Response header rules (hop-by-hop removal, responseHeaderModifier). */
  readonly responseHeaders: HeaderRules;
  /** backendAuth passthrough: the validated client JWT is forwarded, not stripped. */
  readonly authPassthrough: boolean;
}

export interface HostBackendRt extends BackendBase {
  readonly kind: 'host';
  readonly target: UpstreamTarget;
  readonly pool: UpstreamPool;
  readonly requestHeaders: HeaderRules;
}

export interface AiBackendRt extends BackendBase {
  readonly kind: 'ai';
  readonly provider: Provider;
  /** Model override from the config. */
  readonly model: string | undefined;
  /** Settings of the built-in mock provider (answered locally, no upstream). */
  readonly mock: MockSettings | null;
  readonly target: UpstreamTarget | null;
  readonly pool: UpstreamPool | null;
  readonly pathOverride: string | undefined;
  readonly pathPrefix: string | undefined;
  /** True when the gateway injects its own credential (backendAuth.key). */
  readonly injectsKey: boolean;
  /** Google OAuth tokens the gateway mints for this provider (backendAuth.gcp, Vertex's ADC). */
  /** A bearer token the gateway mints (Google OAuth, Microsoft Entra), added per attempt. */
  readonly tokenAuth: GcpTokenSource | AzureTokenSource | null;
  /** Request header rules for LLM routes (completions/messages) and for passthrough. */
  readonly llmRequestHeaders: HeaderRules;
  readonly passthroughRequestHeaders: HeaderRules;
  /** Response rules for converted LLM bodies: also drop the upstream's content-type/encoding. */
  readonly llmResponseHeaders: HeaderRules;
  /** SigV4 signing for this provider (Bedrock, backendAuth.aws); null: not signed. */
  readonly awsAuth: AwsRequestSigner | null;
  /** Passive health (the `health` policy, or the groups default); null: not judged. */
  readonly health: HealthPolicy | null;
  /** Group and index in the backend's balancer; null when the backend has one provider. */
  readonly slot: Slot | null;
  /** An `llm.models` entry's defaults, overrides and transformation for this provider's body; null: none. */
  readonly bodyShaping: ProviderShaping | null;
  /** `promptCaching` in force for this provider (cache breakpoints); null: none. */
  readonly promptCaching: PromptCaching | null;
}

/** `sessionAffinity` of an AI backend with several providers. */
export interface AffinityRt {
  readonly policy: SessionAffinityPolicy;
  /** Where each session is (live state, kept while the providers stay). */
  readonly sessions: SessionTable;
  /** Pins shared in Redis; null: not configured. */
  readonly pins: AffinityPins | null;
  /** Namespace of this backend's pins in Redis. */
  readonly domain: string;
}

/**
 * A route's AI backend: one provider, or priority groups of them. Each upstream attempt picks
 * one provider (an AiBackendRt), which is what the request then talks to.
 */
export interface AiGroupsRt {
  readonly kind: 'ai-groups';
  readonly key: string;
  readonly name: string;
  readonly weight: number;
  readonly routeTypes: RouteTypeTable;
  readonly groups: readonly (readonly AiBackendRt[])[];
  /** Pick-2 state over the groups; null with a single provider (nothing to choose). */
  readonly balancer: BalancerState | null;
  /** Session affinity over the providers; null: none (or a single provider). */
  readonly affinity: AffinityRt | null;
  /** `policies.ai` request shaping and prompt guards; null when unused. */
  readonly shaping: LlmRequestShaping | null;
  readonly guard: PromptGuardPolicy | null;
  /** The merged `policies.ai` in force and where each field came from (for the admin API). */
  readonly aiPolicy: Pick<MergedAi, 'spec' | 'from'> | null;
  /**
   * Retries of a failover virtual model when the route sets none: the next attempt goes to the
   * next priority once the failed provider is evicted. Null elsewhere.
   */
  readonly failoverRetry: RetryPolicy | null;
}

/** Header conditions of an `llm.models` entry's `matches` (every one must hold). */
export interface HeaderCondition {
  readonly name: string;
  readonly exact?: string;
  readonly regex?: RegExp;
}

/** One `llm.models` entry: the name (pattern) clients ask for and the backend that serves it. */
export interface LlmModelRt {
  readonly name: string;
  /** Position in llm.models (the list is matched most specific first, shown in config order). */
  readonly index: number;
  readonly test: (model: string) => boolean;
  readonly visibility: 'public' | 'internal';
  /** Any one list must hold entirely; null: no conditions. */
  readonly headerMatches: readonly (readonly HeaderCondition[])[] | null;
  /** The model's own authorization rules; null: none. */
  readonly authorization: AuthorizationPolicy | null;
  /** The model's own rate limits; null: none. */
  readonly rateLimit: RateLimitPolicy | null;
  /** A single-provider AI backend, with the llm route types. */
  readonly backend: AiGroupsRt;
}

export type VirtualModelRt =
  | {
      readonly kind: 'weighted';
      readonly name: string;
      readonly targets: readonly { readonly model: string; readonly weight: number }[];
      readonly totalWeight: number;
      /** sessionAffinity: a session keeps its target (weighted rendezvous); null: random by weight. */
      readonly affinity: { readonly policy: SessionAffinityPolicy; readonly targets: WeightedTargets } | null;
    }
  | { readonly kind: 'failover'; readonly name: string; readonly backend: AiGroupsRt }
  | {
      readonly kind: 'conditional';
      readonly name: string;
      /** In order; `when` null only on a last, unconditional target. */
      readonly targets: readonly { readonly when: ResponseCondition | null; readonly model: string }[];
    };

/**
 * The `llm:` section's backend: the request's `model` picks a model entry (or a virtual model
 * over them), whose AI backend the request then uses like any route's.
 */
export interface ModelRouterRt {
  readonly kind: 'llm-router';
  readonly key: string;
  readonly name: string;
  readonly weight: number;
  /** agentgateway's default route types of the llm listener (before a model is chosen). */
  readonly routeTypes: RouteTypeTable;
  /** Most specific name first, then config order. */
  readonly models: readonly LlmModelRt[];
  readonly virtualModels: ReadonlyMap<string, VirtualModelRt>;
  /** What clients may ask for, in config order: public model names, then virtual models. */
  readonly publicModels: readonly string[];
  /** `created` of the /v1/models entries (seconds). */
  readonly created: number;
}

/** A route's MCP backend: targets federated behind one endpoint, served by src/mcp. */
export interface McpBackendRt {
  readonly kind: 'mcp';
  readonly key: string;
  readonly name: string;
  readonly weight: number;
  readonly mcp: McpBackend;
}

/** What an upstream attempt talks to. */
export type BackendRt = HostBackendRt | AiBackendRt;

/** What a route chooses among by weight. */
export type RouteBackendRt = HostBackendRt | AiGroupsRt | ModelRouterRt | McpBackendRt;
