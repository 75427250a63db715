// What observability reads from a finished request, worked out once in finish() and shared by
// metrics, the access log and the span. ObservedRequest is the shape it needs from the
// pipeline's RequestCtx (which satisfies it structurally), so imports keep pointing one way.
import type { A2aExchange } from '../a2a/exchange.js';
import type { McpExchange } from '../mcp/exchange.js';
import type { Usage } from '../llm/usage.js';
import { costOf, type CostCatalog, type LookupStatus } from './cost.js';
import type { TraceContext } from './tracing.js';

export interface ObservedBackend {
  readonly kind: 'host' | 'ai';
  readonly name: string;
  readonly target?: { readonly host: string; readonly port: number } | null;
  readonly provider?: { readonly name: string };
  readonly mock?: unknown;
}

/** The error the request was answered with: a GatewayError (src/errors.ts), structurally. */
export interface ObservedError {
  readonly status: number;
  readonly message: string;
  readonly source: string;
  /** agentgateway's reason label, from the error's kind. */
  readonly reason: string;
  /** The stable code of the error's kind (AGW_...). */
  readonly code: string;
}

export interface ObservedRequest {
  readonly down: {
    readonly method: string;
    readonly path: string;
    readonly remoteAddress: string;
    readonly aborted: boolean;
    readonly abortReason?: string | undefined;
    readonly httpVersion?: string | undefined;
  };
  /** The normalised path (what was routed and forwarded). */
  readonly path: string;
  readonly bind: { readonly port: number };
  readonly route: { readonly key: string; readonly name: string } | null;
  readonly routePrefix: string;
  readonly status: number;
  /** RequestCtx's groups, in the shapes observability reads (src/pipeline/context.ts). */
  readonly timings: ObservedTimings;
  readonly upstream: ObservedUpstream;
  readonly llm: ObservedLlm;
  readonly limits: {
    /** Redis could not answer the rate-limit check; failOpen: the request ran without its limits. */
    readonly rateLimitFailure: 'failOpen' | 'failClosed' | undefined;
  };
  readonly error: ObservedError | undefined;
  /** The LLM route type (completions, messages, embeddings, ...), once known. */
  readonly routeType: string | null;
  readonly trace: TraceContext | null;
  /** The A2A call on A2A routes (method, task, outcome), else null. */
  readonly a2a: A2aExchange | null;
  /** The authenticating API key; a virtual key (the keys: section) names itself and its team. */
  /** The verified JWT (its subject names the client in the console's spend table), else null. */
  readonly jwt: { readonly claims: Readonly<Record<string, unknown>> } | null;
  readonly basicAuth: { readonly username: string } | null;
  readonly apiKey: { readonly virtualKey?: { readonly key: { readonly name: string; readonly team?: string | undefined } } } | null;
  /** The MCP request on MCP routes (method, tool, target, outcome), else null. */
  readonly mcp: McpExchange | null;
  header(name: string): string | undefined;
}

/** When each step happened (process.hrtime.bigint() ns). */
export interface ObservedTimings {
  readonly startNs: bigint;
  readonly upstreamStartNs: bigint | undefined;
  /** When the last attempt was written on a connection, and when its response head came. */
  readonly upstreamConnectedNs: bigint | undefined;
  readonly upstreamHeadersNs: bigint | undefined;
  readonly firstTokenNs: bigint | undefined;
}

export interface ObservedUpstream {
  readonly backend: ObservedBackend | null;
  readonly attempt: number;
  /** Session affinity: where the last attempt went and why (backends with sessionAffinity), else null. */
  readonly affinity: { readonly last: { readonly result: string; readonly reason: string | null } | null } | null;
}

export interface ObservedLlm {
  readonly requestModel: string | undefined;
  readonly upstreamModel: string | undefined;
  readonly responseModel: string | undefined;
  readonly tokens: Usage | undefined;
  /** The parsed LLM request body (completions/messages, or sniffed on detect routes). */
  readonly body: Readonly<Record<string, unknown>> | null;
  /** What prompt guards did (`request: mask (regex)`, ...); null when none acted. */
  readonly guardActions: readonly string[] | null;
  /** What a virtual key was charged for the request (set when it finished). */
  readonly charge: KeyCharge | undefined;
}

export interface KeyCharge {
  readonly key: string;
  readonly team: string | undefined;
  readonly usd: number;
  readonly tokens: number;
  /** The provider's usage never came: metered or estimated. */
  readonly estimated: boolean;
}

export interface RequestSummary {
  ctx: ObservedRequest;
  endNs: bigint;
  durationS: number;
  /** 499 (client closed) when the client left before any status was chosen. */
  status: number;
  /** agentgateway's reason: the error's, else where the response came from (Upstream, DirectResponse). */
  reason: string;
  error: string | undefined;
  /** The error's stable code (AGW_...); undefined when the gateway made no error. */
  code: string | undefined;
  /** An LLM backend: the gen_ai fields below apply. */
  llm: boolean;
  /** gen_ai.operation.name: `embeddings` on embeddings routes, `chat` otherwise. */
  operation: 'chat' | 'embeddings';
  system: string;
  requestModel: string | undefined;
  responseModel: string | undefined;
  usage: Usage | undefined;
  ttftS: number | undefined;
  tpotS: number | undefined;
  upstreamS: number | undefined;
  cost: number | undefined;
  lookup: LookupStatus | undefined;
}

const NS = 1e9;

export function summarize(ctx: ObservedRequest, catalog: CostCatalog): RequestSummary {
  const endNs = process.hrtime.bigint();
  const b = ctx.upstream.backend;
  const llm = b?.kind === 'ai';
  const usage = ctx.llm.tokens;
  const requestModel = ctx.llm.upstreamModel ?? ctx.llm.requestModel;
  const s: RequestSummary = {
    ctx,
    endNs,
    durationS: Number(endNs - ctx.timings.startNs) / NS,
    status: ctx.status === 0 && ctx.down.aborted ? 499 : ctx.status,
    reason: reasonOf(ctx),
    error: ctx.error?.message ?? (ctx.down.aborted ? (ctx.down.abortReason ?? 'client closed the connection') : undefined),
    code: ctx.error?.code,
    llm,
    operation: ctx.routeType === 'embeddings' ? 'embeddings' : 'chat',
    system: b?.provider?.name ?? 'unknown',
    requestModel,
    responseModel: ctx.llm.responseModel,
    usage,
    ttftS: ctx.timings.firstTokenNs !== undefined ? Number(ctx.timings.firstTokenNs - ctx.timings.startNs) / NS : undefined,
    tpotS: undefined,
    upstreamS: ctx.timings.upstreamStartNs !== undefined ? Number(endNs - ctx.timings.upstreamStartNs) / NS : undefined,
    cost: undefined,
    lookup: undefined,
  };
  if (ctx.timings.firstTokenNs !== undefined && usage !== undefined && usage.outputTokens > 0) {
    s.tpotS = Number(endNs - ctx.timings.firstTokenNs) / NS / usage.outputTokens;
  }
  if (llm && usage !== undefined) {
    const price = catalog.lookup(s.system, s.responseModel, requestModel);
    s.lookup = price.status;
    // An unpriced model has no cost (not $0): it is counted as a Missing lookup instead.
    s.cost = price.rates !== undefined ? costOf(usage, price.rates) : undefined;
  }
  return s;
}

/** agentgateway's `reason` label: the error's kind says why the gateway answered, else where the response came from. */
function reasonOf(ctx: ObservedRequest): string {
  if (ctx.error !== undefined) return ctx.error.reason;
  if (ctx.upstream.backend?.mock) return 'DirectResponse';
  return 'Upstream';
}
