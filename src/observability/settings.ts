// Observability settings compiled from the config once, at load: the tracing exporter target
// and sampling, the access-log field plan, the price catalog and the metrics left out. Pure
// data (plus the catalog), so `--validate-only` and reloads check it like the rest of the
// config, and errors point at the YAML path.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConfigT } from '../config/schema/root.js';
import type { TracingPolicyT } from '../config/schema/observability.js';
import { CostCatalog, loadCostCatalog } from './cost.js';

export type Path = (string | number)[];
export type Fail = (path: Path, message: string) => void;
export type AttributeValue = string | number | boolean;

export interface TracingSettings {
  /** Full OTLP/HTTP export URL. */
  url: string;
  headers: Record<string, string>;
  /** Probabilities in 0..1. */
  randomSampling: number;
  clientSampling: number;
  resource: Record<string, AttributeValue>;
  attributes: Record<string, AttributeValue>;
  remove: ReadonlySet<string>;
  ca: string | undefined;
  insecure: boolean;
  /** Identity of the exporter settings: a reload with the same key keeps the exporter. */
  key: string;
}

/** An extra access-log field: `llm.prompt` or one request header. */
export type AccessLogExtra = { name: string; kind: 'prompt' } | { name: string; kind: 'header'; header: string };

export interface ObservabilitySettings {
  tracing: TracingSettings | null;
  accessLogRemove: ReadonlySet<string>;
  accessLogAdd: readonly AccessLogExtra[];
  /** Metric names left out of /metrics, normalised to the full agentgateway_* name. */
  metricsRemove: ReadonlySet<string>;
  catalog: CostCatalog;
}

/** Headers that carry credentials: never logged, even when asked for. */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
]);

export function compileObservability(config: ConfigT, baseDir: string, fail: Fail): ObservabilitySettings {
  const front = config.frontendPolicies;
  let catalog = new CostCatalog(new Map());
  try {
    catalog = loadCostCatalog(config.config?.modelCatalog, baseDir);
  } catch (e) {
    fail(['config', 'modelCatalog'], (e as Error).message);
  }
  return {
    tracing: tracingSettings(config, baseDir, fail),
    accessLogRemove: new Set(front?.accessLog?.remove ?? []),
    accessLogAdd: accessLogExtras(front?.accessLog?.add ?? {}, fail),
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
    if (legacy.otlpProtocol === 'grpc') return grpcUnsupported(['config', 'tracing', 'otlpProtocol'], fail);
    const endpoint = new URL(legacy.otlpEndpoint);
    const url = endpoint.pathname === '/' ? new URL(legacy.path ?? '/v1/traces', endpoint).href : endpoint.href;
    return finish({
      url,
      headers: legacy.headers ?? {},
      randomSampling: sampling(legacy.randomSampling, 0),
      clientSampling: sampling(legacy.clientSampling, 1),
      resource: {},
      attributes: {},
      remove: new Set(),
      ca: undefined,
      insecure: false,
    });
  }
  if (!policy) return null;
  if (policy.protocol === 'grpc') return grpcUnsupported(['frontendPolicies', 'tracing', 'protocol'], fail);
  return finish(policySettings(policy, baseDir, fail));
}

function policySettings(p: TracingPolicyT, baseDir: string, fail: Fail): Omit<TracingSettings, 'key'> {
  const tls = p.policies?.backendTLS;
  let ca: string | undefined;
  if (tls?.root !== undefined) {
    try {
      ca = readFileSync(resolve(baseDir, tls.root), 'utf8');
    } catch (e) {
      fail(
        ['frontendPolicies', 'tracing', 'policies', 'backendTLS', 'root'],
        `cannot read ${tls.root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  return {
    url: `${tls ? 'https' : 'http'}://${p.host}${p.path ?? '/v1/traces'}`,
    headers: {},
    randomSampling: sampling(p.randomSampling, 0),
    clientSampling: sampling(p.clientSampling, 1),
    resource: literals(p.resources ?? {}),
    attributes: literals(p.attributes ?? {}),
    remove: new Set(p.remove ?? []),
    ca,
    insecure: tls?.insecure === true,
  };
}

function finish(s: Omit<TracingSettings, 'key'>): TracingSettings {
  const key = JSON.stringify({ ...s, remove: [...s.remove] });
  return { ...s, key };
}

function grpcUnsupported(path: Path, fail: Fail): null {
  fail(path, 'OTLP over gRPC is not supported; use protocol: http (OTLP/HTTP, port 4318 on most collectors)');
  return null;
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

const HEADER_EXPR = /^request\.headers(?:\[\s*(["'])([^"']+)\1\s*\]|\.([A-Za-z0-9_]+))$/;

function accessLogExtras(add: Record<string, string>, fail: Fail): AccessLogExtra[] {
  const out: AccessLogExtra[] = [];
  for (const [name, expr] of Object.entries(add)) {
    const path: Path = ['frontendPolicies', 'accessLog', 'add', name];
    const e = expr.trim();
    if (e === 'llm.prompt') {
      out.push({ name, kind: 'prompt' });
      continue;
    }
    const m = HEADER_EXPR.exec(e);
    if (!m) {
      fail(path, `unsupported expression "${expr}" (supported until CEL lands: llm.prompt, request.headers["name"])`);
      continue;
    }
    const header = (m[2] ?? m[3]!).toLowerCase();
    if (CREDENTIAL_HEADERS.has(header)) fail(path, `"${header}" carries credentials and is never logged`);
    else out.push({ name, kind: 'header', header });
  }
  return out;
}
