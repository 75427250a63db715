// OpenTelemetry tracing through the real gateway process: spans arrive at an OTLP/HTTP receiver
// run by the test, carry the GenAI semantic-convention attributes, continue the client's W3C
// trace, and the upstream is sent a traceparent naming the gateway's span.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const STATS = await freePort();
const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const UNSAMPLED_TRACE = 'aaaabbbbccccddddeeeeffff00001111';

const mocks = useProviderMocks();
let receiver: OtlpReceiver;
let gw: GatewayProcess;

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  const config = `
frontendPolicies:
  tracing:
    host: 127.0.0.1:${receiver.port}
    randomSampling: true
    resources: {deployment.environment: '"test"'}
binds:
  - port: ${PORT}
    listeners:
      - routes:
          - name: openai
            matches: [{path: {pathPrefix: /openai}}]
            backends: [{ai: {name: openai, provider: {openAI: {model: gpt-4o}}}}]
            policies: {backendAuth: {key: sk-trace-test}}
          - name: anthropic
            matches: [{path: {pathPrefix: /anthropic}}]
            backends: [{ai: {name: anthropic, provider: {anthropic: {model: claude-sonnet-4-5-20250929}}}}]
            policies: {backendAuth: {key: sk-ant-trace-test}}
`;
  gw = await GatewayProcess.start({
    args: ['-c', config, ...mocks.args()],
    env: { STATS_ADDR: `127.0.0.1:${STATS}`, ADMIN_ADDR: 'off', READINESS_ADDR: 'off', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
});

afterAll(async () => {
  await gw.stop();
  await receiver.close();
});

function upstreamTraceparent(up: MockUpstream): { traceId: string; spanId: string; flags: string } {
  const [version, traceId, spanId, flags] = String(up.last.headers.traceparent).split('-');
  expect(version).toBe('00');
  return { traceId: traceId!, spanId: spanId!, flags: flags! };
}

async function spanOf(traceId: string): Promise<ReceivedSpan> {
  await waitUntil(() => receiver.spans.some((s) => s.traceId === traceId), 10_000, `a span of trace ${traceId}`);
  return receiver.spans.find((s) => s.traceId === traceId)!;
}

describe('server spans over OTLP/HTTP', () => {
  it('continues the client trace, propagates the gateway span upstream, and records GenAI attributes', async () => {
    const openai = new OpenAI({
      baseURL: `http://127.0.0.1:${PORT}/openai/v1`,
      apiKey: 'client',
      maxRetries: 0,
      defaultHeaders: { traceparent: `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01` },
    });
    await openai.chat.completions.create({
      model: 'x',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.3,
      top_p: 0.9,
      max_tokens: 64,
    });
    const up = upstreamTraceparent(mocks.openai);
    expect(up.traceId).toBe(CLIENT_TRACE);
    expect(up.spanId).not.toBe(CLIENT_SPAN);
    expect(up.flags).toBe('01');

    const span = await spanOf(CLIENT_TRACE);
    expect(span).toMatchObject({ traceId: CLIENT_TRACE, spanId: up.spanId, parentSpanId: CLIENT_SPAN, name: 'POST /openai', kind: 2 });
    expect(span.endNs).toBeGreaterThan(span.startNs);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.usage.input_tokens': 19,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.max_tokens': 64,
      'http.method': 'POST',
      'http.status': 200,
      route: 'openai',
    });
    expect(span.resource).toMatchObject({ 'service.name': 'agentgateway', 'deployment.environment': 'test' });
    expect(receiver.contentTypes[0]).toBe('application/json');
    // the default (text) access log names the trace and the gateway span, agentgateway-style
    await gw.waitFor(`trace.id=${CLIENT_TRACE}`);
    const line = gw.output.split('\n').find((l) => l.includes(`trace.id=${CLIENT_TRACE}`))!;
    expect(line).toMatch(
      new RegExp(`^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\tinfo\\trequest gateway=bind/${PORT} listener=listener0 route=openai backend=openai `),
    );
    expect(line).toContain(` span.id=${up.spanId} `);
    expect(line).toContain(' gen_ai.request.temperature=0.3 ');
  });

  it('starts a trace for a request without one (randomSampling) on a translated stream, with usage and TTFT', async () => {
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/anthropic/v1`, apiKey: 'client', maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }], stream: true });
    for await (const _ of stream) void _;
    const up = upstreamTraceparent(mocks.anthropic);
    const span = await spanOf(up.traceId);
    expect(span.spanId).toBe(up.spanId);
    expect(span.parentSpanId).toBe('');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-5-20250929',
      'gen_ai.usage.input_tokens': 25,
      'gen_ai.usage.output_tokens': 15,
      'gen_ai.usage.cache_read.input_tokens': 0,
      'gen_ai.usage.cache_creation.input_tokens': 0,
    });
    expect(span.attributes['agw.ai.time_to_first_token']).toBeGreaterThan(0);
  });

  it('an upstream failure is an error span', async () => {
    mocks.openai.handler = (_req, res) => void res.destroy();
    const r = await fetch(`http://127.0.0.1:${PORT}/openai/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }),
    }).finally(() => mocks.openai.reset());
    // a connection reset by the upstream is a 503 (upstream_reset in src/errors.ts)
    expect(r.status).toBe(503);
    await waitUntil(() => receiver.spans.some((s) => s.attributes['http.status'] === 503), 10_000, 'the error span');
    const span = receiver.spans.find((s) => s.attributes['http.status'] === 503)!;
    expect(span.status.code).toBe(2);
    expect(span.attributes.reason).toBe('UpstreamFailure');
    expect(String(span.attributes.error)).not.toBe('');
  });

  it('an unsampled client trace is propagated (with the gateway span) but not exported', async () => {
    const r = await fetch(`http://127.0.0.1:${PORT}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { traceparent: `00-${UNSAMPLED_TRACE}-${CLIENT_SPAN}-00` },
      body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'Hi' }] }),
    });
    expect(r.status).toBe(200);
    const up = upstreamTraceparent(mocks.openai);
    expect(up).toMatchObject({ traceId: UNSAMPLED_TRACE, flags: '00' });
    expect(up.spanId).not.toBe(CLIENT_SPAN);
    // shutting down flushes every queued span: none of them may belong to the unsampled trace
    expect(await gw.stop()).toBe(0);
    expect(receiver.spans.length).toBeGreaterThanOrEqual(3);
    expect(receiver.spans.some((s) => s.traceId === UNSAMPLED_TRACE)).toBe(false);
  });
});
