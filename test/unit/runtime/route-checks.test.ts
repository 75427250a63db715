// Per-route compile results a user would not see until it hurt: the upstream time limits a
// route gets without a timeout policy, and a route name used twice in one listener.
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { DEFAULT_UPSTREAM_TIMEOUTS } from '../../../src/policies/retry.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { RouteRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const pools = new PoolFactory(new ConnectOverrides());
const live = new LiveState();
afterAll(() => live.closeAll());

function build(routes: string, head = '') {
  const scope = live.begin();
  try {
    const r = compile(parseConfig(`${head}binds:\n- port: 4497\n  listeners:\n  - routes:\n${routes}`, 'r.yaml', {}), pools, 1, {
      live: scope,
    });
    scope.commit();
    const table = r.snapshot.binds.get(4497)!.listeners[0]!.routes;
    return { routes: table.routes as readonly RouteRt[], warnings: r.warnings };
  } catch (e) {
    scope.abort();
    throw e;
  }
}

const route = (name: string, policies = '') =>
  `    - name: ${name}\n${policies === '' ? '' : `      policies: {${policies}}\n`}      backends: [{host: "127.0.0.1:1"}]\n`;

describe('upstream time limits', () => {
  it('default: 60 s to the headers of a host backend, 300 s for an AI provider, 300 s of silence in a body', () => {
    const [r] = build(route('a')).routes;
    expect(r!.upstreamTimeouts).toEqual({ hostHeadersMs: 60_000, aiHeadersMs: 300_000, bodyIdleMs: 300_000 });
    expect(DEFAULT_UPSTREAM_TIMEOUTS).toEqual(r!.upstreamTimeouts);
  });

  it('config.backend sets the defaults; "0s" removes one', () => {
    const [r] = build(route('a'), 'config:\n  backend: {backendRequestTimeout: 2s, streamIdleTimeout: 0s}\n').routes;
    expect(r!.upstreamTimeouts).toEqual({ hostHeadersMs: 2000, aiHeadersMs: 2000, bodyIdleMs: 0 });
  });

  it("a phase the route's timeout policy bounds is left to it", () => {
    const limits = (t: string) => build(route('a', `timeout: {${t}}`)).routes[0]!.upstreamTimeouts;
    expect(limits('backendRequestTimeout: 20m')).toEqual({ hostHeadersMs: 0, aiHeadersMs: 0, bodyIdleMs: 300_000 });
    expect(limits('streamIdleTimeout: 20m')).toEqual({ hostHeadersMs: 60_000, aiHeadersMs: 300_000, bodyIdleMs: 0 });
    expect(limits('firstByteTimeout: 20m')).toEqual({ hostHeadersMs: 0, aiHeadersMs: 0, bodyIdleMs: 0 });
    expect(limits('requestTimeout: 1h')).toEqual({ hostHeadersMs: 0, aiHeadersMs: 0, bodyIdleMs: 0 });
  });
});

describe('a route name used twice in a listener', () => {
  it('is a warning naming both places, and each route keeps its own live state', () => {
    const limit = 'localRateLimit: [{maxTokens: 1, tokensPerFill: 1, fillInterval: 1h}]';
    const { routes, warnings } = build(route('chat', limit) + route('other') + route('chat', limit));
    expect(warnings).toEqual([
      'binds[0].listeners[0].routes[2].name (r.yaml:10:13): route name "chat" is already used by binds[0].listeners[0].routes[0] (r.yaml:5:7) in this listener; metrics, access logs and the admin API cannot tell the two apart (agentgateway would keep only the last). Give each route its own name',
    ]);
    expect(routes.map((r) => r.name)).toEqual(['chat', 'other', 'chat']);
    const ids = live.describe().map((e) => e.id);
    const buckets = ids.filter((id) => id.includes('chat') && !id.includes('::pool'));
    expect(buckets).toHaveLength(2);
    expect(new Set(buckets).size).toBe(2);
  });

  it('a default name counts too; names in other listeners do not', () => {
    expect(build(route('route1') + `    - backends: [{host: "127.0.0.1:1"}]\n`).warnings[0]).toMatch(
      /routes\[1\].*route name "route1" is already used by .*routes\[0\]/,
    );
    const two = `binds:\n- port: 4496\n  listeners:\n  - name: a\n    routes:\n${route('x')}  - name: b\n    routes:\n${route('x')}`;
    expect(compile(parseConfig(two, 'r.yaml', {}), pools, 1).warnings).toEqual([]);
  });
});
