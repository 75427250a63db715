// The LiteLLM importer's mapping rules, one by one, on small configs: each plan is also emitted
// and checked like --validate-only, so every rule produces a config the gateway accepts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkEmitted, emitYaml } from '../../../src/import/emit.js';
import { ImportInputError, importLiteLlmConfig } from '../../../src/import/litellm/index.js';
import { formatFinding } from '../../../src/import/plan.js';

async function imported(text: string) {
  const plan = importLiteLlmConfig(text, 'l.yaml');
  const yaml = emitYaml(plan, 'test');
  const warnings = await checkEmitted(yaml, 'out.yaml');
  return { plan, yaml, llm: parse(yaml).llm, findings: plan.findings.map(formatFinding), warnings };
}

const deployment = (name: string, model: string, extra = '') => `- model_name: ${name}\n  litellm_params:\n    model: ${model}\n${extra}`;

describe('model_list', () => {
  it('provider/model, os.environ keys, api_base, sampling defaults', async () => {
    const { llm, findings } = await imported(
      `model_list:\n${deployment('fast', 'openai/gpt-4o-mini', '    api_key: os.environ/OPENAI_KEY\n    api_base: https://proxy.example/v1\n    temperature: 0.3\n    max_tokens: 200\n')}`,
    );
    expect(llm.models).toEqual([
      {
        name: 'fast',
        provider: 'openAI',
        params: { model: 'gpt-4o-mini', apiKey: '$OPENAI_KEY', baseUrl: 'https://proxy.example/v1' },
        defaults: { temperature: 0.3, max_tokens: 200 },
      },
    ]);
    expect(findings).toEqual([]);
  });

  it('no prefix is OpenAI; no api_key is the key LiteLLM reads from the environment', async () => {
    const { llm } = await imported(`model_list:\n${deployment('a', 'gpt-4o')}${deployment('b', 'anthropic/claude-x')}`);
    expect(llm.models.map((m: any) => [m.provider, m.params])).toEqual([
      ['openAI', { model: 'gpt-4o', apiKey: '$OPENAI_API_KEY' }],
      ['anthropic', { model: 'claude-x', apiKey: '$ANTHROPIC_API_KEY' }],
    ]);
  });

  it('OpenAI-compatible providers go through openAI at their base URL; self-hosted ones need api_base', async () => {
    const { llm, findings } = await imported(
      `model_list:\n${deployment('l', 'groq/llama-3.1-8b-instant')}${deployment('v', 'hosted_vllm/qwen')}${deployment('w', 'hosted_vllm/qwen', '    api_base: http://vllm:8000/v1\n')}`,
    );
    expect(llm.models.map((m: any) => m.params)).toEqual([
      { model: 'llama-3.1-8b-instant', apiKey: '$GROQ_API_KEY', baseUrl: 'https://api.groq.com/openai/v1' },
      { model: 'qwen', baseUrl: 'http://vllm:8000/v1' },
    ]);
    expect(findings).toEqual(['l.yaml:7:5: model_list[1].litellm_params.model: not imported: provider "hosted_vllm" needs an api_base.']);
  });

  it('wildcards keep the part the client’s * matched', async () => {
    const { llm } = await imported(
      `model_list:\n${deployment('"*"', '"openai/*"')}${deployment('anthropic/*', 'anthropic/*')}${deployment('claude-*', 'anthropic/claude-*-latest')}`,
    );
    expect(llm.models.map((m: any) => [m.name, m.params.model, m.transformation?.model])).toEqual([
      ['*', undefined, undefined],
      ['anthropic/*', undefined, 'llmRequest.model.stripPrefix("anthropic/")'],
      ['claude-*', undefined, '"claude-" + llmRequest.model.stripPrefix("claude-") + "-latest"'],
    ]);
  });

  it('an unsupported provider is reported, not emitted', async () => {
    const { llm, findings } = await imported(`model_list:\n${deployment('a', 'gpt-4o')}${deployment('g', 'bedrock/claude')}`);
    expect(llm.models.map((m: any) => m.name)).toEqual(['a']);
    expect(findings[0]).toMatch(/^l\.yaml:7:5: model_list\[1\]\.litellm_params\.model: not imported: provider "bedrock" is not served/);
  });
});

describe('routing between deployments', () => {
  const two = `model_list:\n${deployment('m', 'openai/a', '    rpm: 30\n')}${deployment('m', 'openai/b', '    weight: 3\n')}`;

  it('simple-shuffle: a weighted virtual model over internal entries, by weight or rpm', async () => {
    const { llm } = await imported(two);
    expect(llm.models.map((m: any) => [m.name, m.visibility])).toEqual([
      ['litellm/m/1', 'internal'],
      ['litellm/m/2', 'internal'],
    ]);
    expect(llm.virtualModels).toEqual([
      {
        name: 'm',
        routing: {
          weighted: {
            targets: [
              { model: 'litellm/m/1', weight: 30 },
              { model: 'litellm/m/2', weight: 3 },
            ],
          },
        },
      },
    ]);
    expect(llm.models[0].localRateLimit).toEqual([{ type: 'requests', maxTokens: 30, tokensPerFill: 30, fillInterval: '1m' }]);
  });

  it('latency-based routing: one failover priority, balanced by health and latency', async () => {
    const { llm, findings } = await imported(`${two}router_settings:\n  routing_strategy: latency-based-routing\n`);
    expect(llm.virtualModels[0].routing).toEqual({
      failover: {
        targets: [
          { model: 'litellm/m/1', priority: 0 },
          { model: 'litellm/m/2', priority: 0 },
        ],
      },
    });
    expect(llm.models[0].localRateLimit).toBeUndefined();
    expect(findings.join('\n')).toMatch(/rpm 30 is not enforced/);
    expect(findings.join('\n')).toMatch(/routing_strategy: approximate: latency-based-routing becomes pick-2/);
  });

  it('fallbacks chain in order; default_fallbacks cover the rest; aliases copy the routing', async () => {
    const { llm, warnings } = await imported(
      `model_list:\n${deployment('a', 'openai/a')}${deployment('b', 'openai/b')}${deployment('c', 'anthropic/c')}` +
        'router_settings:\n  fallbacks: [{a: [b, c]}]\n  model_group_alias: {z: a}\nlitellm_settings:\n  default_fallbacks: [c]\n',
    );
    const routes = Object.fromEntries(
      llm.virtualModels.map((v: any) => [v.name, v.routing.failover.targets.map((t: any) => `${t.model}@${t.priority}`)]),
    );
    expect(routes).toEqual({
      a: ['litellm/a@0', 'litellm/b@1', 'c@2'],
      b: ['litellm/b@0', 'c@1'],
      z: ['litellm/a@0', 'litellm/b@1', 'c@2'],
    });
    expect(warnings).toEqual([]);
  });

  it('retries and timeouts become llm.policies', async () => {
    const { llm } = await imported(`model_list:\n${deployment('a', 'openai/a', '    timeout: 12.5\n    max_retries: 4\n')}`);
    expect(llm.policies).toEqual({
      retry: { attempts: 4, codes: [429, 500, 502, 503, 504, 529] },
      timeout: { requestTimeout: '12500ms' },
    });
  });
});

describe('settings', () => {
  it('master_key: a $VAR stays a reference; a literal is stored only as its hash', async () => {
    const env = await imported(`model_list:\n${deployment('a', 'gpt-4o')}general_settings: {master_key: os.environ/MK}\n`);
    expect(env.llm.policies.apiKey).toEqual({ mode: 'strict', keys: [{ key: '$MK', metadata: { name: 'litellm-master-key' } }] });
    const lit = await imported(`model_list:\n${deployment('a', 'gpt-4o')}general_settings: {master_key: sk-1234}\n`);
    expect(lit.yaml).not.toContain('sk-1234');
    expect(lit.llm.policies.apiKey.keys[0].keyHash).toBe('sha256:88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b');
  });

  it('unknown keys anywhere are findings, values never echoed', async () => {
    const { findings, yaml } = await imported(
      `model_list:\n${deployment('a', 'gpt-4o', '    mystery: 1\n')}  model_info: {id: x}\n  other: 2\nenvironment_variables: {SECRET: hunter2}\nfuture_section: {x: 1}\nrouter_settings: {weird: 1}\n`,
    );
    expect(findings.map((f) => f.split(': ')[1])).toEqual([
      'model_list[0].litellm_params.mystery',
      'model_list[0].model_info',
      'model_list[0].other',
      'environment_variables',
      'future_section',
      'router_settings.weird',
    ]);
    expect(findings.join('\n')).toContain('future_section: not imported: not recognised, so not imported. Instead: review it by hand');
    expect(`${yaml}${findings.join('')}`).not.toContain('hunter2');
  });

  it('no dollar sign in comments (the loader would read it as a variable)', async () => {
    const { yaml } = await imported(`model_list:\n${deployment('a', 'gpt-4o', '    api_key: os.environ/K\n')}`);
    for (const line of yaml.split('\n').filter((l) => l.trimStart().startsWith('#'))) expect(line).not.toContain('$');
  });

  it('input that is not a LiteLLM config is refused with its position', () => {
    expect(() => importLiteLlmConfig('model_list: [\n', 'bad.yaml')).toThrow(ImportInputError);
    expect(() => importLiteLlmConfig('- a\n', 'list.yaml')).toThrow(/list\.yaml: a LiteLLM config is a YAML map/);
    expect(() => importLiteLlmConfig('general_settings: {}\n', 'empty.yaml')).toThrow(/no model_list entry could be imported/);
  });
});
