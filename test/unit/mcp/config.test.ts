// MCP config: agentgateway's shapes load; mistakes are config errors naming the YAML path.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';
import type { McpBackendRt } from '../../../src/runtime/snapshot.js';

async function compileYaml(yaml: string) {
  const live = new LiveState();
  try {
    return compile(parseConfig(yaml, 'mcp.yaml'), new PoolFactory(new ConnectOverrides()), 1, { live: live.begin() });
  } finally {
    await live.closeAll();
  }
}

async function problems(yaml: string): Promise<string[]> {
  try {
    await compileYaml(yaml);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const route = (mcp: string, policies = '') =>
  `binds:\n- port: 3000\n  listeners:\n  - routes:\n    - name: tools\n${policies}      backends:\n      - mcp:\n${mcp}`;

describe('mcp backends', () => {
  it('compile targets of every kind with their URLs', async () => {
    const { snapshot } = await compileYaml(
      route(`          targets:
          - {name: a, mcp: {host: "http://a.internal:8080/mcp"}}
          - {name: b, mcp: {host: "b.internal:9000"}}
          - {name: c, sse: {host: c.internal, port: 81, path: /events}}
          - {name: d, stdio: {cmd: npx, args: [server], env: {TOKEN: x}}}
          - {name: e, mcp: {host: "https://e.example.com"}}
`),
    );
    const b = snapshot.binds.get(3000)!.listeners[0]!.routes.routes[0]!.backends[0] as McpBackendRt;
    expect(b.kind).toBe('mcp');
    expect(b.mcp.targets.map((t) => (t.kind === 'stdio' ? t.cmd : t.kind === 'openapi' ? t.origin : t.url))).toEqual([
      'http://a.internal:8080/mcp',
      'http://b.internal:9000/mcp',
      'http://c.internal:81/events',
      'npx',
      'https://e.example.com:443/',
    ]);
    expect(b.mcp.namer.prefixed).toBe(true);
  });

  it('names the YAML path of mistakes', async () => {
    expect(await problems(route('          targets:\n          - {name: Bad_Name, mcp: {host: "x:1"}}\n'))).toEqual([
      expect.stringMatching(/targets\[0\]\.name: lowercase letters, digits/),
    ]);
    expect(
      await problems(route('          targets:\n          - {name: a, stdio: {cmd: x}, policies: {backendAuth: {key: k}}}\n')),
    ).toEqual([expect.stringMatching(/targets\[0\]\.policies: stdio targets take no policies/)]);
    expect(await problems(route('          targets:\n          - {name: a, mcp: {host: "x", port: 1}}\n'))).toEqual([
      expect.stringMatching(/if port or path is set, both must be set/),
    ]);
    expect(
      await problems(route('          targets:\n          - {name: a, mcp: {host: "x:1"}}\n          - {name: a, sse: {host: "y:1"}}\n')),
    ).toEqual([expect.stringMatching(/targets\[1\]\.name: target name a is used twice/)]);
    expect(
      await problems(
        route('          targets:\n          - {name: a, mcp: {host: "x:1"}, policies: {backendAuth: {aws: {region: us-east-1}}}}\n'),
      ),
    ).toEqual([expect.stringMatching(/targets\[0\]\.policies\.backendAuth\.aws: backendAuth\.aws is not supported for MCP targets/)]);
    expect(
      await problems(route('          targets:\n          - {name: a, mcp: {host: "x:1"}, policies: {backendAuth: {gcp: {}}}}\n')),
    ).toEqual([expect.stringMatching(/targets\[0\]\.policies\.backendAuth\.gcp: backendAuth\.gcp is not supported for MCP targets/)]);
    expect(await problems(route('          targets:\n          - {name: a, mcp: {host: "ftp://x/"}}\n'))).toEqual([
      expect.stringMatching(/targets\[0\]\.mcp\.host: unsupported scheme ftp:/),
    ]);
  });

  it('checks mcpAuthorization CEL at load, over mcp.* and jwt.*', async () => {
    const ok = route(
      '          targets: [{name: a, mcp: {host: "x:1"}}]\n',
      '      policies:\n        mcpAuthorization: {rules: [\'mcp.tool.name == "x" && jwt.sub == "y"\']}\n',
    );
    expect(await problems(ok)).toEqual([]);
    const bad = route(
      '          targets: [{name: a, mcp: {host: "x:1"}}]\n',
      '      policies:\n        mcpAuthorization: {rules: [\'llm.requestModel == "x"\']}\n',
    );
    expect((await problems(bad))[0]).toMatch(/routes\[0\]\.policies\.mcpAuthorization\.rules\[0\]: CEL variable llm is not available here/);
  });

  it('an MCP route has one backend and no a2a', async () => {
    const two = `binds:\n- port: 3000\n  listeners:\n  - routes:\n    - backends:\n      - mcp: {targets: [{name: a, mcp: {host: "x:1"}}]}\n      - host: "y:1"\n`;
    expect((await problems(two))[0]).toMatch(/routes\[0\]\.backends: a route with an mcp backend can have no other backend/);
    const a2a = `binds:\n- port: 3000\n  listeners:\n  - routes:\n    - policies: {a2a: {}}\n      backends:\n      - mcp: {targets: [{name: a, mcp: {host: "x:1"}}]}\n`;
    expect((await problems(a2a)).join('\n')).toMatch(/a2a and mcp cannot share a route/);
  });

  it('reads OpenAPI documents at load and reports what is wrong with them', async () => {
    const bad = route(
      `          targets: [{name: a, openapi: {host: "x:1", schema: '{"openapi": "3.0.0", "paths": {"/a": {"get": {}}}}'}}]\n`,
    );
    expect((await problems(bad))[0]).toMatch(/openapi\.schema: OpenAPI document: GET \/a: operationId is required/);
  });
});

describe('sessions across reloads', () => {
  it('an unchanged backend keeps its session store; changed targets get a new one', async () => {
    const live = new LiveState();
    const pools = new PoolFactory(new ConnectOverrides());
    const storeOf = (yaml: string) => {
      const scope = live.begin();
      const { snapshot } = compile(parseConfig(yaml, 'mcp.yaml'), pools, 1, { live: scope });
      scope.commit();
      return (snapshot.binds.get(3000)!.listeners[0]!.routes.routes[0]!.backends[0] as McpBackendRt).mcp.store;
    };
    const a = storeOf(route('          targets: [{name: a, mcp: {host: "x:1"}}]\n'));
    const rules = '      policies:\n        mcpAuthorization: {rules: [\'mcp.tool.name != "x"\']}\n';
    const b = storeOf(route('          targets: [{name: a, mcp: {host: "x:1"}}]\n', rules));
    const c = storeOf(route('          targets: [{name: a, mcp: {host: "x:2"}}]\n', rules));
    expect(b).toBe(a); // new authorization rules apply to live sessions
    expect(c).not.toBe(a);
    await live.closeAll();
  });
});

describe('the simplified mcp: section', () => {
  it('serves its own port (default 3000), or joins a bind on the same port under /mcp, /sse, /.well-known', async () => {
    const own = await compileYaml('mcp:\n  targets: [{name: a, mcp: {host: "x:1"}}]\n');
    expect([...own.snapshot.binds.keys()]).toEqual([3000]);
    const shared = await compileYaml(
      `binds:\n- port: 4000\n  listeners:\n  - routes:\n    - backends: [{host: "y:1"}]\nmcp:\n  port: 4000\n  targets: [{name: a, mcp: {host: "x:1"}}]\n`,
    );
    const table = shared.snapshot.binds.get(4000)!.listeners[0]!.routes;
    expect(table.routes.map((r) => r.name)).toEqual(['route0', 'mcp']);
    const match = (path: string) => table.match({ host: 'h', path, method: 'POST', query: '', header: () => undefined })?.route.name;
    expect([match('/mcp'), match('/sse'), match('/.well-known/oauth-protected-resource/mcp'), match('/v1/chat')]).toEqual([
      'mcp',
      'mcp',
      'mcp',
      'route0',
    ]);
  });

  it('attaches to gateways: named ones, else "default"; an unknown name is an error with a hint', async () => {
    const gw = 'gateways:\n  default: {port: 4100}\n  tools: {port: 4200}\n';
    const named = await compileYaml(`${gw}mcp:\n  gateways: [tools]\n  targets: [{name: a, mcp: {host: "x:1"}}]\n`);
    expect([...named.snapshot.binds.keys()]).toEqual([4200]);
    const byDefault = await compileYaml(`${gw}mcp:\n  targets: [{name: a, mcp: {host: "x:1"}}]\n`);
    expect([...byDefault.snapshot.binds.keys()]).toEqual([4100]);
    expect((await problems(`${gw}mcp:\n  gateways: tool\n  targets: []\n`))[0]).toMatch(
      /mcp\.gateways: no gateway named "tool" \(did you mean "tools"\?\)/,
    );
    expect((await problems('mcp:\n  port: 1\n  gateways: x\n  targets: []\n'))[0]).toMatch(/mcp takes either port or gateways, not both/);
  });

  it("shares the llm section's gateway: /mcp goes to the federation, the rest to the model router", async () => {
    const { snapshot, warnings } = await compileYaml(
      'gateways:\n  default: {port: 4300}\nllm:\n  models: [{name: m, provider: mock}]\nmcp:\n  targets: [{name: a, mcp: {host: "x:1"}}]\n',
    );
    expect(warnings.filter((w) => w.includes('nothing is attached'))).toEqual([]);
    const table = snapshot.binds.get(4300)!.listeners[0]!.routes;
    const match = (path: string) =>
      table.match({ host: 'h', path, method: 'POST', query: '', header: () => undefined })?.route.mcp === true;
    expect([match('/mcp'), match('/sse'), match('/v1/chat/completions')]).toEqual([true, true, false]);
  });
});
