// Where OTLP data goes (a collector, over HTTP or gRPC, plain or TLS) and the OpenTelemetry
// exporters that send it. The settings are compiled with the config; the exporter packages
// (with @grpc/grpc-js, ~20 MB resident between them) are imported only when a config exports
// something, so a gateway without tracing or an OTLP access log never loads them.
import { diag, DiagLogLevel } from '@opentelemetry/api';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { log } from './log.js';

export type OtlpProtocol = 'http' | 'grpc';

export interface OtlpTarget {
  readonly protocol: OtlpProtocol;
  /** http: the full export URL; grpc: `http(s)://host:port` (the service path is fixed by OTLP). */
  readonly url: string;
  /** HTTP headers, or gRPC metadata, sent with every export. */
  readonly headers: Readonly<Record<string, string>>;
  /** PEM bundle that verifies the collector (TLS only). */
  readonly ca: string | undefined;
  readonly insecure: boolean;
}

/** Exporter options for the HTTP exporters: TLS settings only when the target has some. */
function httpOptions(t: OtlpTarget) {
  return {
    url: t.url,
    headers: { ...t.headers },
    ...(t.ca !== undefined || t.insecure ? { httpAgentOptions: { ca: t.ca, rejectUnauthorized: !t.insecure, keepAlive: true } } : {}),
  };
}

/** Exporter options for the gRPC exporters: channel credentials and metadata from the target. */
async function grpcOptions(t: OtlpTarget) {
  const grpc = await import('@grpc/grpc-js');
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(t.headers)) metadata.set(k, v);
  const credentials = t.url.startsWith('https:')
    ? grpc.credentials.createSsl(t.ca === undefined ? null : Buffer.from(t.ca), null, null, { rejectUnauthorized: !t.insecure })
    : grpc.credentials.createInsecure();
  return { url: t.url, metadata, credentials };
}

export async function loadSpanExporter(t: OtlpTarget): Promise<SpanExporter> {
  if (t.protocol === 'grpc') {
    const [{ OTLPTraceExporter }, options] = await Promise.all([import('@opentelemetry/exporter-trace-otlp-grpc'), grpcOptions(t)]);
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  return new OTLPTraceExporter(httpOptions(t));
}

/** Logs go as protobuf over HTTP (what agentgateway and most collectors expect), or over gRPC. */
export async function loadLogExporter(t: OtlpTarget): Promise<LogRecordExporter> {
  if (t.protocol === 'grpc') {
    const [{ OTLPLogExporter }, options] = await Promise.all([import('@opentelemetry/exporter-logs-otlp-grpc'), grpcOptions(t)]);
    return new OTLPLogExporter(options);
  }
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
  return new OTLPLogExporter(httpOptions(t));
}

/** The standard OTEL_BSP_* / OTEL_BLRP_* variables; the SDK's batch processors only take options. */
export function batchOptions(prefix: 'OTEL_BSP' | 'OTEL_BLRP') {
  const n = (name: string, fallback: number) => {
    const v = Number(process.env[`${prefix}_${name}`]);
    return Number.isFinite(v) && v > 0 ? v : fallback;
  };
  return {
    scheduledDelayMillis: n('SCHEDULE_DELAY', prefix === 'OTEL_BSP' ? 5000 : 1000),
    maxQueueSize: n('MAX_QUEUE_SIZE', 2048),
    maxExportBatchSize: n('MAX_EXPORT_BATCH_SIZE', 512),
    exportTimeoutMillis: n('EXPORT_TIMEOUT', 30000),
  };
}

let diagInstalled = false;
let lastWarnMs = 0;

/** Export failures (collector down) surface as a warning at most once a minute, not per batch. */
export function installDiagLogger(): void {
  if (diagInstalled) return;
  diagInstalled = true;
  const warn = (message: string, ...args: unknown[]) => {
    const now = Date.now();
    if (now - lastWarnMs < 60_000) return;
    lastWarnMs = now;
    const detail = args
      .map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : ''))
      .filter(Boolean)
      .join(' ');
    log.warn(`OTLP export: ${message}${detail ? ` ${detail}` : ''} (further OTLP warnings suppressed for a minute)`);
  };
  const quiet = () => {};
  diag.setLogger(
    { error: warn, warn, info: quiet, debug: quiet, verbose: quiet },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}
