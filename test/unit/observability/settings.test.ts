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
      url: 'http://collector:4318/v1/traces',
      randomSampling: 0,
      clientSampling: 1,
      resource: { 'service.name': 'my-gw' },
    });
  });

  it('deprecated config.tracing is accepted, but not together with frontendPolicies.tracing', () => {
    const legacy = settings({ config: { tracing: { otlpEndpoint: 'http://localhost:4318', randomSampling: 0.25 } } });
    expect(legacy.s.tracing).toMatchObject({ url: 'http://localhost:4318/v1/traces', randomSampling: 0.25 });
    const both = settings({ config: { tracing: { otlpEndpoint: 'http://a:1' } }, frontendPolicies: { tracing: { host: 'b:2' } } });
    expect(both.problems).toEqual(['config.tracing: cannot use deprecated config.tracing together with frontendPolicies.tracing']);
  });

  it('rejects OTLP over gRPC with a way out', () => {
    expect(settings({ frontendPolicies: { tracing: { host: 'c:4317', protocol: 'grpc' } } }).problems[0]).toMatch(
      /gRPC is not supported; use protocol: http/,
    );
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
  it('accessLog.add takes llm.prompt and request headers, refuses credentials and unknown expressions', () => {
    const { s, problems } = settings({
      frontendPolicies: {
        accessLog: {
          add: {
            prompt: 'llm.prompt',
            ua: 'request.headers["user-agent"]',
            team: "request.headers['X-Team']",
            auth: 'request.headers.authorization',
            x: 'jwt.sub',
          },
          remove: ['src.addr'],
        },
      },
    });
    expect(s.accessLogAdd).toEqual([
      { name: 'prompt', kind: 'prompt' },
      { name: 'ua', kind: 'header', header: 'user-agent' },
      { name: 'team', kind: 'header', header: 'x-team' },
    ]);
    expect(problems).toEqual([
      'frontendPolicies.accessLog.add.auth: "authorization" carries credentials and is never logged',
      'frontendPolicies.accessLog.add.x: unsupported expression "jwt.sub" (supported until CEL lands: llm.prompt, request.headers["name"])',
    ]);
    expect([...s.accessLogRemove]).toEqual(['src.addr']);
  });

  it('metric names to remove are accepted with or without the agentgateway_ prefix', () => {
    const { s } = settings({ config: { metrics: { remove: ['requests_total', 'agentgateway_gen_ai_client_cost_usd_total'] } } });
    expect([...s.metricsRemove]).toEqual(['agentgateway_requests_total', 'agentgateway_gen_ai_client_cost_usd_total']);
  });
});

describe('observability errors are config errors with positions', () => {
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
