// sessionAffinity and promptCaching in the config: where they may go, what they compile to, and
// the mistakes that are config errors or warnings instead of silently doing nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { AiGroupsRt, ModelRouterRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const pools = new PoolFactory(new ConnectOverrides());
const live = new LiveState();
afterAll(() => live.closeAll());

function build(yaml: string) {
  const scope = live.begin();
  try {
    const r = compile(parseConfig(yaml, 'a.yaml', {}), pools, 1, { live: scope });
    scope.commit();
    return r;
  } catch (e) {
    scope.abort();
    throw e;
  }
}

function problems(yaml: string): string[] {
  try {
    build(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const backend = (r: ReturnType<typeof build>) =>
  [...r.snapshot.binds.values()][0]!.listeners[0]!.routes.routes[0]!.backends[0] as AiGroupsRt;

const binds = (backendPolicies: string, providerPolicies = '', routePolicies = '') => `binds:
- port: 4498
  listeners:
  - routes:
    - name: chat
      policies: {ai: {routes: {/v1/messages: messages}}${routePolicies}}
      backends:
      - ai:
          groups:
          - providers:
            - {name: east, provider: {anthropic: {model: c}}, hostOverride: "127.0.0.1:1"${providerPolicies}}
            - {name: west, provider: {anthropic: {model: c}}, hostOverride: "127.0.0.1:2"}
        policies: {${backendPolicies}}
`;

describe('sessionAffinity on binds', () => {
  it("takes agentgateway's source alone, with the defaults for the rest", () => {
    const a = backend(build(binds('sessionAffinity: {source: "request.headers[\\"x-session-id\\"]"}'))).affinity!;
    expect(a.policy.source).not.toBeNull();
    expect(a.policy).toMatchObject({ prefix: null, ttlMs: 300_000, maxLoad: 1.5, redis: null });
    expect(a.sessions.names).toEqual([['east', 'west']]);
  });

  it('takes the prompt-prefix extension, ttl, maxLoad and Redis pins', () => {
    const r = build(
      binds(
        'sessionAffinity: {prefix: {messages: 2, maxBytes: 4096}, ttl: 10m, maxLoad: 2, redis: {url: "redis://127.0.0.1:1", domain: fleet}}',
      ),
    );
    const a = backend(r).affinity!;
    expect(a.policy).toMatchObject({ source: null, prefix: { messages: 2, maxChars: 4096 }, ttlMs: 600_000, maxLoad: 2 });
    expect(a.pins).not.toBeNull();
    expect(a.domain).toBe('fleet');
  });

  it('applies from the route too; the backend’s wins', () => {
    const a = backend(build(binds('sessionAffinity: {ttl: 1m}', '', ', sessionAffinity: {ttl: 2m}'))).affinity!;
    expect(a.policy.ttlMs).toBe(60_000);
    expect(backend(build(binds('', '', ', sessionAffinity: {ttl: 2m}'))).affinity!.policy.ttlMs).toBe(120_000);
  });

  it('keeps the session table across a reload that keeps the providers, not one that changes them', () => {
    const yaml = binds('sessionAffinity: {prefix: {}}');
    const before = backend(build(yaml)).affinity!.sessions;
    expect(backend(build(yaml)).affinity!.sessions).toBe(before);
    expect(backend(build(yaml.replace('name: west', 'name: north'))).affinity!.sessions).not.toBe(before);
  });

  it('refuses it on a grouped provider, and CEL mistakes point at the source', () => {
    expect(problems(binds('', ', policies: {sessionAffinity: {}}'))).toEqual([
      expect.stringContaining(
        'binds[0].listeners[0].routes[0].backends[0].ai.groups[0].providers[0].policies.sessionAffinity: sessionAffinity chooses among the providers',
      ),
    ]);
    expect(problems(binds('sessionAffinity: {source: "request.headers["}'))[0]).toContain('policies.sessionAffinity.source: CEL');
    expect(problems(binds('sessionAffinity: {maxLoad: -1}'))[0]).toContain('maxLoad');
  });

  it('warns where it has no effect: one provider, host backends', () => {
    const single = `binds:
- port: 4497
  listeners:
  - routes:
    - name: one
      backends:
      - ai: {name: only, provider: {openAI: {}}, hostOverride: "127.0.0.1:1"}
        policies: {sessionAffinity: {}}
    - name: host
      policies: {sessionAffinity: {}}
      backends: [{host: "127.0.0.1:2"}]
`;
    expect(build(single).warnings).toEqual([
      expect.stringContaining('sessionAffinity has no effect on a backend with a single provider'),
      expect.stringContaining('sessionAffinity has no effect on host backends'),
    ]);
  });
});

describe('promptCaching', () => {
  it('reaches every provider of the backend with agentgateway’s defaults; null is unset', () => {
    const b = backend(build(binds('ai: {promptCaching: {cacheTools: true}}')));
    for (const p of b.groups.flat()) {
      expect(p.promptCaching).toEqual({ cacheSystem: true, cacheMessages: true, cacheTools: true, minTokens: 1024, cacheMessageOffset: 0 });
    }
    expect(backend(build(binds('ai: {promptCaching: null}'))).groups[0]![0]!.promptCaching).toBeNull();
    expect(backend(build(binds(''))).groups[0]![0]!.promptCaching).toBeNull();
  });
});

describe('llm: virtual models and models', () => {
  const llm = (virtual: string) => `llm:
  port: 4496
  providers:
    - name: corp
      provider: anthropic
      defaults: {promptCaching: {minTokens: 0}}
  models:
    - {name: east, provider: anthropic, params: {model: c, baseUrl: "http://127.0.0.1:1"}, visibility: internal, promptCaching: {cacheTools: true}}
    - {name: west, provider: {reference: corp}, params: {model: c}}
  virtualModels:
${virtual}`;
  const router = (yaml: string) =>
    [...build(yaml).snapshot.binds.values()][0]!.listeners[0]!.routes.routes[0]!.backends[0] as ModelRouterRt;

  it('a failover virtual model balances its providers by session', () => {
    const v = router(
      llm(
        '    - {name: auto, routing: {failover: {targets: [{model: east, priority: 1}, {model: west, priority: 1}]}}, sessionAffinity: {prefix: {}}}\n',
      ),
    ).virtualModels.get('auto')!;
    if (v.kind !== 'failover') throw new Error(v.kind);
    expect(v.backend.affinity!.sessions.names).toEqual([['east', 'west']]);
  });

  it('a weighted one keeps a session on its target', () => {
    const v = router(
      llm('    - {name: auto, routing: {weighted: {targets: [{model: east}, {model: west, weight: 3}]}}, sessionAffinity: {}}\n'),
    ).virtualModels.get('auto')!;
    if (v.kind !== 'weighted') throw new Error(v.kind);
    expect(v.affinity).not.toBeNull();
  });

  it('a conditional one warns that it has no effect', () => {
    const r = build(llm('    - {name: auto, routing: {conditional: {targets: [{model: east}]}}, sessionAffinity: {}}\n'));
    expect(r.warnings).toEqual([
      expect.stringContaining("llm.virtualModels[0].sessionAffinity: a conditional virtual model's target is chosen by its conditions"),
    ]);
  });

  it("models take promptCaching, also from their provider's defaults", () => {
    const r = router(llm('    - {name: auto, routing: {weighted: {targets: [{model: east}]}}}\n'));
    const byName = new Map(r.models.map((m) => [m.name, m.backend.groups[0]![0]!.promptCaching]));
    expect(byName.get('east')).toMatchObject({ cacheTools: true, minTokens: 1024 });
    expect(byName.get('west')).toMatchObject({ cacheTools: false, minTokens: 0 });
  });
});
