// Route backends: static hosts, AI providers and MCP federations.
import { z } from 'zod';
import { Duration, exactlyOne, HostPort } from './common.js';
import { McpBackend } from './mcp.js';
import { BackendPolicies, RouteType } from './policies.js';

const ModelOverride = z.string().min(1).optional().describe("Model sent upstream, replacing the client's");

export const OpenAIProvider = z.strictObject({ model: ModelOverride }).describe('OpenAI (api.openai.com)');
export const AnthropicProvider = z.strictObject({ model: ModelOverride }).describe('Anthropic (api.anthropic.com)');
export const BedrockProvider = z
  .strictObject({
    model: ModelOverride,
    region: z
      .string()
      .regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1')
      .describe('AWS region of the Bedrock runtime endpoint'),
    guardrailIdentifier: z.string().min(1).optional().describe('Bedrock guardrail applied to every request (with guardrailVersion)'),
    guardrailVersion: z.string().min(1).optional().describe('Version of the guardrail (a number or DRAFT)'),
  })
  .superRefine((v, ctx) => {
    if ((v.guardrailIdentifier === undefined) !== (v.guardrailVersion === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'a Bedrock guardrail needs both guardrailIdentifier and guardrailVersion' });
    }
  })
  .describe(
    'Amazon Bedrock (Converse API, bedrock-runtime.<region>.amazonaws.com); SigV4 from the AWS credential chain or backendAuth.aws',
  );
export const AzureProvider = z
  .strictObject({
    model: ModelOverride.describe('Model sent upstream; on deployment paths (a dated apiVersion) also the deployment name'),
    resourceName: z
      .string()
      .regex(/^[a-zA-Z0-9][a-zA-Z0-9-]*$/, 'an Azure resource name')
      .describe('Azure resource: <resourceName>.openai.azure.com or .services.ai.azure.com'),
    resourceType: z.enum(['openAI', 'foundry', 'aiServices']).describe('openAI: Azure OpenAI; foundry (aiServices): Azure AI Foundry'),
    apiVersion: z.string().min(1).optional().describe('v1 (default: the v1 API), preview, or a dated version (deployment paths)'),
    projectName: z.string().min(1).optional().describe('Foundry project (default: resourceName)'),
  })
  .describe('Azure OpenAI / Azure AI Foundry; key in api-key (backendAuth.key) or an Entra ID bearer token');
export const GeminiProvider = z
  .strictObject({ model: ModelOverride })
  .describe('Google Gemini API (generativelanguage.googleapis.com); key in backendAuth (AIza... keys go in x-goog-api-key)');
export const VertexProvider = z
  .strictObject({
    model: ModelOverride,
    projectId: z.string().min(1).describe('Google Cloud project ID'),
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'a Vertex AI location such as us-central1, global, us or eu')
      .optional()
      .describe('Vertex AI location: global (default), the multi-regions us / eu, or a region such as us-central1'),
  })
  .describe('Google Vertex AI: Gemini models natively, Anthropic models via rawPredict; Google OAuth (ADC or backendAuth.gcp)');
const PresetProvider = (what: string) => z.strictObject({ model: ModelOverride }).describe(`${what} (OpenAI-compatible)`);
export const PresetProviders = {
  groq: PresetProvider('Groq (api.groq.com/openai/v1)').optional(),
  mistral: PresetProvider('Mistral (api.mistral.ai/v1)').optional(),
  deepseek: PresetProvider('DeepSeek (api.deepseek.com/v1)').optional(),
  xai: PresetProvider('xAI (api.x.ai/v1)').optional(),
  openrouter: PresetProvider('OpenRouter (openrouter.ai/api/v1; Messages too)').optional(),
  togetherai: PresetProvider('Together AI (api.together.xyz/v1)').optional(),
  fireworks: PresetProvider('Fireworks (api.fireworks.ai/inference/v1; Messages too)').optional(),
  cerebras: PresetProvider('Cerebras (api.cerebras.ai/v1)').optional(),
  deepinfra: PresetProvider('DeepInfra (api.deepinfra.com/v1/openai)').optional(),
  ollama: PresetProvider('Ollama (http://localhost:11434/v1; hostOverride for another host)').optional(),
  vllm: PresetProvider("vLLM's OpenAI server (http://localhost:8000/v1; hostOverride for another host)").optional(),
};
export const MockProvider = z
  .strictObject({
    model: ModelOverride,
    response: z.string().optional().describe('Text of every answer (default: a fixed greeting)'),
    tokensPerSecond: z.number().positive().optional().describe('Streaming rate; unset streams at once'),
    firstTokenDelay: Duration.optional().describe('Delay before the first token'),
  })
  .describe('Built-in provider answering locally in OpenAI or Anthropic format, for trials and benchmarks');

export const Provider = z
  .strictObject({
    openAI: OpenAIProvider.optional(),
    anthropic: AnthropicProvider.optional(),
    gemini: GeminiProvider.optional(),
    vertex: VertexProvider.optional(),
    bedrock: BedrockProvider.optional(),
    azure: AzureProvider.optional(),
    ...PresetProviders,
    mock: MockProvider.optional(),
  })
  .superRefine(
    exactlyOne(
      [
        'openAI',
        'anthropic',
        'gemini',
        'vertex',
        'bedrock',
        'azure',
        ...(Object.keys(PresetProviders) as (keyof typeof PresetProviders)[]),
        'mock',
      ],
      'provider',
    ),
  );

const providerShape = {
  name: z.string().min(1).describe('Stable name of this provider (metrics, load-balancer state)'),
  provider: Provider,
  hostOverride: HostPort.optional().describe('Send to this host:port instead of the provider host (plain HTTP unless backendTLS)'),
  pathOverride: z.string().startsWith('/').optional().describe('Replace the whole upstream path'),
  pathPrefix: z.string().startsWith('/').optional().describe("Replace the provider's base path (e.g. /v1)"),
  policies: BackendPolicies.optional(),
};

export const NamedProvider = z.strictObject(providerShape).describe('An LLM provider in a priority group');

export const ProviderGroup = z.strictObject({
  providers: z.array(NamedProvider).min(1).describe('Providers of one priority; pick-2 over health and latency chooses among them'),
});

/**
 * One provider, or `groups` of them (agentgateway: a map whose only key is `groups`). Both shapes
 * share one object so unknown-key errors can suggest keys of either.
 */
export const AiBackend = z
  .strictObject({
    name: providerShape.name.optional(),
    provider: Provider.optional(),
    hostOverride: providerShape.hostOverride,
    pathOverride: providerShape.pathOverride,
    pathPrefix: providerShape.pathPrefix,
    policies: BackendPolicies.optional(),
    routes: z
      .record(z.string(), RouteType)
      .optional()
      .describe('Deprecated: use policies.ai.routes (accepted for configs written for agentgateway <= 0.10)'),
    groups: z
      .array(ProviderGroup)
      .min(1)
      .optional()
      .describe('Priority groups: traffic goes to the first group with a provider not evicted (failover)'),
  })
  .superRefine((v, ctx) => {
    if (v.groups !== undefined) {
      const extra = (['name', 'provider', 'hostOverride', 'pathOverride', 'pathPrefix', 'policies', 'routes'] as const).filter(
        (k) => v[k] !== undefined,
      );
      if (extra.length > 0)
        ctx.addIssue({
          code: 'custom',
          message: `ai takes either groups or a single provider, not both (found groups and ${extra.join(', ')}); put shared policies on the backend`,
        });
      return;
    }
    for (const k of ['name', 'provider'] as const) {
      if (v[k] === undefined)
        ctx.addIssue({ code: 'custom', path: [k], message: `missing required key (${k === 'name' ? 'string' : 'object'}); or use groups` });
    }
  })
  .describe('An LLM provider, or priority groups of providers');

export const RouteBackend = z
  .strictObject({
    host: HostPort.optional().describe('Static upstream host:port (plain HTTP unless backendTLS)'),
    ai: AiBackend.optional(),
    mcp: McpBackend.optional(),
    weight: z.number().int().min(0).optional().describe('Relative share of traffic (default 1)'),
    policies: BackendPolicies.optional(),
  })
  .superRefine(exactlyOne(['host', 'ai', 'mcp'], 'backend'));

export type RouteBackendT = z.infer<typeof RouteBackend>;
export type AiBackendT = z.infer<typeof AiBackend>;
export type NamedProviderT = z.infer<typeof NamedProvider>;
export type ProviderT = z.infer<typeof Provider>;
export type MockProviderT = z.infer<typeof MockProvider>;
