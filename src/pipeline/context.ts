// Per-request state, one object passed to every phase, with its fields grouped along the request path.
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

/**
 * When each step of the request happened (process.hrtime.bigint() ns), in the order the request
 * path reaches them. Grouped because only observability reads them (durations, TTFT, the console's
 * phase timings) and the attempt loop writes them; one object per request, fields fixed here.
 */
export class RequestTimings {
  readonly startNs = process.hrtime.bigint();
  /** When the (last) upstream attempt was sent, for agentgateway_upstream_call_duration_seconds. */
  upstreamStartNs: bigint | undefined = undefined;
  /** When the (last) attempt was written on a connection, and when its response head came. */
  upstreamConnectedNs: bigint | undefined = undefined;
  upstreamHeadersNs: bigint | undefined = undefined;
  /** When the first content token reached the gateway (time to first token). */
  firstTokenNs: bigint | undefined = undefined;
}

/**
 * What the current upstream attempt talks to and how the attempts went: written by the attempt
 * loop (src/pipeline/attempt.ts) and retries, read by finish() and the error path.
 */
export class UpstreamState {
  /** What the current attempt talks to (for AI: the provider picked in the groups). */
  backend: BackendRt | null = null;
  /** Retries made so far (0: first attempt), see countRetry(). */
  attempt = 0;
  /** The upstream answered with an error status (converted to the client's dialect). */
  errored = false;
  /** Set by the attempt loop: what requestTimeout expiring does while upstream attempts run. */
  onRequestTimeout: ((ms: number) => void) | null = null;
  /** Session affinity (AI backends with sessionAffinity): the key and where attempts went. */
  affinity: SessionState | null = null;
}

/**
 * The LLM call: models, body, tokens and what they cost. Set on LLM routes as the body is parsed
 * and the answer streams; read by metrics, logs, spans, budgets and CEL (`llm.*`). It is also the
 * sink its UsageGuard reports to (no closure per request).
 */
export class LlmCall {
  /** Model the client asked for, and the one sent upstream. */
  requestModel: string | undefined = undefined;
  upstreamModel: string | undefined = undefined;
  /** llm listener: the weighted or conditional virtual model asked for (the body's model is now its target). */
  virtualModel: string | undefined = undefined;
  /** Model the provider says answered. */
  responseModel: string | undefined = undefined;
  /** The parsed LLM request body (request parameters for logs and spans, llm.prompt when asked). */
  body: Record<string, unknown> | null = null;
  /** Token usage, reported exactly once by finish() into `tokens`. */
  readonly usage: UsageGuard = new UsageGuard(this);
  tokens: Usage | undefined = undefined;
  /** Prompt-guard actions taken (`request: mask (regex)`, ...), for the console; null when none. */
  guardActions: string[] | null = null;
  /** A virtual key's reservation and stream meter (spend.ts); null for other requests. */
  spend: SpendTracker | null = null;
  /** What a virtual key was charged for this request (set when it finishes). */
  charge: Charge | undefined = undefined;
}

/**
 * Why a limit stopped (or could not check) this request: read only by the metrics at finish(),
 * so the three live together instead of beside the fields every phase touches.
 */
export class LimitOutcome {
  /** The rate limit that refused the request (for agentgateway_rate_limit_rejections_total). */
  rateLimitRefusal: { readonly type: 'requests' | 'tokens'; readonly scope: 'local' | 'remote' } | undefined = undefined;
  /** The hard budget that refused the request or cut its stream (spend.ts), for the metrics. */
  budgetRefusal: Exhausted | undefined = undefined;
  /** Redis could not answer the rate-limit check (failOpen: the limits were not applied). */
  rateLimitFailure: 'failOpen' | 'failClosed' | undefined = undefined;
}

/**
 * Per-request state, one object passed to every phase. The fields CEL and request policies read
 * by shape (CelRequest, PolicyRequest: path, identities, routeType, hiddenHeaders, response, a2a,
 * mcp, requestModel/llmBody) stay on the object itself so those interfaces need no pipeline import;
 * the rest is grouped by the part of the request path that writes it (timings, upstream, llm,
 * limits), each group allocated once here with a fixed shape.
 */
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
  routeType: RouteType | null = null;
  /** Dialect errors are written in: from the path alone until a route is selected (selectRoute). */
  dialect: ClientDialect;
  /** Identities established by authentication (CEL jwt.*, apiKey.*, basicAuth.*). */
  jwt: JwtIdentity | null = null;
  apiKey: ApiKeyIdentity | null = null;
  basicAuth: { readonly username: string } | null = null;
  /** Client credentials authentication consumed: stripped before forwarding, hidden from CEL. */
  credentials: ClientCredential[] | null = null;
  hiddenHeaders: Set<string> | null = null;
  /** Headers every response to this request carries, errors included (CORS). */
  extraResponseHeaders: string[] | null = null;
  /** The response head being judged by health and retry CEL expressions. */
  response: CelResponse | null = null;
  /** The A2A call (method, task, outcome) on routes with policies.a2a; CEL a2a.*. */
  a2a: A2aExchange | null = null;
  /** The MCP request (method, session, tool and target, outcome) on MCP routes; CEL mcp.*. */
  mcp: McpExchange | null = null;
  readonly timings = new RequestTimings();
  readonly upstream = new UpstreamState();
  readonly llm = new LlmCall();
  readonly limits = new LimitOutcome();
  status = 0;
  /** The error the client was answered with (set in respond.ts, and for failures mid-stream). */
  error: GatewayError | undefined = undefined;
  /** Set by finish(): observability ran for this request. */
  finished = false;
  /** Run by finish(), once: timers to clear, LLM usage to debit from token buckets. */
  private finishHooks: ((ctx: RequestCtx) => void)[] | null = null;
  private tokenHooks: ((tokens: number) => void)[] | null = null;
  /** W3C trace state; null when tracing is off or this request is not traced. */
  readonly trace: TraceContext | null;

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
    const b = this.upstream.backend;
    return b?.kind === 'ai' ? b : null;
  }

  /** CEL `llm.requestModel` (CelRequest reads it by shape). */
  get requestModel(): string | undefined {
    return this.llm.requestModel;
  }

  /** CEL `llmRequest` (CelRequest reads it by shape). */
  get llmBody(): Record<string, unknown> | null {
    return this.llm.body;
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
    (this.llm.guardActions ??= []).push(action);
  }

  addResponseHeaders(headers: readonly string[]): void {
    (this.extraResponseHeaders ??= []).push(...headers);
  }

  /** `cb` runs once when the request is done (answered, failed or abandoned). */
  onFinish(cb: (ctx: RequestCtx) => void): void {
    (this.finishHooks ??= []).push(cb);
  }

  /** Token buckets: `cb` gets the request's LLM usage (input + output tokens) once it is final. */
  onTokens(cb: (tokens: number) => void): void {
    (this.tokenHooks ??= []).push(cb);
  }

  /**
   * The usage is final: report it and debit the token buckets, once. The LLM response calls it
   * before its last bytes go out, so a client's next request sees the debit even when another
   * worker thread serves it; finish() calls it for every other ending.
   */
  settleUsage(): void {
    this.llm.usage.finish();
    const hooks = this.tokenHooks;
    this.tokenHooks = null;
    const t = this.llm.tokens;
    if (hooks !== null && t !== undefined) for (const h of hooks) h(t.inputTokens + t.outputTokens);
  }

  /** @internal finish() */
  runFinishHooks(): void {
    const hooks = this.finishHooks;
    this.finishHooks = null;
    if (hooks !== null) for (const h of hooks) h(this);
  }
}
