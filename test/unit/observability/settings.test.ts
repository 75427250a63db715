import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ConfigT } from '../../../src/config/schema/root.js';
import { compileObservability, type Path } from '../../../src/observability/settings.js';
import { compile } from '../../../src/runtime/compile.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

function settings(config: ConfigT) {
  const problems: string[] = [];
  const s = compileObservability(config, '.', (path: Path, message: string) => problems.push(`${path.join('.')}: ${message}`));
  return { s, problems };
}

describe('tracing settings', () => {
  it('frontendPolicies.tracing: OTLP/HTTP URL and agentgateway sampling defaults (no new traces, continue client traces)', () => {
    const { s, problems } = settings({
      frontendPolicies: { tracing: { host: 'collector:4318', resources: { 'service.name': '"my-gw"' } } },
    });
    expect(problems).toEqual([]);
    expect(s.tracing).toMatchObject({
      target: { protocol: 'http', url: 'http://collector:4318/v1/traces' },
      randomSampling: 0,
      clientSampling: 1,
      resource: { 'service.name': 'my-gw' },
    });
  });

  it('deprecated config.tracing is accepted, but not together with frontendPolicies.tracing', () => {
    const legacy = settings({ config: { tracing: { otlpEndpoint: 'http://localhost:4318', randomSampling: 0.25 } } });
    expect(legacy.s.tracing).toMatchObject({ target: { url: 'http://localhost:4318/v1/traces' }, randomSampling: 0.25 });
    const both = settings({ config: { tracing: { otlpEndpoint: 'http://a:1' } }, frontendPolicies: { tracing: { host: 'b:2' } } });
    expect(both.problems).toEqual(['config.tracing: cannot use deprecated config.tracing together with frontendPolicies.tracing']);
  });

  it('OTLP over gRPC: the collector origin (gRPC has no path), TLS when backendTLS is set, legacy otlpProtocol too', () => {
    const plain = settings({ frontendPolicies: { tracing: { host: 'c:4317', protocol: 'grpc', path: '/ignored' } } });
    expect(plain.problems).toEqual([]);
    expect(plain.s.tracing!.target).toMatchObject({ protocol: 'grpc', url: 'http://c:4317' });
    const tls = settings({
      frontendPolicies: { tracing: { host: 'c:4317', protocol: 'grpc', policies: { backendTLS: { insecure: true } } } },
    });
    expect(tls.s.tracing!.target).toMatchObject({ protocol: 'grpc', url: 'https://c:4317', insecure: true });
    const legacy = settings({ config: { tracing: { otlpEndpoint: 'http://c:4317', otlpProtocol: 'grpc', headers: { 'x-tenant': 'a' } } } });
    expect(legacy.s.tracing!.target).toEqual({
      protocol: 'grpc',
      url: 'http://c:4317',
      headers: { 'x-tenant': 'a' },
      ca: undefined,
      insecure: false,
    });
  });

  it('the same settings give the same key (a reload keeps the exporter), different ones another', () => {
    const a = settings({ frontendPolicies: { tracing: { host: 'c:4318' } } }).s.tracing!;
    const b = settings({ frontendPolicies: { tracing: { host: 'c:4318' } } }).s.tracing!;
    const c = settings({ frontendPolicies: { tracing: { host: 'c:4318', randomSampling: true } } }).s.tracing!;
    expect(a.key).toBe(b.key);
    expect(a.key).not.toBe(c.key);
  });
});

describe('access-log and metrics settings', () => {
  it('accessLog.add takes CEL expressions and llm.prompt; refuses credentials, bodies and bad CEL', () => {
    const { s, problems } = settings({
      frontendPolicies: {
        accessLog: {
          filter: 'response.code >= 400',
          add: {
            prompt: 'llm.prompt',
            ua: 'request.headers["user-agent"]',
            who: 'jwt.sub',
            auth: 'request.headers.authorization',
            key: "request.headers['X-Api-Key']",
            body: 'request.body',
            messages: 'llmRequest.messages',
            bad: 'request.method ==',
            unknown: 'nosuch.field',
          },
          remove: ['src.addr'],
        },
      },
    });
    expect(s.accessLog.add.map((a) => [a.name, a.kind])).toEqual([
      ['prompt', 'prompt'],
      ['ua', 'cel'],
      ['who', 'cel'],
    ]);
    expect(s.accessLog.filter?.source).toBe('response.code >= 400');
    expect(problems.map((p) => p.replace(/\(at column.*$/, ''))).toEqual([
      'frontendPolicies.accessLog.add.auth: "authorization" carries credentials and is never logged',
      'frontendPolicies.accessLog.add.key: "x-api-key" carries credentials and is never logged',
      'frontendPolicies.accessLog.add.body: request.body is message content and is never logged (llm.prompt logs the prompt when asked for by name)',
      expect.stringMatching(/^frontendPolicies\.accessLog\.add\.messages: CEL variable llmRequest is not available here/),
      expect.stringMatching(/^frontendPolicies\.accessLog\.add\.bad: CEL syntax error/),
      expect.stringMatching(/^frontendPolicies\.accessLog\.add\.unknown: CEL /),
    ]);
    expect([...s.accessLog.remove]).toEqual(['src.addr']);
  });

  it('accessLog.filter must be a bool expression', () => {
    expect(settings({ frontendPolicies: { accessLog: { filter: 'request.path' } } }).problems).toEqual([
      expect.stringMatching(/^frontendPolicies\.accessLog\.filter: CEL expression must evaluate to bool, not string/),
    ]);
  });

  it("accessLog.otlp: /v1/logs over HTTP by default, grpc on request; its own filter and fields, else the access log's", () => {
    const inherit = settings({
      frontendPolicies: { accessLog: { filter: 'response.code == 200', remove: ['src.addr'], otlp: { host: 'c:4318' } } },
    }).s;
    expect(inherit.accessLogOtlp!.target).toMatchObject({ protocol: 'http', url: 'http://c:4318/v1/logs' });
    expect(inherit.accessLogOtlp!.shape).toBe(inherit.accessLog);
    const own = settings({
      frontendPolicies: {
        accessLog: {
          remove: ['src.addr'],
          otlp: { host: 'c:4317', protocol: 'grpc', filter: 'response.code >= 500', fields: { add: { m: 'request.method' } } },
        },
      },
    }).s;
    expect(own.accessLogOtlp!.target).toMatchObject({ protocol: 'grpc', url: 'http://c:4317' });
    expect(own.accessLogOtlp!.shape.filter?.source).toBe('response.code >= 500');
    expect([...own.accessLogOtlp!.shape.remove]).toEqual([]);
    expect(own.accessLogOtlp!.shape.add.map((a) => a.name)).toEqual(['m']);
  });

  it('metric names to remove are accepted with or without the agentgateway_ prefix', () => {
    const { s } = settings({ config: { metrics: { remove: ['requests_total', 'agentgateway_gen_ai_client_cost_usd_total'] } } });
    expect([...s.metricsRemove]).toEqual(['agentgateway_requests_total', 'agentgateway_gen_ai_client_cost_usd_total']);
  });
});

describe('observability errors are config errors with positions', () => {
  it('a bad CEL expression in accessLog.otlp.filter names file, line, YAML path and column', () => {
    const yaml =
      'binds:\n- port: 1\n  listeners: [{routes: []}]\nfrontendPolicies:\n  accessLog:\n    otlp:\n      host: c:4317\n      filter: response.code >>= 400\n';
    expect(() => compile(parseConfig(yaml, 'obs.yaml', {}), new PoolFactory(new ConnectOverrides()), 1)).toThrow(
      /^obs\.yaml:8:15: frontendPolicies\.accessLog\.otlp\.filter: CEL syntax error/,
    );
  });

  it('names file, line and YAML path', () => {
    const yaml =
      'binds:\n- port: 1\n  listeners: [{routes: []}]\nfrontendPolicies:\n  accessLog:\n    add:\n      key: request.headers["x-api-key"]\n';
    const loaded = parseConfig(yaml, 'obs.yaml', {});
    let err: unknown;
    try {
      compile(loaded, new PoolFactory(new ConnectOverrides()), 1);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(
      'obs.yaml:7:12: frontendPolicies.accessLog.add.key: "x-api-key" carries credentials and is never logged',
    );
  });
});
