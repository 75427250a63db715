// OpenTelemetry tracing: one SERVER span per request, exported over OTLP in batches: HTTP (JSON)
// or gRPC (protobuf), see otlp-target.ts.
// As in agentgateway (telemetry/trc.rs), the span is not an SDK Span object living through the
// request: begin() only decides sampling and picks the ids (so the upstream can be sent our
// traceparent), and end() builds the finished span from the request summary and hands it to the
// SDK's BatchSpanProcessor, whose exporter serialises and sends off the request path. With no
// tracing configured none of this runs.
import { SpanKind, SpanStatusCode, TraceFlags, type Attributes, type HrTime, type SpanContext } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { BatchSpanProcessor, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { log } from './log.js';
import { batchOptions, installDiagLogger, loadSpanExporter } from './otlp-target.js';
import type { RequestRecord } from './record.js';
import type { TracingSettings } from './settings.js';
import type { RequestSummary } from './summary.js';
import { formatTraceParent, newSpanId, newTraceId, parseTraceParent } from './traceparent.js';

export interface TraceContext {
  readonly traceId: string;
  /** The gateway's span: the parent of whatever the upstream records. */
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly sampled: boolean;
  /** Sent upstream in place of the client's. */
  readonly traceparent: string;
  readonly tracer: Tracer;
}

/**
 * Access-log fields a span already carries in its own structure (ids, start and end) or as
 * network.protocol.version. Serialising the OTLP JSON is most of what a sampled span costs,
 * roughly in proportion to its attributes.
 */
const REDUNDANT = new Set(['trace.id', 'span.id', 'duration', 'http.version']);

/**
 * The OpenTelemetry SDK and exporter (~20 MB resident) load only when a config turns tracing
 * on; spans that end in the few milliseconds before they are there wait in `early`.
 */
async function loadExporter(settings: TracingSettings, version: string): Promise<{ processor: BatchSpanProcessor; resource: Resource }> {
  const [exporter, { resourceFromAttributes }, { BatchSpanProcessor }] = await Promise.all([
    loadSpanExporter(settings.target),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const resource = resourceFromAttributes({
    'service.name': process.env.OTEL_SERVICE_NAME || 'agentgateway',
    'service.version': version,
    ...settings.resource,
  });
  return { processor: new BatchSpanProcessor(exporter, batchOptions('OTEL_BSP')), resource };
}

export class Tracer {
  private processor: BatchSpanProcessor | null = null;
  private resource: Resource | null = null;
  /** Spans ended before the exporter loaded (bounded like the processor's queue). */
  private early: ReadableSpan[] = [];
  private readonly loaded: Promise<void>;
  private readonly hasExtra: boolean;
  private readonly scope: { name: string; version: string };

  constructor(
    readonly settings: TracingSettings,
    version: string,
  ) {
    this.scope = { name: 'agentgateway', version };
    this.hasExtra = Object.keys(settings.attributes).length > 0;
    installDiagLogger();
    this.loaded = loadExporter(settings, version).then(
      ({ processor, resource }) => {
        this.processor = processor;
        this.resource = resource;
        for (const span of this.early) processor.onEnd({ ...span, resource });
        this.early = [];
      },
      (e: Error) => log.error(`tracing: cannot load the OpenTelemetry exporter: ${e.message}`),
    );
  }

  /**
   * Continues the client's trace (clientSampling decides, and an unsampled client trace stays
   * unsampled) or starts one (randomSampling decides). Null when there is nothing to record
   * or continue: the request then carries no trace state at all.
   */
  begin(header: string | undefined): TraceContext | null {
    const parent = parseTraceParent(header);
    const s = this.settings;
    const sampled = parent !== undefined ? (parent.flags & 1) === 1 && chance(s.clientSampling) : chance(s.randomSampling);
    if (parent === undefined && !sampled) return null;
    const traceId = parent?.traceId ?? newTraceId();
    const spanId = newSpanId();
    return {
      traceId,
      spanId,
      parentSpanId: parent?.spanId,
      sampled,
      traceparent: formatTraceParent(traceId, spanId, sampled),
      tracer: this,
    };
  }

  end(t: TraceContext, s: RequestSummary, record: RequestRecord): void {
    if (!t.sampled) return;
    const endMs = performance.timeOrigin + performance.now();
    const startMs = endMs - s.durationS * 1000;
    const context: SpanContext = { traceId: t.traceId, spanId: t.spanId, traceFlags: TraceFlags.SAMPLED };
    const failed = s.status >= 500 || s.ctx.error?.source === 'upstream';
    const span: ReadableSpan = {
      name: spanName(s),
      kind: SpanKind.SERVER,
      spanContext: () => context,
      ...(t.parentSpanId !== undefined
        ? { parentSpanContext: { traceId: t.traceId, spanId: t.parentSpanId, traceFlags: TraceFlags.SAMPLED, isRemote: true } }
        : {}),
      startTime: hrTime(startMs),
      endTime: hrTime(endMs),
      duration: hrTime(s.durationS * 1000),
      status: failed
        ? { code: SpanStatusCode.ERROR, ...(s.error !== undefined ? { message: s.error } : {}) }
        : { code: SpanStatusCode.UNSET },
      attributes: this.attributes(record),
      links: [],
      events: [],
      ended: true,
      resource: this.resource as Resource,
      instrumentationScope: this.scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
    if (this.processor !== null) this.processor.onEnd(span);
    else if (this.early.length < batchOptions('OTEL_BSP').maxQueueSize) this.early.push(span);
  }

  /** Sends what is queued and stops the exporter (shutdown, or a reload that changed it). */
  async shutdown(): Promise<void> {
    await this.loaded;
    await this.processor?.shutdown();
  }

  private attributes(record: RequestRecord): Attributes {
    const remove = this.settings.remove;
    const out: Attributes = { 'url.scheme': 'http', 'network.protocol.version': '1.1' };
    for (const k in record) {
      const v = record[k];
      if (v !== undefined && !REDUNDANT.has(k) && !remove.has(k)) out[k] = v;
    }
    return this.hasExtra ? Object.assign(out, this.settings.attributes) : out;
  }
}

function chance(p: number): boolean {
  return p >= 1 || (p > 0 && Math.random() < p);
}

/** agentgateway names server spans "<METHOD> <path match>", and MCP ones by the MCP method. */
function spanName(s: RequestSummary): string {
  const ctx = s.ctx;
  if (ctx.mcp !== null && ctx.mcp.method !== '') return ctx.mcp.method;
  return ctx.route === null ? ctx.down.method : `${ctx.down.method} ${ctx.routePrefix || '/'}`;
}

function hrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
