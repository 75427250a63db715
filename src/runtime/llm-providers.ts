// The provider kinds an `llm.models` entry may name, each mapped to the `ai.provider` a
// `binds:` backend would write, so a model uses the same provider objects, pools, credential
// injection and translation as any route. Typed by the schema's list of kinds: a kind added
// there without a row here does not compile. A new provider is one row (plus its params in
// the schema, and its module in src/llm/providers/).
import type { ProviderT } from '../config/schema/backends.js';
import type { LlmParamsT, LlmProviderKind } from '../config/schema/llm.js';
import type { PresetName } from '../llm/providers/index.js';

export interface LlmProviderRow {
  /** The binds-style provider; `model` is what goes upstream (params.model or a failover target). */
  provider(model: string | undefined, params: LlmParamsT): ProviderT;
}

const withModel = (model: string | undefined) => (model !== undefined ? { model } : {});

const preset = (name: PresetName): LlmProviderRow => ({ provider: (model) => ({ [name]: withModel(model) }) });

export const LLM_PROVIDERS: Readonly<Record<LlmProviderKind, LlmProviderRow>> = {
  openAI: { provider: (model) => ({ openAI: withModel(model) }) },
  anthropic: { provider: (model) => ({ anthropic: withModel(model) }) },
  gemini: { provider: (model) => ({ gemini: withModel(model) }) },
  // params.vertexProject, awsRegion and azureResource* are required by the llm schema (requiredParams)
  vertex: {
    provider: (model, p) => ({
      vertex: { ...withModel(model), projectId: p.vertexProject!, ...(p.vertexRegion !== undefined ? { region: p.vertexRegion } : {}) },
    }),
  },
  bedrock: { provider: (model, p) => ({ bedrock: { ...withModel(model), region: p.awsRegion! } }) },
  azure: {
    provider: (model, p) => ({
      azure: {
        ...withModel(model),
        resourceName: p.azureResourceName!,
        resourceType: p.azureResourceType!,
        ...(p.azureApiVersion !== undefined ? { apiVersion: p.azureApiVersion } : {}),
      },
    }),
  },
  groq: preset('groq'),
  mistral: preset('mistral'),
  deepseek: preset('deepseek'),
  xai: preset('xai'),
  openrouter: preset('openrouter'),
  togetherai: preset('togetherai'),
  fireworks: preset('fireworks'),
  cerebras: preset('cerebras'),
  deepinfra: preset('deepinfra'),
  ollama: preset('ollama'),
  vllm: preset('vllm'),
  mock: { provider: (model) => ({ mock: withModel(model) }) },
};
