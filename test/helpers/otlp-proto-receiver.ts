// An OTLP collector for tests that speaks the real protocols: the gRPC TraceService and
// LogsService (unary Export, served by @grpc/grpc-js) and OTLP/HTTP with protobuf bodies
// (POST /v1/traces, /v1/logs, application/x-protobuf). Messages are decoded with the codecs the
// OpenTelemetry JS SDK generates from the official opentelemetry-proto definitions
// (@opentelemetry/otlp-transformer), and flattened into spans and log records with plain
// attribute values.
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';

type Attr = string | number | boolean | unknown[] | Record<string, unknown>;

export interface ProtoSpan {
  via: 'grpc' | 'http';
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  status: { code: number; message: string };
  attributes: Record<string, Attr>;
  resource: Record<string, Attr>;
}

export interface ProtoLogRecord {
  via: 'grpc' | 'http';
  timeUnixNano: bigint;
  severityNumber: number;
  severityText: string;
  body: Attr | undefined;
  traceId: string;
  spanId: string;
  attributes: Record<string, Attr>;
  resource: Record<string, Attr>;
  scope: string;
}

type Codec = { decode(b: Uint8Array): any; encode(m: object): { finish(): Uint8Array } };

const root = createRequire(import.meta.url)('@opentelemetry/otlp-transformer/build/src/generated/root.js').opentelemetry.proto;
const TRACES = {
  request: root.collector.trace.v1.ExportTraceServiceRequest as Codec,
  response: root.collector.trace.v1.ExportTraceServiceResponse as Codec,
  path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
};
const LOGS = {
  request: root.collector.logs.v1.ExportLogsServiceRequest as Codec,
  response: root.collector.logs.v1.ExportLogsServiceResponse as Codec,
  path: '/opentelemetry.proto.collector.logs.v1.LogsService/Export',
};

const has = (o: object, k: string) => Object.hasOwn(o, k);
const hex = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('hex') : '');
const num = (v: unknown) => (typeof v === 'object' && v !== null ? Number(String(v)) : Number(v ?? 0));

function anyValue(v: any): Attr | undefined {
  if (v === undefined || v === null) return undefined;
  if (has(v, 'stringValue')) return v.stringValue;
  if (has(v, 'boolValue')) return v.boolValue;
  if (has(v, 'intValue')) return num(v.intValue);
  if (has(v, 'doubleValue')) return v.doubleValue;
  if (has(v, 'arrayValue')) return (v.arrayValue.values ?? []).map(anyValue);
  if (has(v, 'kvlistValue')) return attributes(v.kvlistValue.values);
  if (has(v, 'bytesValue')) return hex(v.bytesValue);
  return undefined;
}

function attributes(kvs: any[] | undefined): Record<string, Attr> {
  const out: Record<string, Attr> = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value) ?? '';
  return out;
}

export class OtlpProtoReceiver {
  readonly spans: ProtoSpan[] = [];
  readonly logs: ProtoLogRecord[] = [];
  /** gRPC metadata and HTTP headers of every export, with the path it came on. */
  readonly exports: { via: 'grpc' | 'http'; path: string; headers: Record<string, string> }[] = [];
  grpcPort = 0;

  private constructor(
    private readonly http: Server,
    private readonly grpcServer: grpc.Server,
  ) {}

  static async start(): Promise<OtlpProtoReceiver> {
    const grpcServer = new grpc.Server();
    const http = createServer();
    const r = new OtlpProtoReceiver(http, grpcServer);
    for (const svc of [TRACES, LOGS]) {
      const definition = {
        Export: {
          path: svc.path,
          requestStream: false,
          responseStream: false,
          requestSerialize: (m: object) => Buffer.from(svc.request.encode(m).finish()),
          requestDeserialize: (b: Buffer) => svc.request.decode(b),
          responseSerialize: (m: object) => Buffer.from(svc.response.encode(m).finish()),
          responseDeserialize: (b: Buffer) => svc.response.decode(b),
        },
      };
      grpcServer.addService(definition, {
        Export: (call: grpc.ServerUnaryCall<object, object>, done: grpc.sendUnaryData<object>) => {
          r.exports.push({ via: 'grpc', path: svc.path, headers: flatMetadata(call.metadata) });
          try {
            r.accept(svc === TRACES ? 'traces' : 'logs', call.request, 'grpc');
            done(null, {});
          } catch (e) {
            console.error(e);
            done(e as Error);
          }
        },
      });
    }
    http.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const svc = req.url === '/v1/traces' ? TRACES : req.url === '/v1/logs' ? LOGS : null;
        if (req.method !== 'POST' || svc === null || req.headers['content-type'] !== 'application/x-protobuf') {
          res.writeHead(svc === null ? 404 : 415).end();
          return;
        }
        r.exports.push({ via: 'http', path: req.url!, headers: req.headers as Record<string, string> });
        r.accept(svc === TRACES ? 'traces' : 'logs', svc.request.decode(Buffer.concat(chunks)), 'http');
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(Buffer.from(svc.response.encode({}).finish()));
      });
    });
    r.grpcPort = await new Promise<number>((ok, fail) =>
      grpcServer.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, port) => (e ? fail(e) : ok(port))),
    );
    await new Promise<void>((ok) => http.listen(0, '127.0.0.1', ok));
    return r;
  }

  get httpPort(): number {
    return (this.http.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.http.closeAllConnections();
    await new Promise((ok) => this.http.close(ok));
    this.grpcServer.forceShutdown();
  }

  private accept(signal: 'traces' | 'logs', req: any, via: 'grpc' | 'http'): void {
    if (signal === 'traces') {
      for (const rs of req.resourceSpans ?? []) {
        const resource = attributes(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            this.spans.push({
              via,
              traceId: hex(s.traceId),
              spanId: hex(s.spanId),
              parentSpanId: hex(s.parentSpanId),
              name: s.name,
              kind: s.kind,
              status: { code: s.status?.code ?? 0, message: s.status?.message ?? '' },
              attributes: attributes(s.attributes),
              resource,
            });
          }
        }
      }
      return;
    }
    for (const rl of req.resourceLogs ?? []) {
      const resource = attributes(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const l of sl.logRecords ?? []) {
          this.logs.push({
            via,
            timeUnixNano: BigInt(String(l.timeUnixNano ?? 0)),
            severityNumber: l.severityNumber ?? 0,
            severityText: l.severityText ?? '',
            body: anyValue(l.body),
            traceId: hex(l.traceId),
            spanId: hex(l.spanId),
            attributes: attributes(l.attributes),
            resource,
            scope: sl.scope?.name ?? '',
          });
        }
      }
    }
  }
}

function flatMetadata(m: grpc.Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.getMap())) out[k] = String(v);
  return out;
}
