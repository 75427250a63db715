// Observability settings compiled from the config once, at load: the tracing exporter target
// and sampling, the access-log shape (CEL filter/add/remove) and its OTLP export, the price
// catalog and the metrics left out. Pure data (plus the catalog and compiled CEL), so
// `--validate-only` and reloads check it like the rest of the config, and errors point at the
// YAML path.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigT } from '../config/schema/root.js';
import type { OtlpAccessLogT, TracingPolicyT } from '../config/schema/observability.js';
import { CostCatalog, loadCostCatalog } from './cost.js';
import { compileLogFields, compileLogFilter, LogShape } from './log-fields.js';
import type { OtlpProtocol, OtlpTarget } from './otlp-target.js';

export type Path = (string | number)[];
export type Fail = (path: Path, message: string) => void;
export type AttributeValue = string | number | boolean;

export interface TracingSettings {
  /** The collector and transport (OTLP/HTTP or gRPC). */
  target: OtlpTarget;
  /** Probabilities in 0..1. */
  randomSampling: number;
  clientSampling: number;
  resource: Record<string, AttributeValue>;
  attributes: Record<string, AttributeValue>;
  remove: ReadonlySet<string>;
  /** Identity of the exporter settings: a reload with the same key keeps the exporter. */
  key: string;
}

/** `accessLog.otlp`: access-log records exported as OTLP log records. */
export interface OtlpLogSettings {
  target: OtlpTarget;
  /** Its own filter and fields, else the access log's. */
  shape: LogShape;
  /** Identity of the exporter target: a reload with the same key keeps the exporter. */
  key: string;
}

export interface ObservabilitySettings {
  tracing: TracingSettings | null;
  /** The access log's filter, added and removed fields. */
  accessLog: LogShape;
  accessLogOtlp: OtlpLogSettings | null;
  /** Metric names left out of /metrics, normalised to the full agentgateway_* name. */
  metricsRemove: ReadonlySet<string>;
  catalog: CostCatalog;
}

export function compileObservability(config: ConfigT, baseDir: string, fail: Fail): ObservabilitySettings {
  const front = config.frontendPolicies;
  let catalog = new CostCatalog(new Map());
  try {
    catalog = loadCostCatalog(config.config?.modelCatalog, baseDir);
  } catch (e) {
    fail(['config', 'modelCatalog'], (e as Error).message);
  }
  const al = front?.accessLog ?? {};
  const at: Path = ['frontendPolicies', 'accessLog'];
  const filter = al.filter === undefined ? null : compileLogFilter(al.filter, [...at, 'filter'], fail);
  const accessLog = new LogShape(filter, new Set(al.remove ?? []), compileLogFields(al.add ?? {}, [...at, 'add'], fail));
  return {
    tracing: tracingSettings(config, baseDir, fail),
    accessLog,
    accessLogOtlp: al.otlp === undefined ? null : otlpLogSettings(al.otlp, accessLog, [...at, 'otlp'], baseDir, fail),
    metricsRemove: new Set((config.config?.metrics?.remove ?? []).map(fullMetricName)),
    catalog,
  };
}

/** `requests` and `requests_total` both name agentgateway_requests_total, as agentgateway allows. */
export function fullMetricName(name: string): string {
  return name.startsWith('agentgateway_') ? name : `agentgateway_${name}`;
}

function sampling(v: boolean | number | undefined, fallback: number): number {
  return v === undefined ? fallback : typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

function tracingSettings(config: ConfigT, baseDir: string, fail: Fail): TracingSettings | null {
  const legacy = config.config?.tracing;
  const policy = config.frontendPolicies?.tracing;
  if (legacy && policy) {
    fail(['config', 'tracing'], 'cannot use deprecated config.tracing together with frontendPolicies.tracing');
    return null;
  }
  if (legacy) {
    const endpoint = new URL(legacy.otlpEndpoint);
    const grpc = legacy.otlpProtocol === 'grpc';
    // gRPC has no path (the service names the method); OTLP/HTTP appends the signal's path.
    const url = grpc ? endpoint.origin : endpoint.pathname === '/' ? new URL(legacy.path ?? '/v1/traces', endpoint).href : endpoint.href;
    return finish({
      target: { protocol: grpc ? 'grpc' : 'http', url, headers: legacy.headers ?? {}, ca: undefined, insecure: false },
      randomSampling: sampling(legacy.randomSampling, 0),
      clientSampling: sampling(legacy.clientSampling, 1),
      resource: {},
      attributes: {},
      remove: new Set(),
    });
  }
  if (!policy) return null;
  return finish(policySettings(policy, baseDir, fail));
}

function policySettings(p: TracingPolicyT, baseDir: string, fail: Fail): Omit<TracingSettings, 'key'> {
  return {
    target: otlpTarget(p, '/v1/traces', ['frontendPolicies', 'tracing'], baseDir, fail),
    randomSampling: sampling(p.randomSampling, 0),
    clientSampling: sampling(p.clientSampling, 1),
    resource: literals(p.resources ?? {}),
    attributes: literals(p.attributes ?? {}),
    remove: new Set(p.remove ?? []),
  };
}

function finish(s: Omit<TracingSettings, 'key'>): TracingSettings {
  const key = JSON.stringify({ ...s, remove: [...s.remove] });
  return { ...s, key };
}

/** agentgateway: the export's own filter and fields where set, else the access log's. */
function otlpLogSettings(c: OtlpAccessLogT, parent: LogShape, at: Path, baseDir: string, fail: Fail): OtlpLogSettings {
  const target = otlpTarget(c, '/v1/logs', at, baseDir, fail);
  const filter = c.filter === undefined ? parent.filter : compileLogFilter(c.filter, [...at, 'filter'], fail);
  const f = c.fields;
  const shape =
    f === undefined
      ? c.filter === undefined
        ? parent
        : new LogShape(filter, parent.remove, parent.add)
      : new LogShape(filter, new Set(f.remove ?? []), compileLogFields(f.add ?? {}, [...at, 'fields', 'add'], fail));
  return { target, shape, key: JSON.stringify(target) };
}

/** The config shape shared by `frontendPolicies.tracing` and `accessLog.otlp`. */
interface OtlpTargetConfig {
  host: string;
  protocol?: OtlpProtocol | undefined;
  path?: string | undefined;
  policies?: { backendTLS?: { root?: string | undefined; insecure?: boolean | undefined } | undefined } | undefined;
}

function otlpTarget(c: OtlpTargetConfig, defaultPath: string, at: Path, baseDir: string, fail: Fail): OtlpTarget {
  const tls = c.policies?.backendTLS;
  let ca: string | undefined;
  if (tls?.root !== undefined) {
    try {
      ca = readFileSync(resolve(baseDir, tls.root), 'utf8');
    } catch (e) {
      fail(
        [...at, 'policies', 'backendTLS', 'root'],
        `cannot read ${tls.root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  const protocol = c.protocol ?? 'http';
  const origin = `${tls ? 'https' : 'http'}://${c.host}`;
  return {
    protocol,
    url: protocol === 'grpc' ? origin : `${origin}${c.path ?? defaultPath}`,
    headers: {},
    ca,
    insecure: tls?.insecure === true,
  };
}

/** agentgateway writes these as CEL; a quoted CEL string literal ('"svc"') is unquoted. */
function literals(m: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(m)) out[k] = typeof v === 'string' ? unquote(v) : v;
  return out;
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t.at(-1) === t[0]) return t.slice(1, -1);
  return s;
}
