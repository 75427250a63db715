import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfigFile, parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, 'test.yaml', env);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const route = (backend: string) => `binds:\n- port: 3000\n  listeners:\n  - routes:\n    - backends:\n${backend}`;

describe('config errors name the file, the YAML path and line:column', () => {
  it('unknown key with the nearest valid key suggested', () => {
    const yaml = route('      - ai:\n          name: x\n          provider:\n            openAi: {model: gpt}\n');
    expect(problems(yaml)).toEqual([
      'test.yaml:9:13: binds[0].listeners[0].routes[0].backends[0].ai.provider.openAi: unknown key "openAi" (did you mean "openAI"?)',
    ]);
  });

  it('unknown key far from any valid one lists the valid keys', () => {
    const yaml = `binds:\n- port: 1\n  listeners:\n  - zzzzzzzz: 1\n    routes: []\n`;
    expect(problems(yaml)[0]).toBe(
      'test.yaml:4:5: binds[0].listeners[0].zzzzzzzz: unknown key "zzzzzzzz" (valid keys: hostname, name, policies, protocol, routes)',
    );
  });

  it('a wrong-typed secret is not echoed', () => {
    const yaml = route('      - host: "a:1"\n        policies:\n          backendAuth:\n            key: 98765432101\n');
    const msg = problems(yaml).join('\n');
    expect(msg).toContain('backendAuth.key: expected string, got number');
    expect(msg).not.toContain('98765432101');
  });

  it('wrong type', () => {
    expect(problems('binds:\n- port: "abc"\n  listeners: [{routes: []}]\n')).toEqual([
      'test.yaml:2:9: binds[0].port: expected number, got string "abc"',
    ]);
  });

  it('missing required key points at the parent', () => {
    expect(problems('binds:\n- listeners: [{routes: []}]\n')).toEqual(['test.yaml:2:3: binds[0].port: missing required key (number)']);
  });

  it('invalid regex is caught at load', () => {
    const yaml = `binds:\n- port: 1\n  listeners:\n  - routes:\n    - matches: [{path: {regex: "([a-z"}}]\n      backends: [{host: "a:1"}]\n`;
    expect(problems(yaml)[0]).toMatch(
      /^test\.yaml:5:\d+: binds\[0\]\.listeners\[0\]\.routes\[0\]\.matches\[0\]\.path\.regex: invalid regular expression: missing \]: \[a-z$/,
    );
  });

  it('backend needs exactly one kind', () => {
    expect(problems(route('      - weight: 2\n'))[0]).toMatch(/backends\[0\]: backend needs exactly one of: host, ai, mcp$/);
  });

  it('YAML syntax errors carry positions', () => {
    expect(problems('binds:\n  - port: 1\n   listeners: x\n')[0]).toMatch(/^test\.yaml:3:\d+: /);
  });

  it('unset environment variable names the variable and the line', () => {
    expect(problems(route('      - host: "$UPSTREAM_HOST"\n'))).toEqual([
      'test.yaml:6:16: environment variable "UPSTREAM_HOST" is not set (use ${UPSTREAM_HOST:-default} for a default)',
    ]);
  });

  it('positions stay right after a substitution changed the line length', () => {
    const yaml = route('      - host: "${H:-localhost:1234}"\n        wieght: 2\n');
    expect(problems(yaml)).toEqual([
      'test.yaml:7:9: binds[0].listeners[0].routes[0].backends[0].wieght: unknown key "wieght" (did you mean "weight"?)',
    ]);
  });

  it('JSON configs are accepted too', () => {
    const json = JSON.stringify({ binds: [{ port: 3000, listeners: [{ routes: [{ backends: [{ host: 'localhost:1' }] }] }] }] });
    expect(parseConfig(json, 'c.json', {}).config.binds![0]!.port).toBe(3000);
  });
});

describe('older agentgateway shapes are normalised', () => {
  const guide = `binds:
  - port: 3000
    listeners:
      - routes:
          - match:
              path: /openai
            backends:
              - ai:
                  name: openai
                  provider:
                    openAI:
                      model: gpt-4o
                  routes:
                    /v1/chat/completions: completions
                    "*": passthrough
`;

  it('match: {path} becomes a pathPrefix match and ai.routes moves to policies.ai.routes', () => {
    const { config, notices } = parseConfig(guide, 'g.yaml', {});
    const r = config.binds![0]!.listeners[0]!.routes![0]!;
    expect(r.matches).toEqual([{ path: { pathPrefix: '/openai' } }]);
    expect(r.match).toBeUndefined();
    expect(r.backends[0]!.ai!.policies!.ai!.routes).toEqual({ '/v1/chat/completions': 'completions', '*': 'passthrough' });
    expect(r.backends[0]!.ai!.routes).toBeUndefined();
    expect(notices).toEqual([
      'g.yaml:5:13: `match: {path: X}` is deprecated; write `matches: [{path: {pathPrefix: X}}]`',
      'g.yaml:13:19: `ai.routes` is deprecated; write `ai.policies.ai.routes`',
    ]);
  });
});

describe('every example config in configs/ loads', () => {
  const dir = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../../../configs');
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.(ya?ml|json)$/.test(f) && f !== 'schema.json')
    .filter((f) => statSync(join(dir, f)).isFile());

  it('finds the example configs', () => {
    expect(files).toEqual(
      expect.arrayContaining(['quickstart.yaml', 'step1-basic-routing/agentgateway.yaml', 'step2-multi-provider/agentgateway.yaml']),
    );
  });

  // What the examples read from the environment: keys, and configs/vertex.yaml's project and key file.
  const credentials = join(mkdtempSync(join(tmpdir(), 'agw-configs-')), 'service-account.json');
  writeFileSync(
    credentials,
    JSON.stringify({ type: 'service_account', client_email: 'sa@p.iam.gserviceaccount.com', private_key: 'unused' }),
  );
  const googleEnv = { GEMINI_API_KEY: 'AIza-k4', GOOGLE_CLOUD_PROJECT: 'p', VERTEX_CREDENTIALS: credentials };

  it.each(files)('%s loads and compiles', async (f) => {
    const presetKeys = [
      'AZURE_OPENAI',
      'GROQ',
      'MISTRAL',
      'DEEPSEEK',
      'XAI',
      'OPENROUTER',
      'TOGETHER',
      'FIREWORKS',
      'CEREBRAS',
      'DEEPINFRA',
    ];
    const env = Object.fromEntries(presetKeys.map((p) => [`${p}_API_KEY`, `k-${p}`]));
    const loaded = loadConfigFile(join(dir, f), {
      OPENAI_API_KEY: 'k1',
      ANTHROPIC_API_KEY: 'k2',
      LITELLM_MASTER_KEY: 'k3',
      ...env,
      ...googleEnv,
    });
    const live = new LiveState();
    const { snapshot, warnings } = compile(loaded, new PoolFactory(new ConnectOverrides()), 1, { live: live.begin() });
    expect(snapshot.binds.size).toBeGreaterThan(0);
    // examples show good practice: nothing a user copies should draw a warning (deny rules
    // that fail open on a missing claim, policies shadowed by another layer, ...)
    expect(warnings).toEqual([]);
    await live.closeAll();
  });
});
