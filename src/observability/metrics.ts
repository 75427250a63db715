// Prometheus metrics with agentgateway's names, labels and buckets (telemetry/metrics.rs), so
// its dashboards work unchanged. Label sets are built once per route/backend (and per model
// pair for gen_ai series) and their children cached, so a request does a WeakMap lookup, a Map
// lookup and a few additions. Client-supplied values (model names, methods) are bounded.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { A2aCallLabels } from '../a2a/metrics.js';
import { BoundedLabel, methodLabel, UNKNOWN } from './bounded-labels.js';
import { CounterFamily, HistogramFamily, type CounterChild, type HistogramChild, type Labels } from './metric-families.js';
import { listenerOf } from './record.js';
import type { ObservedRequest, RequestSummary } from './summary.js';
import type { McpExchange } from '../mcp/exchange.js';

const ROUTE = ['bind', 'gateway', 'listener', 'route', 'route_rule'] as const;
const HTTP = ['backend', 'protocol', 'method', 'status', 'reason', ...ROUTE] as const;
/** agentgateway's MCPCall labels, plus the outcome (success, error, cancelled). */
const MCP = ['method', 'resource_type', 'server', 'resource', 'outcome', ...ROUTE] as const;
const GEN_AI = ['gen_ai_operation_name', 'gen_ai_system', 'gen_ai_request_model', 'gen_ai_response_model', ...ROUTE] as const;

// Buckets from agentgateway (OTel GenAI semantic-convention buckets where they exist).
const HTTP_DURATION = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 80];
const TOKEN_USAGE = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const GEN_AI_DURATION = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const OUTPUT_TOKEN = [0.001, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5];
const FIRST_TOKEN = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
const CONNECT = [0.0005, 0.0015, 0.0043, 0.0126, 0.0368, 0.108, 0.316, 0.924, 2.71, 8];

/** Distinct model names per label before the rest fold into "other". */
export const MODEL_LABEL_CAP = 200;
/** Distinct virtual key and team names per label before the rest fold into "other". */
export const KEY_LABEL_CAP = 1000;
export const TEAM_LABEL_CAP = 200;
const KEY = ['key', 'team'] as const;
/** Distinct MCP method and tool/prompt/resource names before the rest fold into "other". */
export const MCP_LABEL_CAP = 500;

interface HttpSeries {
  requests: CounterChild;
  duration: HistogramChild;
}

interface GenAiSeries {
  labels: Labels;
  input: HistogramChild;
  output: HistogramChild;
  /** agentgateway_gen_ai_usage_tokens_total by type, in the order of TOKEN_TYPES. */
  byType: CounterChild[];
  duration: HistogramChild;
  ttft: HistogramChild;
  tpot: HistogramChild;
  cost: CounterChild;
  lookups: Map<string, CounterChild>;
}

const TOKEN_TYPES = ['input', 'output', 'cache_read', 'cache_write', 'reasoning'] as const;

/** agentgateway_gen_ai_prompt_tokens_total types: the whole prompt, and its cached parts. */
const PROMPT_TYPES = ['input', 'cache_read', 'cache_write'] as const;

/** One route/backend pair's label set and its cached children. */
class RouteSeries {
  readonly http = new Map<string, HttpSeries>();
  readonly genAi = new Map<string, GenAiSeries>();
  readonly other = new Map<string, CounterChild>();
  /** Prompt tokens by PROMPT_TYPES for this backend (the cached-token ratio per provider). */
  prompt: CounterChild[] | null = null;

  constructor(
    readonly route: Labels,
    readonly backend: string,
    readonly protocol: string,
  ) {}
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly series = new WeakMap<object, RouteSeries>();
  private readonly requestModels = new BoundedLabel(MODEL_LABEL_CAP);
  private readonly responseModels = new BoundedLabel(MODEL_LABEL_CAP);
  private readonly keyNames = new BoundedLabel(KEY_LABEL_CAP);
  private readonly teamNames = new BoundedLabel(TEAM_LABEL_CAP);
  /** Per (key, team) label pair: requests, USD and tokens children. */
  private readonly keySeries = new Map<string, { requests: CounterChild; usd: CounterChild; tokens: CounterChild }>();
  private readonly mcpMethods = new BoundedLabel(MCP_LABEL_CAP);
  private readonly mcpResources = new BoundedLabel(MCP_LABEL_CAP);

  readonly requests = new CounterFamily('agentgateway_requests_total', 'The total number of HTTP requests sent', HTTP);
  readonly duration = new HistogramFamily(
    'agentgateway_request_duration_seconds',
    'Duration of HTTP requests (seconds)',
    HTTP,
    HTTP_DURATION,
  );
  readonly tokenUsage = new HistogramFamily(
    'agentgateway_gen_ai_client_token_usage',
    'Number of tokens used per request',
    ['gen_ai_token_type', ...GEN_AI],
    TOKEN_USAGE,
  );
  readonly tokensByType = new CounterFamily(
    'agentgateway_gen_ai_usage_tokens_total',
    'Tokens by type: input (whole prompt), output, and the cache_read/cache_write parts of input and reasoning part of output',
    ['gen_ai_token_type', ...GEN_AI],
  );
  readonly genAiDuration = new HistogramFamily(
    'agentgateway_gen_ai_server_request_duration',
    'Duration of generative AI request',
    GEN_AI,
    GEN_AI_DURATION,
  );
  readonly ttft = new HistogramFamily(
    'agentgateway_gen_ai_server_time_to_first_token',
    'Time to generate the first token for a given request',
    GEN_AI,
    FIRST_TOKEN,
  );
  readonly tpot = new HistogramFamily(
    'agentgateway_gen_ai_server_time_per_output_token',
    'Time to generate each output token for a given request',
    GEN_AI,
    OUTPUT_TOKEN,
  );
  readonly cost = new CounterFamily('agentgateway_gen_ai_client_cost_usd_total', 'Cumulative USD cost of generative AI requests', GEN_AI);
  readonly lookups = new CounterFamily(
    'agentgateway_cost_catalog_lookups_total',
    'Total number of model cost catalog lookups by resolution status',
    ['status', ...GEN_AI],
  );
  readonly mcpRequests = new CounterFamily(
    'agentgateway_mcp_requests_total',
    'Total number of MCP requests (method, tool/prompt/resource and target, outcome)',
    MCP,
  );
  readonly retries = new CounterFamily('agentgateway_retries_total', 'The total number of request retries', ['backend', ...ROUTE]);
  readonly rateLimited = new CounterFamily('agentgateway_rate_limit_rejections_total', 'Requests rejected by a rate limit', [
    'type',
    'scope',
    'backend',
    ...ROUTE,
  ]);
  readonly rateLimitErrors = new CounterFamily(
    'agentgateway_rate_limit_errors_total',
    'Rate-limit checks the limit service (Redis) could not answer: failure_mode failOpen admitted the request without the limit, failClosed answered 500',
    ['failure_mode', 'backend', ...ROUTE],
  );
  readonly keyRequests = new CounterFamily('agentgateway_key_requests_total', 'Requests made with a virtual key', KEY);
  readonly keySpend = new CounterFamily(
    'agentgateway_key_spend_usd_total',
    'USD charged to virtual keys (priced with the model catalog; metered or estimated when usage never came)',
    KEY,
  );
  readonly keyTokens = new CounterFamily('agentgateway_key_tokens_total', 'Tokens (input + output) charged to virtual keys', KEY);
  readonly budgetRejections = new CounterFamily(
    'agentgateway_budget_rejections_total',
    'Requests refused, or streams cut, because a hard budget had nothing left; scope: whose budget (key or team)',
    [...KEY, 'scope', 'period', 'unit'],
  );
  readonly budgetAlerts = new CounterFamily(
    'agentgateway_budget_soft_limit_crossings_total',
    'Soft budget limits crossed (each crossing once per period)',
    ['scope', 'name', 'period', 'unit'],
  );
  readonly promptTokens = new CounterFamily(
    'agentgateway_gen_ai_prompt_tokens_total',
    'Prompt tokens per backend (provider): input is the whole prompt, cache_read and cache_write its cached parts; cache_read / input is the cached-token ratio',
    ['gen_ai_token_type', 'backend', ...ROUTE],
  );
  readonly affinityPicks = new CounterFamily(
    'agentgateway_session_affinity_picks_total',
    'Provider picks of backends with sessionAffinity: hit (the session stayed), new (placed by the hash), moved (for good), spilled (this request elsewhere), none (no session key: pick-2)',
    ['result', 'backend', ...ROUTE],
  );
  readonly affinityMoves = new CounterFamily(
    'agentgateway_session_affinity_moves_total',
    'Requests sent away from their session provider (moved and spilled), by reason: evicted, priority, overloaded, retry; backend is where they went',
    ['reason', 'backend', ...ROUTE],
  );
  readonly connect = new HistogramFamily(
    'agentgateway_upstream_connect_duration_seconds',
    'Duration to establish upstream connection (seconds)',
    ['transport'],
    CONNECT,
  );
  readonly upstreamCall = new HistogramFamily(
    'agentgateway_upstream_call_duration_seconds',
    'Duration of outbound calls made by agentgateway (seconds)',
    ['kind', 'subtype'],
    HTTP_DURATION,
  );
  private readonly callChildren = {
    http: this.upstreamCall.child({ kind: 'primary', subtype: 'http' }),
    llm: this.upstreamCall.child({ kind: 'primary', subtype: 'llm' }),
  };
  private readonly connectChildren = { tcp: this.connect.child({ transport: 'tcp' }), tls: this.connect.child({ transport: 'tls' }) };
  readonly a2aRequests = new Counter({
    name: 'agentgateway_a2a_requests_total',
    help: 'A2A calls (JSON-RPC and HTTP+JSON) by method and outcome (success, error, unknown)',
    labelNames: ['route', 'backend', 'method', 'outcome'] as const,
    registers: [],
  });
  readonly configSynchronized: Gauge;
  readonly configReloads: Counter;
  readonly configReloadTime: Gauge;

  /**
   * `perGateway` false: a worker thread's metrics, which the main thread sums into its own
   * (`/metrics` is served there): only the request-path series, no build, config or process ones.
   */
  constructor(version: string, remove: ReadonlySet<string>, perGateway = true) {
    const keep = (name: string) => !remove.has(name) && !remove.has(name.replace(/_total$/, ''));
    const families = [
      this.requests,
      this.duration,
      this.tokenUsage,
      this.tokensByType,
      this.genAiDuration,
      this.ttft,
      this.tpot,
      this.cost,
      this.lookups,
      this.retries,
      this.rateLimited,
      this.rateLimitErrors,
      this.keyRequests,
      this.keySpend,
      this.keyTokens,
      this.budgetRejections,
      this.budgetAlerts,
      this.promptTokens,
      this.affinityPicks,
      this.affinityMoves,
      this.mcpRequests,
      this.connect,
      this.upstreamCall,
    ];
    for (const f of families) if (keep(f.name)) this.registry.registerMetric(f as never);
    if (keep('agentgateway_a2a_requests_total')) this.registry.registerMetric(this.a2aRequests);
    const registers = (name: string) => (keep(name) && perGateway ? [this.registry] : []);
    new Gauge({
      name: 'agentgateway_build_info',
      help: 'Agentgateway build information',
      labelNames: ['tag'],
      registers: registers('agentgateway_build_info'),
    }).set({ tag: version }, 1);
    this.configSynchronized = new Gauge({
      name: 'agentgateway_config_synchronized',
      help: '1 when the running config is the config file (the last load or reload succeeded), else 0',
      registers: registers('agentgateway_config_synchronized'),
    });
    this.configReloads = new Counter({
      name: 'agentgateway_config_reloads_total',
      help: 'Config reloads by result',
      labelNames: ['result'],
      registers: registers('agentgateway_config_reloads_total'),
    });
    this.configReloadTime = new Gauge({
      name: 'agentgateway_config_last_reload_success_timestamp_seconds',
      help: 'Time of the last successful config load or reload',
      registers: registers('agentgateway_config_last_reload_success_timestamp_seconds'),
    });
    this.configSynchronized.set(1);
    this.configReloadTime.set(Date.now() / 1000);
    // Process and Node runtime metrics (process_cpu_seconds_total, process_resident_memory_bytes,
    // nodejs_eventloop_lag_seconds, ...), computed when scraped.
    if (perGateway) collectDefaultMetrics({ register: this.registry });
  }

  record(s: RequestSummary): void {
    const series = this.seriesOf(s.ctx);
    const http = this.httpSeries(series, s.ctx.down.method, s.status, s.reason);
    http.requests.inc();
    http.duration.observe(s.durationS);
    if (s.upstreamS !== undefined) (s.llm ? this.callChildren.llm : this.callChildren.http).observe(s.upstreamS);
    if (s.llm) this.recordGenAi(series, s);
    const charge = s.ctx.llm.charge;
    if (charge !== undefined) {
      const k = this.keyChildren(charge.key, charge.team);
      k.requests.inc();
      if (charge.usd > 0) k.usd.inc(charge.usd);
      if (charge.tokens > 0) k.tokens.inc(charge.tokens);
    }
    const mcp = s.ctx.mcp;
    // GET streams, DELETEs and metadata fetches carry no method and are not counted (agentgateway).
    if (mcp !== null && mcp.method !== '') this.recordMcp(series, mcp);
  }

  private keyLabels(key: string, team: string | undefined): { key: string; team: string } {
    return { key: this.keyNames.value(key), team: team === undefined ? '' : this.teamNames.value(team) };
  }

  private keyChildren(key: string, team: string | undefined) {
    const labels = this.keyLabels(key, team);
    const id = `${labels.key}\u0000${labels.team}`;
    let c = this.keySeries.get(id);
    if (c === undefined) {
      c = { requests: this.keyRequests.child(labels), usd: this.keySpend.child(labels), tokens: this.keyTokens.child(labels) };
      this.keySeries.set(id, c);
    }
    return c;
  }

  countBudgetRejection(key: string, team: string | undefined, scope: string, period: string, unit: string): void {
    this.budgetRejections.child({ ...this.keyLabels(key, team), scope, period, unit }).inc();
  }

  countBudgetAlert(scope: string, name: string, period: string, unit: string): void {
    const bounded = scope === 'team' ? this.teamNames.value(name) : this.keyNames.value(name);
    this.budgetAlerts.child({ scope, name: bounded, period, unit }).inc();
  }

  private recordMcp(series: RouteSeries, x: McpExchange): void {
    const r = x.resource;
    const method = this.mcpMethods.value(x.method);
    const resource = r === undefined ? UNKNOWN : this.mcpResources.value(r.name);
    const server = r === undefined || r.target === '' ? UNKNOWN : r.target;
    const outcome = x.outcome ?? 'error';
    const key = `mcp\u0000${method}\u0000${r?.type ?? ''}\u0000${server}\u0000${resource}\u0000${outcome}`;
    const extra = { method, resource_type: r?.type ?? UNKNOWN, server, resource, outcome };
    let c = series.other.get(key);
    if (c === undefined) series.other.set(key, (c = this.mcpRequests.child({ ...series.route, ...extra })));
    c.inc();
  }

  observeConnect(seconds: number, tls: boolean): void {
    (tls ? this.connectChildren.tls : this.connectChildren.tcp).observe(seconds);
  }

  countRetry(ctx: ObservedRequest): void {
    this.otherChild(this.seriesOf(ctx), 'retry', this.retries, {}).inc();
  }

  countRateLimited(ctx: ObservedRequest, type: string, scope: string): void {
    this.otherChild(this.seriesOf(ctx), `rl\u0000${type}\u0000${scope}`, this.rateLimited, { type, scope }).inc();
  }

  countA2aCall(labels: A2aCallLabels): void {
    this.a2aRequests.inc({ ...labels });
  }

  countRateLimitError(ctx: ObservedRequest, failureMode: string): void {
    this.otherChild(this.seriesOf(ctx), `rle\u0000${failureMode}`, this.rateLimitErrors, { failure_mode: failureMode }).inc();
  }

  countAffinity(ctx: ObservedRequest, result: string, reason: string | null): void {
    const series = this.seriesOf(ctx);
    this.otherChild(series, `aff\u0000${result}`, this.affinityPicks, { result }).inc();
    if (reason !== null) this.otherChild(series, `affm\u0000${reason}`, this.affinityMoves, { reason }).inc();
  }

  private recordGenAi(series: RouteSeries, s: RequestSummary): void {
    const g = this.genAiSeries(series, s.operation, s.system, s.requestModel, s.responseModel);
    g.duration.observe(s.durationS);
    if (s.ttftS !== undefined) g.ttft.observe(s.ttftS);
    if (s.tpotS !== undefined) g.tpot.observe(s.tpotS);
    const u = s.usage;
    if (u === undefined) return;
    g.input.observe(u.inputTokens);
    g.output.observe(u.outputTokens);
    const p = (series.prompt ??= PROMPT_TYPES.map((t) =>
      this.promptTokens.child({ ...series.route, backend: series.backend, gen_ai_token_type: t }),
    ));
    p[0]!.inc(u.inputTokens);
    if (u.cacheReadTokens !== undefined) p[1]!.inc(u.cacheReadTokens);
    if (u.cacheWriteTokens !== undefined) p[2]!.inc(u.cacheWriteTokens);
    const t = g.byType;
    t[0]!.inc(u.inputTokens);
    t[1]!.inc(u.outputTokens);
    if (u.cacheReadTokens !== undefined) t[2]!.inc(u.cacheReadTokens);
    if (u.cacheWriteTokens !== undefined) t[3]!.inc(u.cacheWriteTokens);
    if (u.reasoningTokens !== undefined) t[4]!.inc(u.reasoningTokens);
    if (s.cost !== undefined && s.cost > 0) g.cost.inc(s.cost);
    if (s.lookup !== undefined) {
      let c = g.lookups.get(s.lookup);
      if (c === undefined) g.lookups.set(s.lookup, (c = this.lookups.child({ status: s.lookup, ...g.labels })));
      c.inc();
    }
  }

  /** Keyed by the backend (unique per route), else the route, else the bind (no route matched). */
  private seriesOf(ctx: ObservedRequest): RouteSeries {
    const key: object = ctx.upstream.backend ?? ctx.mcp?.backend ?? ctx.route ?? ctx.bind;
    let s = this.series.get(key);
    if (s === undefined) {
      const gateway = `bind/${ctx.bind.port}`;
      const route = ctx.route;
      s = new RouteSeries(
        {
          bind: gateway,
          gateway,
          listener: route ? listenerOf(route, ctx.bind.port) : UNKNOWN,
          route: route?.name ?? UNKNOWN,
          route_rule: UNKNOWN,
        },
        ctx.upstream.backend?.name ?? ctx.mcp?.backendName ?? UNKNOWN,
        ctx.mcp !== null ? 'mcp' : ctx.upstream.backend === null ? UNKNOWN : ctx.upstream.backend.kind === 'ai' ? 'llm' : 'http',
      );
      this.series.set(key, s);
    }
    return s;
  }

  private httpSeries(series: RouteSeries, method: string, status: number, reason: string): HttpSeries {
    const m = methodLabel(method);
    const key = `${m} ${status} ${reason}`;
    let h = series.http.get(key);
    if (h === undefined) {
      const labels = { ...series.route, backend: series.backend, protocol: series.protocol, method: m, status: String(status), reason };
      h = { requests: this.requests.child(labels), duration: this.duration.child(labels) };
      series.http.set(key, h);
    }
    return h;
  }

  private genAiSeries(
    series: RouteSeries,
    operation: string,
    system: string,
    requestModel: string | undefined,
    responseModel: string | undefined,
  ): GenAiSeries {
    const req = this.requestModels.value(requestModel);
    const resp = this.responseModels.value(responseModel);
    // The backend fixes the provider, so the operation and the two model labels identify the series.
    const key = `${operation}\u0000${req}\u0000${resp}`;
    let g = series.genAi.get(key);
    if (g === undefined) {
      const labels: Labels = {
        ...series.route,
        gen_ai_operation_name: operation,
        gen_ai_system: system,
        gen_ai_request_model: req,
        gen_ai_response_model: resp,
      };
      g = {
        labels,
        input: this.tokenUsage.child({ ...labels, gen_ai_token_type: 'input' }),
        output: this.tokenUsage.child({ ...labels, gen_ai_token_type: 'output' }),
        byType: TOKEN_TYPES.map((t) => this.tokensByType.child({ ...labels, gen_ai_token_type: t })),
        duration: this.genAiDuration.child(labels),
        ttft: this.ttft.child(labels),
        tpot: this.tpot.child(labels),
        cost: this.cost.child(labels),
        lookups: new Map(),
      };
      series.genAi.set(key, g);
    }
    return g;
  }

  private otherChild(series: RouteSeries, key: string, family: CounterFamily, extra: Labels): CounterChild {
    let c = series.other.get(key);
    if (c === undefined) series.other.set(key, (c = family.child({ ...series.route, backend: series.backend, ...extra })));
    return c;
  }

  /** Called by config reload: whether the running config is the file's, and the reload result. */
  recordReload(ok: boolean): void {
    this.configSynchronized.set(ok ? 1 : 0);
    this.configReloads.inc({ result: ok ? 'success' : 'failure' });
    if (ok) this.configReloadTime.set(Date.now() / 1000);
  }
}
