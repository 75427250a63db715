// The observability runtime: metrics registry and stats listener, tracer, access log and price
// catalog, set up once at start and re-applied on reload. The pipeline calls beginTrace() when a
// request starts and recordRequest() from finish(), exactly once per request; other phases call
// the hooks below. With metrics off (statsAddr "off"), no tracing and the access log below its
// level, recordRequest() is a few branches and nothing else.
import { createRequire } from 'node:module';
import { AggregatorRegistry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import type { A2aExchange } from '../a2a/exchange.js';
import { a2aCallLabels } from '../a2a/metrics.js';
import { AccessLog } from './access-log.js';
import { CostCatalog } from './cost.js';
import { accessLogEnabled, currentLogFormat, log } from './log.js';
import type { LoggedRequest } from './log-fields.js';
import { GatewayMetrics } from './metrics.js';
import { OtlpLogExport } from './otlp-logs.js';
import { buildRecord } from './record.js';
import { trafficSeries } from './series.js';
import type { ObservabilitySettings } from './settings.js';
import { summarize, type ObservedRequest } from './summary.js';
import { Tracer, type TraceContext } from './tracing.js';

export type { ObservabilitySettings } from './settings.js';
export type { TraceContext } from './tracing.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

let metrics: GatewayMetrics | null = null;
let tracer: Tracer | null = null;
let accessLog: AccessLog | null = null;
let otlpLogs: OtlpLogExport | null = null;
let catalog = new CostCatalog(new Map());
let failures = 0;
/** One thread's metrics as prom-client JSON (what worker threads send the main thread). */
export type MetricsJson = MetricObjectWithValues<MetricValue<string>>[];

/** Metrics of the worker threads, summed into this thread's on every scrape (`--workers N`). */
let workerMetrics: (() => Promise<MetricsJson[]>) | null = null;

/**
 * Sets up metrics (unless the stats listener is off: then none are collected at all) and applies
 * the rest. Returns what the stats listener serves (src/admin/stats-server.ts): with worker
 * threads, this thread's metrics summed with every worker's (`sumWorkerMetrics`). A worker
 * thread (`role` 'worker') collects only the request-path series, for the main thread to sum.
 */
export function startObservability(
  settings: ObservabilitySettings,
  withMetrics: boolean,
  role: 'gateway' | 'worker' = 'gateway',
): { metrics(): Promise<string>; readonly contentType: string } | null {
  metrics = withMetrics ? new GatewayMetrics(VERSION, settings.metricsRemove, role === 'gateway') : null;
  applyObservability(settings);
  return metrics === null ? null : { metrics: collectMetrics, contentType: metrics.registry.contentType };
}

/** Sums the metrics `source` returns (one JSON list per worker) into every scrape from now on. */
export function sumWorkerMetrics(source: () => Promise<MetricsJson[]>): void {
  workerMetrics = source;
}

/** This thread's metrics as JSON, for the main thread to sum (null when metrics are off). */
export function metricsJson(): Promise<MetricsJson> | null {
  return metrics?.registry.getMetricsAsJSON() ?? null;
}

/**
 * The Prometheus text: counters and histogram buckets summed over the threads (prom-client's
 * aggregator, as for cluster workers); the gauges only the main thread has are taken as they are.
 */
function collectMetrics(): Promise<string> {
  const registry = metrics!.registry;
  const workers = workerMetrics;
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
export function applyObservability(settings: ObservabilitySettings): void {
  catalog = settings.catalog;
  accessLog = new AccessLog(currentLogFormat(), settings.accessLog);
  applyOtlpLogs(settings);
  const t = settings.tracing;
  if (tracer !== null && tracer.settings.key === t?.key) return;
  const old = tracer;
  tracer = t === null ? null : new Tracer(t, VERSION);
  if (old !== null) void old.shutdown();
  if (t !== null)
    log.info(
      `tracing: exporting sampled spans to ${t.target.url} over OTLP/${t.target.protocol} (randomSampling ${t.randomSampling}, clientSampling ${t.clientSampling})`,
    );
}

/** `accessLog.otlp`: the exporter is kept across reloads to the same collector; the fields and filter are not. */
function applyOtlpLogs(settings: ObservabilitySettings): void {
  const o = settings.accessLogOtlp;
  if (otlpLogs !== null && o !== null && otlpLogs.settings.key === o.key) {
    otlpLogs.reshape(o);
    return;
  }
  const old = otlpLogs;
  otlpLogs = o === null ? null : new OtlpLogExport(o, VERSION);
  if (old !== null) void old.shutdown();
  if (o !== null) log.info(`accessLog.otlp: exporting access-log records to ${o.target.url} over OTLP/${o.target.protocol}`);
}

/** Flushes queued spans and log records. */
export async function stopObservability(): Promise<void> {
  const t = tracer;
  const l = otlpLogs;
  tracer = null;
  otlpLogs = null;
  await Promise.all([t?.shutdown().catch(() => {}), l?.shutdown().catch(() => {})]);
}

/** Trace state for a new request (null when tracing is off or the request is not traced). */
export function beginTrace(req: { header(name: string): string | undefined }): TraceContext | null {
  return tracer === null ? null : tracer.begin(req.header('traceparent'));
}

/** Whether finished requests are recorded with `src.addr` (an access-log line or record that keeps it, or tracing). */
export function recordsClientAddress(): boolean {
  return tracer !== null || otlpLogs !== null || (accessLog?.keeps('src.addr') === true && accessLogEnabled());
}

/**
 * Metrics, span, access-log line and OTLP log record for a finished request. Never throws into
 * the data plane. `ctx` is the request as CEL reads it too (accessLog filter and add).
 */
export function recordRequest(ctx: ObservedRequest & LoggedRequest): void {
  const logging = accessLog !== null && accessLogEnabled();
  const exporting = otlpLogs !== null;
  const trace = ctx.trace;
  const tracing = trace?.sampled;
  const series = trafficSeries.enabled;
  if (metrics === null && !logging && !tracing && !series && !exporting) return;
  try {
    const s = summarize(ctx, catalog);
    metrics?.record(s);
    // The console's series count the same summary as the Prometheus counters, so totals agree.
    if (series) trafficSeries.record(s);
    if (!logging && !tracing && !exporting) return;
    const record = buildRecord(s);
    if (tracing) trace.tracer.end(trace, s, record);
    if (logging) accessLog!.write(s, record, ctx);
    if (exporting) otlpLogs!.write(s, record, ctx);
  } catch (e) {
    // A bug here must cost one request's telemetry, not the response; say so a few times.
    if (failures++ < 5) log.error({ err: e }, 'observability: recording a request failed');
  }
}

// ---- hooks for other phases ----

/**
 * The retry loop calls this before each retry (not the first attempt): counts
 * agentgateway_retries_total and sets the attempt number the access log shows (retry.attempt).
 */
export function countRetry(ctx: ObservedRequest & { retryAttempt: number }): void {
  ctx.retryAttempt++;
  metrics?.countRetry(ctx);
}

/** A finished A2A call: counts agentgateway_a2a_requests_total (card fetches and plain HTTP are not calls). */
export function countA2aCall(x: A2aExchange, route: string, backend: string): void {
  const labels = a2aCallLabels(x, route, backend);
  if (labels !== null) metrics?.countA2aCall(labels);
}

/** A rate limit rejected the request: counts agentgateway_rate_limit_rejections_total. */
export function countRateLimitRejection(ctx: ObservedRequest, type: 'requests' | 'tokens', scope: 'local' | 'remote'): void {
  metrics?.countRateLimited(ctx, type, scope);
}

/**
 * The rate-limit service (Redis) could not answer: counts agentgateway_rate_limit_errors_total.
 * Not a rejection: failOpen went on without the limit, failClosed is answered as an error.
 */
export function countRateLimitError(ctx: ObservedRequest, failureMode: 'failOpen' | 'failClosed'): void {
  metrics?.countRateLimitError(ctx, failureMode);
}

/**
 * A virtual key's (or its team's) hard budget refused the request or cut its stream: counts
 * agentgateway_budget_rejections_total (the request's reason is its error's, budget_exhausted).
 */
export function countBudgetRejection(ctx: ObservedRequest, scope: 'key' | 'team', period: string, unit: string): void {
  const k = ctx.apiKey?.virtualKey?.key;
  if (k !== undefined) metrics?.countBudgetRejection(k.name, k.team, scope, period, unit);
}

/** A settled charge crossed a soft budget limit: a warning line and agentgateway_budget_soft_limit_crossings_total. */
export function budgetAlert(c: {
  scope: string;
  budget: { unit: string; period: string; soft?: number | undefined };
  spent: number;
}): void {
  const colon = c.scope.indexOf(':');
  const [kind, name] = [c.scope.slice(0, colon), c.scope.slice(colon + 1)];
  const amount = (n: number) => (c.budget.unit === 'usd' ? `$${n.toFixed(4)}` : `${Math.round(n)} tokens`);
  log.warn(
    { scope: c.scope, period: c.budget.period, unit: c.budget.unit, soft: c.budget.soft, spent: c.spent },
    `budget alert: ${kind} "${name}" has used ${amount(c.spent)}, past its ${c.budget.period} soft limit of ${amount(c.budget.soft ?? 0)}`,
  );
  metrics?.countBudgetAlert(kind, name, c.budget.period, c.budget.unit);
}

/**
 * A provider pick of a backend with sessionAffinity (hit, new, moved, spilled, none) and, for a
 * request sent away from its session's provider, why: agentgateway_session_affinity_*.
 */
export function countAffinity(ctx: ObservedRequest, result: string, reason: string | null): void {
  metrics?.countAffinity(ctx, result, reason);
}

/** Config reload finished: agentgateway_config_synchronized (1 ok, 0 failed) and the reload counters. */
export function recordConfigReload(ok: boolean): void {
  metrics?.recordReload(ok);
}

/** An upstream connection was established (TCP, plus the TLS handshake when `tls`). */
export function observeUpstreamConnect(seconds: number, tls: boolean): void {
  metrics?.observeConnect(seconds, tls);
}
