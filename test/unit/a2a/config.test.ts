// policies.a2a in the config: on a route or a backend it makes the route an A2A route (a
// compiled flag, so other routes pay nothing per request); LLM backends cannot be A2A.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { HostBackendRt, RouteRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const pools = new PoolFactory(new ConnectOverrides());
let live = new LiveState();
afterEach(async () => {
  await live.closeAll();
  live = new LiveState();
});

function build(routes: string) {
  const yaml = `binds:\n- port: 4599\n  listeners:\n  - routes:\n${routes}`;
  return compile(parseConfig(yaml, 'a2a.yaml', {}), pools, 1, { live: live.begin() });
}

/** The routes matched by GET /a, /b and /c. */
function routes(routesYaml: string): RouteRt[] {
  const table = build(routesYaml).snapshot.binds.get(4599)!.listeners[0]!.routes;
  return ['/a', '/b', '/c'].flatMap(
    (path) => table.match({ host: '', path, method: 'GET', query: '', header: () => undefined })?.route ?? [],
  );
}

describe('policies.a2a', () => {
  it('on the route, on a backend, or absent', () => {
    const rs = routes(`    - name: on-route
      matches: [{path: {pathPrefix: /a}}]
      policies: {a2a: {}}
      backends: [{host: "127.0.0.1:1"}]
    - name: on-backend
      matches: [{path: {pathPrefix: /b}}]
      backends: [{host: "127.0.0.1:1", policies: {a2a: {}}}]
    - name: plain
      matches: [{path: {pathPrefix: /c}}]
      backends: [{host: "127.0.0.1:1"}]
`);
    expect(Object.fromEntries(rs.map((r) => [r.name, r.a2a]))).toEqual({ 'on-route': true, 'on-backend': true, plain: false });
  });

  it('A2A backends are asked for identity encoding and whole cards; others keep the client headers', () => {
    const rs = routes(`    - name: agent
      matches: [{path: {pathPrefix: /a}}]
      policies: {a2a: {}}
      backends: [{host: "127.0.0.1:1"}]
    - name: plain
      matches: [{path: {pathPrefix: /c}}]
      backends: [{host: "127.0.0.1:1"}]
`);
    const drop = (r: RouteRt) => (r.backends[0] as HostBackendRt).requestHeaders.drop;
    const [agent, plain] = [rs.find((r) => r.name === 'agent')!, rs.find((r) => r.name === 'plain')!];
    for (const h of ['accept-encoding', 'if-none-match', 'if-modified-since']) {
      expect(drop(agent).has(h)).toBe(true);
      expect(drop(plain).has(h)).toBe(false);
    }
  });

  it('only some backends marked: the whole route is A2A, with a warning', () => {
    const { warnings } = build(`    - name: mixed
      backends: [{host: "127.0.0.1:1", policies: {a2a: {}}}, {host: "127.0.0.1:2"}]
`);
    expect(warnings).toEqual([expect.stringContaining('only some backends have policies.a2a')]);
  });

  it('an LLM backend on an A2A route is a config error at its position', () => {
    try {
      build(`    - policies: {a2a: {}}
      backends:
      - ai: {name: m, provider: {mock: {}}}
`);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as Error).message).toMatch(
        /^a2a\.yaml:7:\d+: binds\[0\]\.listeners\[0\]\.routes\[0\]\.backends\[0\]\.ai: a2a marks agent traffic/,
      );
      return;
    }
    throw new Error('compiled');
  });

  it('a2a takes no settings (unknown keys are errors)', () => {
    expect(() => build(`    - policies: {a2a: {rewrite: true}}\n      backends: [{host: "127.0.0.1:1"}]\n`)).toThrow(
      /unknown key "rewrite"/,
    );
  });
});
