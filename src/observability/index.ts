// The observability runtime: metrics registry, tracer, access log and its stdout sink, price
// catalog, and the console's recent requests and traffic series, in one object the Gateway owns
// (gateway.observability) and hands to each request (RequestCtx.obs) and to the compiled config's
// live objects; set up at start and re-applied on reload. Nothing here is module state: a worker
// thread's Gateway owns its own, and the main thread's sums the workers' metrics and takes their
// recent requests. The pipeline calls beginTrace() when a request starts and recordRequest() from
// finish(), exactly once per request; other phases call the hooks below. With metrics off
// (statsAddr "off"), no tracing and the access log below its level, recordRequest() is a few
// branches and nothing else.
import { createRequire } from 'node:module';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { A2aExchange } from '../a2a/exchange.js';
import { a2aCallLabels } from '../a2a/metrics.js';
import { AccessLog, AccessLogSink } from './access-log.js';
import { CostCatalog } from './cost.js';
import { accessLogEnabled, currentLogFormat, log } from './log.js';
import type { LoggedRequest } from './log-fields.js';
import { GatewayMetrics } from './metrics.js';
import { OtlpLogExport } from './otlp-logs.js';
import { RecentRequests } from './recent-requests.js';
import { buildRecord } from './record.js';
import { TrafficSeries } from './series.js';
import type { ObservabilitySettings } from './settings.js';
import { summarize, type ObservedRequest } from './summary.js';
import { Tracer, type TraceContext } from './tracing.js';

export type { ObservabilitySettings } from './settings.js';
export type { TraceContext } from './tracing.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** One thread's metrics as prom-client JSON (what worker threads send the main thread). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** What the stats listener serves (src/admin/stats-server.ts). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export class Observability {
  private metrics: GatewayMetrics | null = null;
  private tracer: Tracer | null = null;
  private accessLog: AccessLog | null = null;
  private otlpLogs: OtlpLogExport | null = null;
  /** The stdout writer access-log lines are batched into: one per Gateway, kept across reloads. */
  private readonly sink = new AccessLogSink();
  private catalog = new CostCatalog(new Map());
  private failures = 0;
  /** Metrics of the worker threads, summed into this thread's on every scrape (`--workers N`). */
  private workerMetrics: (() => Promise<MetricsJson[]>) | null = null;
  /** The last requests, for the console (recorded once the admin server enables it). */
  readonly recent = new RecentRequests();
  /** The console's traffic charts (fed once the admin server enables them). */
  readonly series = new TrafficSeries();

  /**
   * Sets up metrics (unless the stats listener is off: then none are collected at all) and applies
   * the rest. Returns what the stats listener serves: with worker threads, this thread's metrics
   * summed with every worker's (`sumWorkerMetrics`). A worker thread (`role` 'worker') collects
   * only the request-path series, for the main thread to sum.
   */
  start(settings: ObservabilitySettings, withMetrics: boolean, role: 'gateway' | 'worker' = 'gateway'): MetricsSource | null {
    this.metrics = withMetrics ? new GatewayMetrics(VERSION, settings.metricsRemove, role === 'gateway') : null;
    this.apply(settings);
    const m = this.metrics;
    return m === null ? null : { metrics: () => this.collectMetrics(m), contentType: m.registry.contentType };
  }

  /** Sums the metrics `source` returns (one JSON list per worker) into every scrape from now on. */
  sumWorkerMetrics(source: () => Promise<MetricsJson[]>): void {
    this.workerMetrics = source;
  }

  /** This thread's metrics as JSON, for the main thread to sum (null when metrics are off). */
  metricsJson(): Promise<MetricsJson> | null {
    return this.metrics?.registry.getMetricsAsJSON() ?? null;
  }

  /**
   * The Prometheus text: counters and histogram buckets summed over the threads (prom-client's
   * aggregator, as for cluster workers); the gauges only the main thread has are taken as they are.
   */
  private collectMetrics(metrics: GatewayMetrics): Promise<string> {
    const registry = metrics.registry;
    const workers = this.workerMetrics;
    if (workers === null) return registry.metrics();
    return Promise.all([registry.getMetricsAsJSON(), workers()]).then(([own, others]) =>
      AggregatorRegistry.aggregate([own, ...others]).metrics(),
    );
  }

  /**
   * Applies tracing, access-log and price settings; called at start and by config reload. The
   * exporter is kept when the tracing settings did not change; spans of requests that began on
   * a replaced tracer still end on it (it flushes what it has on shutdown).
   */
  apply(settings: ObservabilitySettings): void {
    this.catalog = settings.catalog;
    this.accessLog = new AccessLog(this.sink, currentLogFormat(), settings.accessLog);
    this.applyOtlpLogs(settings);
    const t = settings.tracing;
    if (this.tracer !== null && this.tracer.settings.key === t?.key) return;
    const old = this.tracer;
    this.tracer = t === null ? null : new Tracer(t, VERSION);
    if (old !== null) void old.shutdown();
    if (t !== null)
      log.info(
        `tracing: exporting sampled spans to ${t.target.url} over OTLP/${t.target.protocol} (randomSampling ${t.randomSampling}, clientSampling ${t.clientSampling})`,
      );
  }

  /** `accessLog.otlp`: the exporter is kept across reloads to the same collector; the fields and filter are not. */
  private applyOtlpLogs(settings: ObservabilitySettings): void {
    const o = settings.accessLogOtlp;
    if (this.otlpLogs !== null && o !== null && this.otlpLogs.settings.key === o.key) {
      this.otlpLogs.reshape(o);
      return;
    }
    const old = this.otlpLogs;
    this.otlpLogs = o === null ? null : new OtlpLogExport(o, VERSION);
    if (old !== null) void old.shutdown();
    if (o !== null) log.info(`accessLog.otlp: exporting access-log records to ${o.target.url} over OTLP/${o.target.protocol}`);
  }

  /** Flushes queued spans and log records. */
  async stop(): Promise<void> {
    const t = this.tracer;
    const l = this.otlpLogs;
    this.tracer = null;
    this.otlpLogs = null;
    await Promise.all([t?.shutdown().catch(() => {}), l?.shutdown().catch(() => {})]);
  }

  /** Trace state for a new request (null when tracing is off or the request is not traced). */
  beginTrace(req: { header(name: string): string | undefined }): TraceContext | null {
    return this.tracer === null ? null : this.tracer.begin(req.header('traceparent'));
  }

  /** Whether finished requests are recorded with `src.addr` (an access-log line or record that keeps it, or tracing). */
  recordsClientAddress(): boolean {
    return this.tracer !== null || this.otlpLogs !== null || (this.accessLog?.keeps('src.addr') === true && accessLogEnabled());
  }

  /**
   * Metrics, series, the console's recent request, span, access-log line and OTLP log record for a
   * finished request. Never throws into the data plane. `ctx` is the request as CEL reads it too
   * (accessLog filter and add).
   */
  recordRequest(ctx: ObservedRequest & LoggedRequest): void {
    const metrics = this.metrics;
    const accessLog = this.accessLog;
    const otlpLogs = this.otlpLogs;
    const logging = accessLog !== null && accessLogEnabled();
    const exporting = otlpLogs !== null;
    const trace = ctx.trace;
    const tracing = trace?.sampled;
    const series = this.series.enabled;
    const recent = this.recent.enabled;
    if (metrics === null && !logging && !tracing && !series && !recent && !exporting) return;
    try {
      const s = summarize(ctx, this.catalog);
      metrics?.record(s);
      // The console's series count the same summary as the Prometheus counters, so totals agree.
      if (series) this.series.record(s);
      if (recent) this.recent.record(s);
      if (!logging && !tracing && !exporting) return;
      const record = buildRecord(s);
      if (tracing) trace.tracer.end(trace, s, record);
      if (logging) accessLog!.write(s, record, ctx);
      if (exporting) otlpLogs.write(s, record, ctx);
    } catch (e) {
      // A bug here must cost one request's telemetry, not the response; say so a few times.
      if (this.failures++ < 5) log.error({ err: e }, 'observability: recording a request failed');
    }
  }

  // ---- hooks for other phases ----

  /**
   * The retry loop calls this before each retry (not the first attempt): counts
   * agentgateway_retries_total and sets the attempt number the access log shows (retry.attempt).
   */
  countRetry(ctx: ObservedRequest & { readonly upstream: { attempt: number } }): void {
    ctx.upstream.attempt++;
    this.metrics?.countRetry(ctx);
  }

  /** A finished A2A call: counts agentgateway_a2a_requests_total (card fetches and plain HTTP are not calls). */
  countA2aCall(x: A2aExchange, route: string, backend: string): void {
    const labels = a2aCallLabels(x, route, backend);
    if (labels !== null) this.metrics?.countA2aCall(labels);
  }

  /** A rate limit rejected the request: counts agentgateway_rate_limit_rejections_total. */
  countRateLimitRejection(ctx: ObservedRequest, type: 'requests' | 'tokens', scope: 'local' | 'remote'): void {
    this.metrics?.countRateLimited(ctx, type, scope);
  }

  /**
   * The rate-limit service (Redis) could not answer: counts agentgateway_rate_limit_errors_total.
   * Not a rejection: failOpen went on without the limit, failClosed is answered as an error.
   */
  countRateLimitError(ctx: ObservedRequest, failureMode: 'failOpen' | 'failClosed'): void {
    this.metrics?.countRateLimitError(ctx, failureMode);
  }

  /**
   * A virtual key's (or its team's) hard budget refused the request or cut its stream: counts
   * agentgateway_budget_rejections_total (the request's reason is its error's, budget_exhausted).
   */
  countBudgetRejection(ctx: ObservedRequest, scope: 'key' | 'team', period: string, unit: string): void {
    const k = ctx.apiKey?.virtualKey?.key;
    if (k !== undefined) this.metrics?.countBudgetRejection(k.name, k.team, scope, period, unit);
  }

  /**
   * A settled charge crossed a soft budget limit: a warning line and
   * agentgateway_budget_soft_limit_crossings_total. Bound: the keys store calls it as a callback.
   */
  readonly budgetAlert = (c: {
    scope: string;
    budget: { unit: string; period: string; soft?: number | undefined };
    spent: number;
  }): void => {
    const colon = c.scope.indexOf(':');
    const [kind, name] = [c.scope.slice(0, colon), c.scope.slice(colon + 1)];
    const amount = (n: number) => (c.budget.unit === 'usd' ? `$${n.toFixed(4)}` : `${Math.round(n)} tokens`);
    log.warn(
      { scope: c.scope, period: c.budget.period, unit: c.budget.unit, soft: c.budget.soft, spent: c.spent },
      `budget alert: ${kind} "${name}" has used ${amount(c.spent)}, past its ${c.budget.period} soft limit of ${amount(c.budget.soft ?? 0)}`,
    );
    this.metrics?.countBudgetAlert(kind, name, c.budget.period, c.budget.unit);
  };

  /**
   * A provider pick of a backend with sessionAffinity (hit, new, moved, spilled, none) and, for a
   * request sent away from its session's provider, why: agentgateway_session_affinity_*.
   */
  countAffinity(ctx: ObservedRequest, result: string, reason: string | null): void {
    this.metrics?.countAffinity(ctx, result, reason);
  }

  /** Config reload finished: agentgateway_config_synchronized (1 ok, 0 failed) and the reload counters. */
  recordConfigReload(ok: boolean): void {
    this.metrics?.recordReload(ok);
  }

  /** An upstream connection was established (TCP, plus the TLS handshake when `tls`). Bound: the pools call it. */
  readonly observeUpstreamConnect = (seconds: number, tls: boolean): void => {
    this.metrics?.observeConnect(seconds, tls);
  };
}
