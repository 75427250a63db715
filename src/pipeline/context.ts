// Per-request state, one object passed to every phase.
import type { GatewayError } from '../errors.js';
import { llmDialect } from '../llm/dialect.js';
import type { RouteType } from '../llm/route-types.js';
import type { CelResponse } from '../cel/index.js';
import type { AiBackendRt, BackendRt, BindRt, RouteBackendRt, RouteRt, Snapshot } from '../runtime/snapshot.js';
import type { Downstream } from './downstream.js';
import { UsageGuard, type Usage } from '../llm/usage.js';
import type { ApiKeyIdentity, ClientCredential, JwtIdentity } from '../policies/types.js';
import type { Observability, TraceContext } from '../observability/index.js';
import type { ClientDialect } from './dialects.js';
import type { A2aExchange } from '../a2a/exchange.js';
import type { Charge, SpendTracker } from './spend.js';
import type { Exhausted } from '../keys/types.js';
import type { SessionState } from './affinity.js';
import type { McpExchange } from '../mcp/exchange.js';

/** Also the PolicyRequest that request policies and CEL read (structurally: no import cycle). */
export class RequestCtx {
  /**
   * The normalised path (src/http/path.ts): what routes, CEL and the upstream see. Set by
   * normalizeRequestPath() before route selection; `down.path` stays as the client wrote it.
   */
  path: string;
  route: RouteRt | null = null;
  /** Prefix matched by the route (stripped before forwarding to AI backends). */
  routePrefix = '';
  /** The route's backend chosen by weight (for AI: the provider groups). */
  routeBackend: RouteBackendRt | null = null;
  /** What the current upstream attempt talks to (for AI: the provider picked in the groups). */
  backend: BackendRt | null = null;
  /** Set by the attempt loop: what requestTimeout expiring does while upstream attempts run. */
  onRequestTimeout: ((ms: number) => void) | null = null;
  /** The response head being judged by health and retry CEL expressions. */
  response: CelResponse | null = null;
  /** Run by finish(), once: timers to clear, LLM usage to debit from token buckets. */
  private finishHooks: ((ctx: RequestCtx) => void)[] | null = null;
  routeType: RouteType | null = null;
  /** Dialect errors are written in: from the path alone until a route is selected (selectRoute). */
  dialect: ClientDialect;
  /** Model the client asked for, and the one sent upstream. */
  requestModel: string | undefined;
  upstreamModel: string | undefined;
  /** llm listener: the weighted or conditional virtual model asked for (the body's model is now its target). */
  virtualModel: string | undefined;
  status = 0;
  /** Set by finish(): observability ran for this request. */
  finished = false;
  /** Model the provider says answered. */
  responseModel: string | undefined;
  /** When the first content token reached the gateway (time to first token). */
  firstTokenNs: bigint | undefined;
  /** The upstream answered with an error status (converted to the client's dialect). */
  upstreamError = false;
  /** Token usage, reported exactly once by finish(). */
  readonly usage = new UsageGuard((u) => (this.tokens = u));
  tokens: Usage | undefined;
  readonly startNs = process.hrtime.bigint();
  /** Identities established by authentication (CEL jwt.*, apiKey.*, basicAuth.*). */
  jwt: JwtIdentity | null = null;
  apiKey: ApiKeyIdentity | null = null;
  basicAuth: { readonly username: string } | null = null;
  /** Client credentials authentication consumed: stripped before forwarding, hidden from CEL. */
  credentials: ClientCredential[] | null = null;
  hiddenHeaders: Set<string> | null = null;
  /** Headers every response to this request carries, errors included (CORS). */
  extraResponseHeaders: string[] | null = null;
  /** When the (last) upstream attempt was sent, for agentgateway_upstream_call_duration_seconds. */
  upstreamStartNs: bigint | undefined;
  /** When the (last) attempt was written on a connection, and when its response head came. */
  upstreamConnectedNs: bigint | undefined = undefined;
  upstreamHeadersNs: bigint | undefined = undefined;
  /** Prompt-guard actions taken (`request: mask (regex)`, ...), for the console; null when none. */
  guardActions: string[] | null = null;
  /** The error the client was answered with (set in respond.ts, and for failures mid-stream). */
  error: GatewayError | undefined;
  /** The rate limit that refused the request (for agentgateway_rate_limit_rejections_total). */
  rateLimitRefusal: { readonly type: 'requests' | 'tokens'; readonly scope: 'local' | 'remote' } | undefined = undefined;
  /** The hard budget that refused the request or cut its stream (spend.ts), for the metrics. */
  budgetRefusal: Exhausted | undefined = undefined;
  /** Redis could not answer the rate-limit check (failOpen: the limits were not applied). */
  rateLimitFailure: 'failOpen' | 'failClosed' | undefined = undefined;
  /** Retries made so far (0: first attempt), see countRetry(). */
  retryAttempt = 0;
  /** The parsed LLM request body (request parameters for logs and spans, llm.prompt when asked). */
  llmBody: Record<string, unknown> | null = null;
  /** W3C trace state; null when tracing is off or this request is not traced. */
  readonly trace: TraceContext | null;
  /** The A2A call (method, task, outcome) on routes with policies.a2a; CEL a2a.*. */
  a2a: A2aExchange | null = null;
  /** A virtual key's reservation and stream meter (spend.ts); null for other requests. */
  spend: SpendTracker | null = null;
  /** What a virtual key was charged for this request (set when it finishes). */
  charge: Charge | undefined = undefined;
  /** Session affinity (AI backends with sessionAffinity): the key and where attempts went. */
  affinity: SessionState | null = null;
  /** The MCP request (method, session, tool and target, outcome) on MCP routes; CEL mcp.*. */
  mcp: McpExchange | null = null;

  constructor(
    readonly down: Downstream,
    readonly snapshot: Snapshot,
    readonly bind: BindRt,
    /** The gateway's metrics, tracer, access log, recent requests and series. */
    readonly obs: Observability,
  ) {
    snapshot.use.enter();
    this.path = down.path;
    this.dialect = llmDialect(down.path, null);
    this.trace = obs.beginTrace(this);
  }

  get aiBackend(): AiBackendRt | null {
    return this.backend?.kind === 'ai' ? this.backend : null;
  }

  header(name: string): string | undefined {
    const h = this.down.headers;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }

  addCredential(c: ClientCredential): void {
    (this.credentials ??= []).push(c);
    if (c.kind === 'header') (this.hiddenHeaders ??= new Set()).add(c.name);
  }

  /** A prompt guard changed the prompt or answer, or let it through unchecked (failOpen). */
  noteGuard(action: string): void {
    (this.guardActions ??= []).push(action);
  }

  addResponseHeaders(headers: readonly string[]): void {
    (this.extraResponseHeaders ??= []).push(...headers);
  }

  /** `cb` runs once when the request is done (answered, failed or abandoned). */
  onFinish(cb: (ctx: RequestCtx) => void): void {
    (this.finishHooks ??= []).push(cb);
  }

  /** Token buckets: `cb` gets the request's LLM usage (input + output tokens) when it is done. */
  onTokens(cb: (tokens: number) => void): void {
    this.onFinish((ctx) => {
      const t = ctx.tokens;
      if (t !== undefined) cb(t.inputTokens + t.outputTokens);
    });
  }

  /** @internal finish() */
  runFinishHooks(): void {
    const hooks = this.finishHooks;
    this.finishHooks = null;
    if (hooks !== null) for (const h of hooks) h(this);
  }
}
