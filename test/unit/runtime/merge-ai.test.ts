// `policies.ai` of the route, the backend and the provider merged field by field (agentgateway's
// merge_llm_policies): a route's promptGuard/prompts/defaults/overrides/modelAliases still apply
// when the backend has its own `policies.ai`, and the runtime keeps where each field came from.
import { describe, expect, it } from 'vitest';
import { formatPath } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { mergeAiPolicies } from '../../../src/runtime/merge-ai.js';
import type { AiGroupsRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const pools = new PoolFactory(new ConnectOverrides());

/** The example configs' shape: the guard on the route, the route types on the provider. */
const SHAPE = `binds:
- port: 4498
  listeners:
  - routes:
    - name: chat
      policies:
        ai:
          promptGuard:
            request: [{regex: {action: reject, rules: [{pattern: "forbidden"}]}}]
          prompts: {prepend: [{role: system, content: "Be brief."}]}
          defaults: {temperature: 0.1}
          modelAliases: {fast: gpt-4o-mini}
      backends:
      - ai:
          name: openai
          provider: {openAI: {}}
          policies:
            ai:
              routes: {/v1/chat/completions: completions}
              overrides: {max_tokens: 10}
`;

function backend(yaml: string) {
  const { snapshot, warnings } = compile(parseConfig(yaml, 'm.yaml', {}), pools, 1);
  const route = snapshot.binds
    .get(4498)!
    .listeners[0]!.routes.match({ host: '', path: '/', method: 'POST', query: '', header: () => undefined })!.route;
  return { b: route.backends[0] as AiGroupsRt, warnings };
}

describe('policies.ai merged per field', () => {
  it("keeps the route's guard, prompts, defaults and aliases beside the backend's routes and overrides", () => {
    const { b, warnings } = backend(SHAPE);
    expect(b.guard).not.toBeNull();
    expect(b.guard!.request).toHaveLength(1);
    expect(b.shaping).toMatchObject({
      defaults: { temperature: 0.1 },
      overrides: { max_tokens: 10 },
      prepend: [{ role: 'system', content: 'Be brief.' }],
    });
    expect(b.shaping!.aliases!.exact.get('fast')).toBe('gpt-4o-mini');
    expect([...b.routeTypes.suffixes]).toEqual([['/v1/chat/completions', 'completions']]);
    expect(warnings).toEqual([]);
    const route = 'binds[0].listeners[0].routes[0].policies.ai';
    const provider = 'binds[0].listeners[0].routes[0].backends[0].ai.policies.ai';
    expect(Object.fromEntries(Object.entries(b.aiPolicy!.from).map(([k, v]) => [k, formatPath(v!)]))).toEqual({
      promptGuard: route,
      prompts: route,
      defaults: route,
      modelAliases: route,
      routes: provider,
      overrides: provider,
    });
  });

  it('a more specific layer replaces a field whole, with a warning naming both places', () => {
    const yaml = SHAPE.replace('overrides: {max_tokens: 10}', 'overrides: {max_tokens: 10}\n              defaults: {top_p: 0.5}');
    const { b, warnings } = backend(yaml);
    expect(b.shaping!.defaults).toEqual({ top_p: 0.5 });
    expect(warnings).toEqual([
      'binds[0].listeners[0].routes[0].policies.ai.defaults has no effect: binds[0].listeners[0].routes[0].backends[0].ai.policies.ai.defaults replaces it (per field, the more specific layer wins: route < backend < provider)',
    ]);
  });

  it('empty routes and modelAliases maps fall back to the less specific layer, as in agentgateway', () => {
    const layer = (path: string, ai: object) => ({ policies: { ai }, path: [path] });
    const m = mergeAiPolicies([
      layer('route', { modelAliases: { a: 'b' }, routes: { '/x': 'completions' as const } }),
      layer('provider', { modelAliases: {}, routes: {}, defaults: {} }),
    ])!;
    expect(m.spec).toEqual({ modelAliases: { a: 'b' }, routes: { '/x': 'completions' }, defaults: {} });
    expect(m.shadowed).toEqual([]);
    expect(
      mergeAiPolicies([
        { policies: {}, path: [] },
        { policies: undefined, path: [] },
      ]),
    ).toBeNull();
  });

  it('a prompt-guard error points at the layer that wrote the guard', () => {
    const bad = SHAPE.replace('pattern: "forbidden"', 'pattern: "(unclosed"');
    expect(() => compile(parseConfig(bad, 'm.yaml', {}), pools, 1)).toThrow(
      /m\.yaml:\d+:\d+: binds\[0\]\.listeners\[0\]\.routes\[0\]\.policies\.ai\.promptGuard/,
    );
  });
});
