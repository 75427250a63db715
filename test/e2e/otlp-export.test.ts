// Telemetry out over the real OTLP protocols, through the real gateway process driven by the
// OpenAI SDK: server spans over gRPC (frontendPolicies.tracing protocol: grpc, and the
// deprecated config.tracing form with its headers as gRPC metadata), access-log records as OTLP
// log records over gRPC and over HTTP/protobuf (accessLog.otlp), shaped by the CEL accessLog
// filter / add / remove; and a bad CEL expression refused with file, line and YAML path.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFile } from '../helpers/admin-client.js';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { OtlpProtoReceiver, type ProtoLogRecord, type ProtoSpan } from '../helpers/otlp-proto-receiver.js';
import { freePort } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { waitUntil } from '../helpers/wait.js';

const GRPC_GW = await freePort();
const HTTP_GW = await freePort();
const BACKEND_KEY = 'sk-otlp-backend-secret';
const CLIENT_KEY = 'client-otlp-secret';
const PROMPT = 'the words of a private prompt';

const mocks = useProviderMocks();
let receiver: OtlpProtoReceiver;
let grpcGw: GatewayProcess;
let httpGw: GatewayProcess;

function routes(port: number): string {
  return `
binds:
  - port: ${port}
    listeners:
      - routes:
          - name: openai
            matches: [{path: {pathPrefix: /openai}}]
            backends: [{ai: {name: openai, provider: {openAI: {model: gpt-4o}}}}]
            policies: {backendAuth: {key: ${BACKEND_KEY}}}
`;
}

beforeAll(async () => {
  receiver = await OtlpProtoReceiver.start();
  const env = { OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_BLRP_SCHEDULE_DELAY: '50' };
  // Everything over gRPC; the access log (stdout, JSON) and its OTLP export share filter and fields.
  grpcGw = await GatewayProcess.start({
    args: [
      '-c',
      `
config: {logging: {format: json}}
frontendPolicies:
  tracing: {host: 127.0.0.1:${receiver.grpcPort}, protocol: grpc, randomSampling: true}
  accessLog:
    filter: '!("x-no-log" in request.headers)'
    add:
      client: request.headers["x-client"]
      asked: llm.requestModel
      ok: response.code == 200
      absent: request.headers["x-not-sent"]
    remove: [src.addr, http.host]
    otlp: {host: 127.0.0.1:${receiver.grpcPort}, protocol: grpc}
${routes(GRPC_GW)}`,
      ...mocks.args(),
    ],
    env,
    timeoutMs: 30_000,
  });
  // Deprecated tracing form over gRPC; logs over HTTP/protobuf with their own filter and fields.
  httpGw = await GatewayProcess.start({
    args: [
      '-c',
      `
config:
  tracing:
    otlpEndpoint: http://127.0.0.1:${receiver.grpcPort}
    otlpProtocol: grpc
    headers: {x-tenant: tenant-7}
    randomSampling: true
frontendPolicies:
  accessLog:
    otlp:
      host: 127.0.0.1:${receiver.httpPort}
      filter: response.code >= 400
      fields: {add: {status_class: 'string(response.code / 100) + "xx"'}, remove: [http.version]}
${routes(HTTP_GW)}`,
      ...mocks.args(),
    ],
    env,
    timeoutMs: 30_000,
  });
});

afterAll(async () => {
  await grpcGw?.stop();
  await httpGw?.stop();
  await receiver?.close();
});

function client(port: number, headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `http://127.0.0.1:${port}/openai/v1`, apiKey: CLIENT_KEY, maxRetries: 0, defaultHeaders: headers });
}

async function chat(port: number, headers: Record<string, string> = {}): Promise<string> {
  const r = await client(port, headers)
    .chat.completions.create({ model: 'asked-model', messages: [{ role: 'user', content: PROMPT }] })
    .withResponse();
  expect(r.response.status).toBe(200);
  // the gateway's span id travels upstream in the traceparent it sends
  return String(mocks.openai.last.headers.traceparent).split('-')[1]!;
}

async function spanOf(traceId: string): Promise<ProtoSpan> {
  await waitUntil(() => receiver.spans.some((s) => s.traceId === traceId), 10_000, `a span of trace ${traceId}`);
  return receiver.spans.find((s) => s.traceId === traceId)!;
}

async function logOf(traceId: string): Promise<ProtoLogRecord> {
  await waitUntil(() => receiver.logs.some((l) => l.traceId === traceId), 10_000, `a log record of trace ${traceId}`);
  return receiver.logs.find((l) => l.traceId === traceId)!;
}

/** Nothing exported or logged may carry a credential or the prompt. */
function expectNoSecrets(text: string): void {
  for (const secret of [BACKEND_KEY, CLIENT_KEY, PROMPT]) expect(text).not.toContain(secret);
}

describe('OTLP over gRPC: spans and access-log records', () => {
  it('a server span with GenAI attributes and a log record shaped by add/remove, both on the request trace', async () => {
    const traceId = await chat(GRPC_GW, { 'x-client': 'team-a' });
    const span = await spanOf(traceId);
    expect(span).toMatchObject({ via: 'grpc', name: 'POST /openai', kind: 2 });
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.usage.input_tokens': 19,
      'http.status': 200,
      route: 'openai',
    });
    expect(span.resource).toMatchObject({ 'service.name': 'agentgateway' });

    const rec = await logOf(traceId);
    expect(rec).toMatchObject({ via: 'grpc', body: 'request', severityNumber: 9, severityText: 'INFO', spanId: span.spanId });
    expect(rec.resource).toMatchObject({ 'service.name': 'agentgateway' });
    expect(rec.attributes).toMatchObject({
      'http.method': 'POST',
      'http.path': '/openai/v1/chat/completions',
      'http.status': 200,
      'gen_ai.request.model': 'gpt-4o',
      client: 'team-a',
      asked: 'asked-model',
      ok: true,
    });
    // removed fields, and an added field whose expression failed (the header is absent)
    expect(Object.keys(rec.attributes)).not.toContain('src.addr');
    expect(Object.keys(rec.attributes)).not.toContain('http.host');
    expect(Object.keys(rec.attributes)).not.toContain('absent');

    // the stdout line is shaped the same way
    await grpcGw.waitFor(`"trace.id":"${traceId}"`);
    const line = JSON.parse(grpcGw.output.split('\n').find((l) => l.includes(`"trace.id":"${traceId}"`))!);
    expect(line).toMatchObject({ msg: 'request', client: 'team-a', asked: 'asked-model', ok: true, 'http.status': 200 });
    expect(line['src.addr']).toBeUndefined();
    expect(line.absent).toBeUndefined();
  });

  it('accessLog.filter drops what it refuses from the line and the export (the span stays)', async () => {
    const dropped = await chat(GRPC_GW, { 'x-no-log': '1' });
    const kept = await chat(GRPC_GW);
    await spanOf(dropped);
    await logOf(kept);
    // records are batched in order: the one after the dropped request has arrived, so would it
    await grpcGw.waitFor(`"trace.id":"${kept}"`);
    expect(receiver.logs.some((l) => l.traceId === dropped)).toBe(false);
    expect(grpcGw.output).not.toContain(dropped);
  });

  it('the deprecated config.tracing form exports over gRPC with its headers as metadata', async () => {
    const traceId = await chat(HTTP_GW);
    const span = await spanOf(traceId);
    expect(span.via).toBe('grpc');
    const exp = receiver.exports.find((e) => e.via === 'grpc' && e.path.includes('TraceService') && e.headers['x-tenant']);
    expect(exp?.headers['x-tenant']).toBe('tenant-7');
  });
});

describe('accessLog.otlp over HTTP/protobuf with its own filter and fields', () => {
  it('exports only what its filter accepts, with its own added and removed fields', async () => {
    const ok = await chat(HTTP_GW);
    let failedTrace = '';
    mocks.openai.handler = (req, res) => {
      failedTrace = String(req.headers.traceparent).split('-')[1]!;
      res.writeHead(429, { 'content-type': 'application/json' }).end('{"error":{"message":"slow down","type":"rate_limit_error"}}');
    };
    const failed = await client(HTTP_GW)
      .chat.completions.create({ model: 'x', messages: [{ role: 'user', content: PROMPT }] })
      .catch((e: { status: number }) => e.status)
      .finally(() => mocks.openai.reset());
    expect(failed).toBe(429);
    const rec = await logOf(failedTrace);
    expect(rec.via).toBe('http');
    expect(rec.attributes).toMatchObject({ 'http.status': 429, status_class: '4xx', route: 'openai' });
    expect(Object.keys(rec.attributes)).not.toContain('http.version');
    // the access log's own (default) fields are untouched by the export's: src.addr stays
    expect(rec.attributes['src.addr']).toBeDefined();
    expect(receiver.logs.some((l) => l.traceId === ok)).toBe(false);
    expect(
      receiver.exports.some((e) => e.via === 'http' && e.path === '/v1/logs' && e.headers['content-type'] === 'application/x-protobuf'),
    ).toBe(true);
  });

  it('no credential and no message content in anything exported or logged', async () => {
    await waitUntil(() => receiver.logs.length >= 2, 10_000, 'log records');
    expectNoSecrets(JSON.stringify(receiver.spans));
    expectNoSecrets(JSON.stringify(receiver.logs, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
    expectNoSecrets(grpcGw.output);
    expectNoSecrets(httpGw.output);
  });
});

describe('CEL errors in accessLog are config errors', () => {
  it('--validate-only names the file, line and YAML path of a bad filter and a refused field', async () => {
    const f = configFile(
      `frontendPolicies:\n  accessLog:\n    filter: response.code >>= 400\n    add:\n      prompt_body: request.body\n${routes(1)}`,
    );
    const r = await runCli(['--validate-only', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${f}:3:13: frontendPolicies.accessLog.filter: CEL syntax error`);
    expect(r.stderr).toContain(
      `${f}:5:20: frontendPolicies.accessLog.add.prompt_body: request.body is message content and is never logged`,
    );
  });
});
