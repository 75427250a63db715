// Config of the traffic policies: the groups shape, and the mistakes that must be config errors
// with file:line:col rather than surprises at request time.
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { AiGroupsRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const pools = new PoolFactory(new ConnectOverrides());
const live = new LiveState();
afterAll(() => live.closeAll());

function build(routeYaml: string) {
  const yaml = `binds:\n- port: 4499\n  listeners:\n  - routes:\n${routeYaml}`;
  const scope = live.begin();
  try {
    const r = compile(parseConfig(yaml, 't.yaml', {}), pools, 1, { live: scope });
    scope.commit();
    return r;
  } catch (e) {
    scope.abort();
    throw e;
  }
}

function errors(routeYaml: string): string[] {
  try {
    build(routeYaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const GROUPS = `    - name: chat
      backends:
      - ai:
          groups:
          - providers:
            - {name: primary, provider: {openAI: {model: a}}, hostOverride: "127.0.0.1:1"}
          - providers:
            - {name: second, provider: {anthropic: {model: b}}, hostOverride: "127.0.0.1:2"}
            - {name: third, provider: {openAI: {}}, hostOverride: "127.0.0.1:3"}
`;

describe('AI provider groups', () => {
  it('compile into priority buckets with a balancer and eviction on by default', () => {
    const { snapshot } = build(GROUPS);
    const b = snapshot.binds
      .get(4499)!
      .listeners[0]!.routes.match({ host: '', path: '/', method: 'POST', query: '', header: () => undefined })!.route
      .backends[0] as AiGroupsRt;
    expect(b.kind).toBe('ai-groups');
    expect(b.groups.map((g) => g.map((p) => p.name))).toEqual([['primary'], ['second', 'third']]);
    expect(b.balancer).not.toBeNull();
    expect(b.groups[1]![1]!.slot).toEqual({ bucket: 1, index: 1 });
    expect(b.groups[0]![0]!.health?.eviction?.durationMs).toBe(3000);
  });

  it('either groups or a single provider', () => {
    const e = errors(
      `    - backends:\n      - ai:\n          name: x\n          groups: [{providers: [{name: a, provider: {openAI: {}}}]}]\n`,
    );
    expect(e[0]).toMatch(/^t\.yaml:\d+:\d+: .*ai: ai takes either groups or a single provider, not both \(found groups and name\)/);
  });

  it('provider names are unique within a backend', () => {
    const e = errors(
      `    - backends:\n      - ai:\n          groups:\n          - providers: [{name: a, provider: {openAI: {}}}]\n          - providers: [{name: a, provider: {openAI: {}}}]\n`,
    );
    expect(e.join('\n')).toMatch(/groups\[1\]\.providers\[0\]\.name: provider name "a" is used twice/);
  });

  it('ai policies of grouped providers belong on the backend', () => {
    const e = errors(
      `    - backends:\n      - ai:\n          groups:\n          - providers: [{name: a, provider: {openAI: {}}, policies: {ai: {routes: {"*": passthrough}}}}]\n`,
    );
    expect(e.join('\n')).toMatch(/providers\[0\]\.policies\.ai: ai policies of grouped providers belong on the backend/);
  });
});

describe('traffic policy errors', () => {
  const withPolicies = (p: string) => `    - policies:\n${p}\n      backends: [{host: "127.0.0.1:1"}]\n`;

  it('tokensPerFill above maxTokens', () => {
    const e = errors(withPolicies('        localRateLimit: [{maxTokens: 1, tokensPerFill: 5, fillInterval: 1s}]'));
    expect(e[0]).toMatch(
      /^t\.yaml:6:\d+: binds\[0\]\.listeners\[0\]\.routes\[0\]\.policies\.localRateLimit\[0\]\.tokensPerFill: tokensPerFill \(5\) may not exceed maxTokens \(1\)$/,
    );
  });

  it('CEL errors are positioned; a bucket key cannot read the response', () => {
    expect(errors(withPolicies('        retry: {attempts: 1, condition: "response.code =="}'))[0]).toMatch(
      /policies\.retry\.condition: CEL syntax error/,
    );
    expect(
      errors(withPolicies('        localRateLimit: [{maxTokens: 1, tokensPerFill: 1, fillInterval: 1s, key: "response.code"}]'))[0],
    ).toMatch(/localRateLimit\[0\]\.key: CEL variable response is not available here/);
  });

  it('the Redis failureMode must be chosen explicitly', () => {
    const e = errors(
      withPolicies('        redisRateLimit: {url: "redis://127.0.0.1:1", limits: [{maxTokens: 1, tokensPerFill: 1, fillInterval: 1s}]}'),
    );
    expect(e[0]).toMatch(/redisRateLimit\.failureMode: expected one of "failOpen", "failClosed"/);
  });

  it('valid policies compile, and a route without them stays on the lean path', () => {
    const { snapshot } = build(
      `${withPolicies('        timeout: {requestTimeout: 5s, streamIdleTimeout: 1s}\n        retry: {attempts: 2, codes: [503], backoff: 10ms}')}    - name: plain\n      matches: [{path: {pathPrefix: /plain}}]\n      backends: [{host: "127.0.0.1:1"}]\n`,
    );
    const routes = snapshot.binds.get(4499)!.listeners[0]!.routes;
    const find = (path: string) => routes.match({ host: '', path, method: 'GET', query: '', header: () => undefined })!.route;
    expect(find('/').traffic).toMatchObject({
      rateLimit: null,
      retry: { retries: 2, backoffMs: 10, codes: new Set([503]) },
      timeouts: { requestMs: 5000, backendMs: 0, firstByteMs: 0, idleMs: 1000 },
    });
    expect(find('/plain').traffic).toBeNull();
  });
});
