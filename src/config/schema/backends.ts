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

export const AiBackend = z
  .strictObject({
    name: z.string().min(1).describe('Stable name of this provider (metrics, load-balancer state)'),
    provider: Provider,
    hostOverride: HostPort.optional().describe('Send to this host:port instead of the provider host (plain HTTP unless backendTLS)'),
    pathOverride: z.string().startsWith('/').optional().describe('Replace the whole upstream path'),
    pathPrefix: z.string().startsWith('/').optional().describe("Replace the provider's base path (e.g. /v1)"),
    policies: BackendPolicies.optional(),
    routes: z
      .record(z.string(), RouteType)
      .optional()
      .describe('Deprecated: use policies.ai.routes (accepted for configs written for agentgateway <= 0.10)'),
  })
  .describe('An LLM provider');

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
export type ProviderT = z.infer<typeof Provider>;
export type MockProviderT = z.infer<typeof MockProvider>;
