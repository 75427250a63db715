// `accessLog.otlp`: each access-log record also goes out as an OTLP log record (body "request",
// severity INFO, the record's fields as attributes, the request's trace and span ids), batched
// by the OpenTelemetry SDK's BatchLogRecordProcessor and sent over OTLP/HTTP (protobuf) or gRPC
// off the request path. The SDK and exporter load only when a config asks for the export;
// records emitted in the few milliseconds before they are there wait in `early`.
import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { AnyValue, LogAttributes, Logger, LogRecord } from '@opentelemetry/api-logs';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import { log } from './log.js';
import type { LoggedRequest } from './log-fields.js';
import { batchOptions, installDiagLogger, loadLogExporter } from './otlp-target.js';
import type { RequestRecord } from './record.js';
import type { OtlpLogSettings } from './settings.js';
import type { RequestSummary } from './summary.js';
import type { TraceContext } from './tracing.js';

/** SeverityNumber.INFO in the OTLP data model: the access log's level. */
const INFO = 9;

async function loadProvider(settings: OtlpLogSettings, version: string): Promise<LoggerProvider> {
  const [exporter, { resourceFromAttributes }, { BatchLogRecordProcessor, LoggerProvider }] = await Promise.all([
    loadLogExporter(settings.target),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-logs'),
  ]);
  const resource = resourceFromAttributes({
    'service.name': process.env.OTEL_SERVICE_NAME || 'agentgateway',
    'service.version': version,
  });
  return new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor(exporter, batchOptions('OTEL_BLRP'))] });
}

export class OtlpLogExport {
  private provider: LoggerProvider | null = null;
  private logger: Logger | null = null;
  private early: LogRecord[] = [];
  private readonly loaded: Promise<void>;

  constructor(
    public settings: OtlpLogSettings,
    version: string,
  ) {
    installDiagLogger();
    this.loaded = loadProvider(settings, version).then(
      (provider) => {
        this.provider = provider;
        this.logger = provider.getLogger('agentgateway', version);
        for (const r of this.early) this.logger.emit(r);
        this.early = [];
      },
      (e: Error) => log.error(`accessLog.otlp: cannot load the OpenTelemetry log exporter: ${e.message}`),
    );
  }

  /** A reload to the same collector: new filter and fields, same exporter (its queue is kept). */
  reshape(settings: OtlpLogSettings): void {
    this.settings = settings;
  }

  /** One finished request's record, unless the filter refuses it, with the export's fields. */
  write(s: RequestSummary, record: RequestRecord, req: LoggedRequest): void {
    const shape = this.settings.shape;
    const act = shape.activation(s, req);
    if (shape.accepts(act)) this.emit(shape.shape(s, record, act), s.ctx.trace);
  }

  private emit(fields: Record<string, unknown>, t: TraceContext | null): void {
    const attributes: LogAttributes = {};
    for (const k in fields) {
      const v = fields[k];
      if (v !== undefined && v !== null) attributes[k] = v as AnyValue;
    }
    const record: LogRecord = {
      timestamp: Date.now(),
      severityNumber: INFO,
      severityText: 'INFO',
      body: 'request',
      attributes,
      ...(t !== null ? { context: traceContext(t) } : {}),
    };
    if (this.logger !== null) this.logger.emit(record);
    else if (this.early.length < batchOptions('OTEL_BLRP').maxQueueSize) this.early.push(record);
  }

  /** Sends what is queued and stops the exporter (shutdown, or a reload that changed it). */
  async shutdown(): Promise<void> {
    await this.loaded;
    await this.provider?.shutdown();
  }
}

/** The log record carries the request's trace and the gateway's span, as the line's trace.id/span.id. */
function traceContext(t: TraceContext) {
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: t.traceId,
    spanId: t.spanId,
    traceFlags: t.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
  });
}
