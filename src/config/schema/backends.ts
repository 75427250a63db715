// Route backends: static hosts and AI providers.
import { z } from 'zod';
import { Duration, exactlyOne, HostPort } from './common.js';
import { BackendPolicies, RouteType } from './policies.js';

const ModelOverride = z.string().min(1).optional().describe("Model sent upstream, replacing the client's");

export const OpenAIProvider = z.strictObject({ model: ModelOverride }).describe('OpenAI (api.openai.com)');
export const AnthropicProvider = z.strictObject({ model: ModelOverride }).describe('Anthropic (api.anthropic.com)');
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
    mock: MockProvider.optional(),
  })
  .superRefine(exactlyOne(['openAI', 'anthropic', 'mock'], 'provider'));

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
    weight: z.number().int().min(0).optional().describe('Relative share of traffic (default 1)'),
    policies: BackendPolicies.optional(),
  })
  .superRefine(exactlyOne(['host', 'ai'], 'backend'));

export type RouteBackendT = z.infer<typeof RouteBackend>;
export type AiBackendT = z.infer<typeof AiBackend>;
export type NamedProviderT = z.infer<typeof NamedProvider>;
export type ProviderT = z.infer<typeof Provider>;
export type MockProviderT = z.infer<typeof MockProvider>;
