// The llm: section's config errors: file, YAML path, line:column and a suggestion, from the
// schema (parse) and from compiling (references between entries, CEL, files, ports), with
// problems found in the desugared provider reported at the keys the user wrote.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { ModelRouterRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

function build(yaml: string, file = 'llm.yaml') {
  const live = new LiveState();
  try {
    return compile(parseConfig(yaml, file, { KEY: 'k' }), new PoolFactory(new ConnectOverrides()), 1, { live: live.begin() });
  } finally {
    void live.closeAll();
  }
}

function problems(yaml: string, file?: string): string[] {
  try {
    build(yaml, file);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n');
    throw e;
  }
  return [];
}

const llm = (models: string, rest = '') => `llm:\n  models:\n${models}${rest}`;
const model = (name: string, extra = '') => `    - name: ${name}\n      provider: openAI\n${extra}`;

describe('schema errors in llm:', () => {
  it('an unknown key suggests the nearest one', () => {
    expect(problems(llm('    - name: a\n      provder: openAI\n'))).toContain(
      'llm.yaml:4:7: llm.models[0].provder: unknown key "provder" (did you mean "provider"?)',
    );
  });

  it('an unknown provider kind lists the ones served', () => {
    expect(problems(llm('    - name: a\n      provider: watsonx\n'))[0]).toBe(
      'llm.yaml:4:17: llm.models[0].provider: expected one of "openAI", "anthropic", "gemini", "vertex", "bedrock", "azure", "groq", "mistral", "deepseek", "xai", "openrouter", "togetherai", "fireworks", "cerebras", "deepinfra", "ollama", "vllm", "mock", "openai"',
    );
  });

  it('bedrock needs params.awsRegion, azure its resource name and type', () => {
    expect(problems(llm('    - name: a\n      provider: bedrock\n'))[0]).toMatch(
      /llm\.models\[0\]\.params\.awsRegion: provider bedrock needs params\.awsRegion/,
    );
    expect(problems(llm('    - name: a\n      provider: azure\n      params: {azureResourceType: openAI}\n'))[0]).toMatch(
      /params\.azureResourceName: provider azure needs params\.azureResourceName/,
    );
  });

  it('a wildcard in the middle of a model name', () => {
    expect(problems(llm(model('gpt-*-mini')))[0]).toMatch(/^llm\.yaml:3:13: llm\.models\[0\]\.name: a model name may hold one wildcard/);
  });

  it('a virtual model needs exactly one routing kind', () => {
    const yaml = llm(model('a'), '  virtualModels:\n    - name: v\n      routing: {}\n');
    expect(problems(yaml)[0]).toBe(
      'llm.yaml:7:16: llm.virtualModels[0].routing: routing needs exactly one of: weighted, failover, conditional',
    );
  });

  it('port and gateways together', () => {
    expect(problems(`llm:\n  port: 1\n  gateways: default\n  models:\n${model('a')}`)[0]).toBe(
      'llm.yaml:3:13: llm.gateways: llm takes either port or gateways, not both',
    );
  });
});

describe('compile errors in llm:', () => {
  it('a virtual target that matches no model', () => {
    const yaml = llm(model('a'), '  virtualModels:\n    - name: v\n      routing: {weighted: {targets: [{model: b}]}}\n');
    expect(problems(yaml)).toEqual([
      'llm.yaml:7:46: llm.virtualModels[0].routing.weighted.targets[0].model: target "b" does not match any llm.models entry',
    ]);
  });

  it('a conditional target without `when` before the last', () => {
    const yaml = llm(model('a'), '  virtualModels:\n    - name: v\n      routing: {conditional: {targets: [{model: a}, {model: a}]}}\n');
    expect(problems(yaml)).toEqual([
      'llm.yaml:7:41: llm.virtualModels[0].routing.conditional.targets[0]: only the last target may omit `when`',
    ]);
  });

  it('CEL errors point at the expression', () => {
    const yaml = llm(model('a', '      transformation: {model: \'llmRequest.model.stripPrefx("x")\'}\n'));
    expect(problems(yaml)[0]).toMatch(/^llm\.yaml:5:31: llm\.models\[0\]\.transformation\.model: CEL type error: .*stripPrefx/);
    const when = llm(
      model('a'),
      '  virtualModels:\n    - name: v\n      routing: {conditional: {targets: [{when: \'request.methd == "GET"\', model: a}]}}\n',
    );
    expect(problems(when)[0]).toMatch(/^llm\.yaml:7:\d+: llm\.virtualModels\[0\]\.routing\.conditional\.targets\[0\]\.when: CEL/);
  });

  it('an unknown provider reference names the defined ones', () => {
    const yaml = `llm:\n  providers:\n    - {name: corp, provider: openAI}\n  models:\n    - name: a\n      provider: {reference: crop}\n`;
    expect(problems(yaml)).toEqual([
      'llm.yaml:6:29: llm.models[0].provider.reference: no llm.providers entry named "crop" (defined: corp)',
    ]);
  });

  it('a model referencing a provider may set only params.model', () => {
    const yaml = `llm:\n  providers:\n    - {name: corp, provider: openAI}\n  models:\n    - name: a\n      provider: {reference: corp}\n      params: {apiKey: x}\n`;
    expect(problems(yaml)).toEqual([
      'llm.yaml:7:24: llm.models[0].params.apiKey: a model referencing provider "corp" may set only params.model',
    ]);
  });

  it('a port taken by binds', () => {
    const yaml = `binds:\n- port: 4000\n  listeners: [{routes: [{backends: [{host: "a:1"}]}]}]\n${llm(model('a'))}`;
    expect(problems(yaml)).toEqual([
      'llm.yaml:5:3: llm: port 4000 is used by both binds[0] and llm (default port 4000); binds and llm need their own ports',
    ]);
  });

  it('an unknown gateway suggests the nearest', () => {
    const yaml = `gateways:\n  default: {port: 4100}\nllm:\n  gateways: defualt\n  models:\n${model('a')}`;
    expect(problems(yaml)).toEqual(['llm.yaml:4:13: llm.gateways: no gateway named "defualt" (did you mean "default"?)']);
  });

  it('a missing apiKey file is reported at params.apiKey, and TLS files at tls', () => {
    const yaml = llm(model('a', '      params: {apiKey: {file: /nonexistent/key}}\n      tls: {root: /nonexistent/ca.pem}\n'));
    expect(problems(yaml)).toEqual([
      'llm.yaml:6:19: llm.models[0].tls.root: cannot read /nonexistent/ca.pem: ENOENT',
      'llm.yaml:5:24: llm.models[0].params.apiKey: cannot read /nonexistent/key: ENOENT',
    ]);
  });

  it('a baseUrl with a query', () => {
    expect(problems(llm(model('a', '      params: {baseUrl: "https://x.example/v1?a=1"}\n')))).toEqual([
      'llm.yaml:5:25: llm.models[0].params.baseUrl: baseUrl may not carry user info, a query or a fragment',
    ]);
  });
});

describe('what llm: compiles to', () => {
  const router = (yaml: string): ModelRouterRt => {
    const { snapshot } = build(yaml);
    const b = [...snapshot.binds.values()][0]!.listeners[0]!.routes.routes[0]!.backends[0]!;
    if (b.kind !== 'llm-router') throw new Error(b.kind);
    return b;
  };

  it('listens on 4000 by default, on a named gateway, or on its port', () => {
    expect([...build(llm(model('a'))).snapshot.binds.keys()]).toEqual([4000]);
    expect([...build(`gateways: {default: {port: 4100}}\n${llm(model('a'))}`).snapshot.binds.keys()]).toEqual([4100]);
    expect([
      ...build(`gateways: {a: {port: 4101}, b: {port: 4102}}\nllm:\n  gateways: [a, b]\n  models:\n${model('a')}`).snapshot.binds.keys(),
    ]).toEqual([4101, 4102]);
    expect([...build(`llm:\n  port: 4200\n  models:\n${model('a')}`).snapshot.binds.keys()]).toEqual([4200]);
  });

  it('orders models most specific first, then as written', () => {
    const r = router(llm(`${model('"*"')}${model('anthropic/*')}${model('gpt-4o')}${model('"*-mini"')}${model('gpt-4o-mini')}`));
    expect(r.models.map((m) => m.name)).toEqual(['gpt-4o-mini', 'anthropic/*', 'gpt-4o', '*-mini', '*']);
    expect(r.publicModels).toEqual(['*', 'anthropic/*', 'gpt-4o', '*-mini', 'gpt-4o-mini']);
  });

  it('a shared provider’s params and defaults reach its models; the model’s own settings win', () => {
    const yaml = `llm:
  providers:
    - name: corp
      provider: openAI
      params: {baseUrl: "https://llm.corp.example:8443/openai/v1", apiKey: "$KEY"}
      defaults: {defaults: {temperature: 0.5, top_p: 1}, requestHeaders: {set: {x-team: a}}}
  models:
    - name: a
      provider: {reference: corp}
      params: {model: corp-a}
      defaults: {temperature: 0.1}
`;
    const p = router(yaml).models[0]!.backend.groups[0]![0]!;
    expect(p.model).toBe('corp-a');
    expect(p.target!.origin).toBe('https://llm.corp.example:8443');
    expect(p.pathPrefix).toBe('/openai/v1');
    expect(p.injectsKey).toBe(true);
    expect(p.bodyShaping!.apply({ model: 'corp-a' }, {} as never)).toEqual({ model: 'corp-a', temperature: 0.1, top_p: 1 });
  });

  it('a failover virtual model becomes priority groups of its targets’ providers', () => {
    const yaml = llm(
      `${model('a', '      params: {model: a-1}\n')}${model('b/*')}`,
      '  virtualModels:\n    - name: v\n      routing: {failover: {targets: [{model: b/x, priority: 2}, {model: a, priority: 1}]}}\n',
    );
    const v = router(yaml).virtualModels.get('v')!;
    if (v.kind !== 'failover') throw new Error(v.kind);
    expect(v.backend.groups.map((g) => g.map((p) => [p.name, p.model]))).toEqual([[['a', 'a-1']], [['b/x', 'b/x']]]);
    expect(v.backend.failoverRetry?.retries).toBe(1);
  });
});

describe('warnings', () => {
  it('an entry shadowed by an earlier one of the same name', () => {
    const { warnings } = build(llm(`${model('a')}${model('a')}`));
    expect(warnings).toEqual(['llm.models[1]: never chosen: llm.models[0] has the same name "a" and no matches or authorization']);
    expect(
      build(llm(`${model('a', '      matches: [{headers: [{name: x-team, value: {exact: red}}]}]\n')}${model('a')}`)).warnings,
    ).toEqual([]);
  });
});

describe('files', () => {
  it('the apiKey file is read and watched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llm-cfg-'));
    writeFileSync(join(dir, 'key'), 'sk-from-file\n');
    const yaml = llm(model('a', `      params: {apiKey: {file: ${join(dir, 'key')}}}\n`));
    const files = new Set<string>();
    const live = new LiveState();
    compile(parseConfig(yaml, join(dir, 'c.yaml'), {}), new PoolFactory(new ConnectOverrides()), 1, { live: live.begin(), files });
    void live.closeAll();
    expect([...files]).toEqual([join(dir, 'key')]);
  });
});
