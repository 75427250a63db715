// The simplified top-level `llm:` section (agentgateway's `LocalLLMConfig`): one listener that
// routes by the request's `model` to named model entries, virtual models over them, and shared
// policies. It compiles into the same listener/route/backend structures as `binds:`
// (src/runtime/compile-llm.ts), so every policy behaves the same on either.
import { z } from 'zod';
import { exactlyOne, HeaderModifier, SecretSource } from './common.js';
import { ApiKeyAuth, Authorization, BackendAuth, BackendTLS, BasicAuth, Cors, Csrf, JwtAuth, PromptCaching } from './policies.js';
import { ModelPattern } from './model-pattern.js';
import { PromptGuard } from './prompt-guard.js';
import { CelExpression, Health, LocalRateLimit, RedisRateLimit, Retry, SessionAffinity, Timeout } from './traffic.js';

/**
 * Provider kinds a model may name. The runtime maps each to a provider (src/runtime/
 * llm-providers.ts, a table typed by this list, so adding a name without its mapping does not
 * compile). `openai` is agentgateway's lower-case alias of `openAI`.
 */
export const LLM_PROVIDER_KINDS = [
  'openAI',
  'anthropic',
  'gemini',
  'vertex',
  'bedrock',
  'azure',
  'groq',
  'mistral',
  'deepseek',
  'xai',
  'openrouter',
  'togetherai',
  'fireworks',
  'cerebras',
  'deepinfra',
  'ollama',
  'vllm',
  'mock',
] as const;
export type LlmProviderKind = (typeof LLM_PROVIDER_KINDS)[number];
const PROVIDER_ALIASES = { openai: 'openAI' } as const satisfies Record<string, LlmProviderKind>;

export function canonicalProviderKind(name: LlmProviderKindName): LlmProviderKind {
  return (PROVIDER_ALIASES as Record<string, LlmProviderKind>)[name] ?? (name as LlmProviderKind);
}

export const LlmProviderKindName = z
  .enum([...LLM_PROVIDER_KINDS, ...(Object.keys(PROVIDER_ALIASES) as (keyof typeof PROVIDER_ALIASES)[])])
  .describe('openAI (alias openai), anthropic, gemini, vertex, bedrock, azure, an OpenAI-compatible preset, or mock (answered locally)');
export type LlmProviderKindName = z.infer<typeof LlmProviderKindName>;

export const LlmParams = z
  .strictObject({
    model: z.string().min(1).optional().describe("Model sent to the provider; unset: the client's (after transformation)"),
    apiKey: SecretSource.optional().describe('Provider API key injected upstream, inline ("$OPENAI_API_KEY") or {file: path}'),
    baseUrl: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), 'expected an http:// or https:// URL')
      .optional()
      .describe('Provider endpoint, e.g. https://llm.corp.example/v1: host, port and base path (https turns on TLS)'),
    vertexProject: z.string().min(1).optional().describe('vertex: the Google Cloud project ID (required)'),
    vertexRegion: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'a Vertex AI location such as us-central1, global, us or eu')
      .optional()
      .describe('vertex: location (global by default, us / eu multi-regions, or a region)'),
    awsRegion: z.string().min(1).optional().describe('bedrock: the AWS region (required)'),
    azureResourceName: z.string().min(1).optional().describe('azure: the resource name (required)'),
    azureResourceType: z.enum(['openAI', 'foundry', 'aiServices']).optional().describe('azure: openAI, foundry or aiServices (required)'),
    azureApiVersion: z.string().min(1).optional().describe('azure: v1 (default), preview or a dated version'),
  })
  .describe('Where and how to call the provider');

/** The params a provider kind cannot do without (agentgateway: "bedrock requires aws_region", ...). */
export function requiredParams(kind: string, params: z.infer<typeof LlmParams> | undefined, ctx: z.RefinementCtx): void {
  const need =
    kind === 'bedrock'
      ? (['awsRegion'] as const)
      : kind === 'azure'
        ? (['azureResourceName', 'azureResourceType'] as const)
        : kind === 'vertex'
          ? (['vertexProject'] as const)
          : [];
  for (const k of need) {
    if (params?.[k] === undefined) ctx.addIssue({ code: 'custom', path: ['params', k], message: `provider ${kind} needs params.${k}` });
  }
}

const TransformationMap = z
  .record(z.string().min(1), CelExpression)
  .describe('Request body field -> CEL expression over llmRequest (the body); a null result removes the field');

const JsonObject = z.record(z.string(), z.unknown());

/** Settings a model may take from a shared provider entry (agentgateway's provider `defaults`). */
const modelPolicyShape = {
  defaults: JsonObject.optional().describe('Request body fields set when the client did not send them'),
  overrides: JsonObject.optional().describe("Request body fields always set, replacing the client's"),
  transformation: TransformationMap.optional(),
  requestHeaders: HeaderModifier.optional().describe('Headers changed on requests to the provider'),
  responseHeaders: HeaderModifier.optional().describe('Headers changed on responses from the provider'),
  tls: BackendTLS.optional().describe('TLS to the provider (implied by an https baseUrl)'),
  auth: BackendAuth.optional().describe('Credential sent to the provider (params.apiKey is the short form)'),
  health: Health.optional().describe('Passive health; decides failover in failover virtual models'),
  promptCaching: PromptCaching.optional(),
};

const ProviderRef = z
  .union([
    LlmProviderKindName,
    z.strictObject({ reference: z.string().min(1).describe('Name of an llm.providers entry') }).describe('A shared provider entry'),
  ])
  .describe('Provider kind, or {reference: <llm.providers name>}');

const HeaderValueMatch = z
  .strictObject({ exact: z.string().optional(), regex: z.string().optional() })
  .superRefine(exactlyOne(['exact', 'regex'], 'value'));

const ModelMatch = z.strictObject({
  headers: z
    .array(z.strictObject({ name: z.string().min(1), value: HeaderValueMatch }))
    .min(1)
    .describe('Every header must match'),
});

export const LlmModel = z
  .strictObject({
    id: z.string().min(1).optional().describe('Stable identity of this entry (keeps its state across renames)'),
    name: ModelPattern.describe('What clients put in "model"; wildcards allowed, the most specific entry wins'),
    visibility: z
      .enum(['public', 'internal'])
      .optional()
      .describe('public (default): clients may ask for it and /v1/models lists it; internal: only virtual models reach it'),
    provider: ProviderRef,
    params: LlmParams.optional(),
    passthrough: z
      .enum(['detect', 'opaque'])
      .optional()
      .describe('Paths without a route type: opaque (default) forwards untouched; detect also reads model and usage'),
    matches: z.array(ModelMatch).min(1).optional().describe('Extra conditions besides the name; any one must hold'),
    authorization: Authorization.optional().describe('CEL rules a request must pass to use this model (403 otherwise)'),
    guardrails: PromptGuard.optional().describe('Guards for this model, after llm.policies.guardrails'),
    localRateLimit: z
      .array(LocalRateLimit)
      .optional()
      .describe('Token buckets for this model only (e.g. its provider quota). Not in agentgateway'),
    ...modelPolicyShape,
  })
  .superRefine((m, ctx) => {
    if (typeof m.provider === 'string') requiredParams(m.provider, m.params, ctx);
  })
  .describe('A model clients can ask for, and the provider that serves it');

export const LlmProvider = z
  .strictObject({
    name: z.string().min(1).describe('Referenced as provider: {reference: <name>}'),
    provider: LlmProviderKindName,
    params: LlmParams.optional(),
    defaults: z
      .strictObject(modelPolicyShape)
      .optional()
      .describe('Settings for every model referencing this provider; the model’s own win (maps are merged)'),
  })
  .superRefine((p, ctx) => requiredParams(p.provider, p.params, ctx))
  .describe('A provider shared by several models');

const WeightedTarget = z.strictObject({
  model: z.string().min(1).describe('Resolved against llm.models like a client request'),
  weight: z.number().int().min(0).optional().describe('Relative share (default 1)'),
});

const FailoverTarget = z.strictObject({
  model: z.string().min(1).describe('Resolved against llm.models like a client request'),
  priority: z.number().int().min(0).describe('Lower is tried first; targets of one priority are balanced by health and latency'),
});

const ConditionalTarget = z.strictObject({
  when: CelExpression.optional().describe('CEL over request, llmRequest, jwt, apiKey, ...; omit only on the last target'),
  model: z.string().min(1).describe('Resolved against llm.models like a client request'),
});

export const VirtualModelRouting = z
  .strictObject({
    weighted: z
      .strictObject({ targets: z.array(WeightedTarget).min(1) })
      .optional()
      .describe('Pick a target by weight'),
    failover: z
      .strictObject({ targets: z.array(FailoverTarget).min(1) })
      .optional()
      .describe('The best healthy target of the lowest priority; the next priority when those are evicted or fail before answering'),
    conditional: z
      .strictObject({ targets: z.array(ConditionalTarget).min(1) })
      .optional()
      .describe('The first target whose `when` holds'),
  })
  .superRefine(exactlyOne(['weighted', 'failover', 'conditional'], 'routing'));

export const VirtualModel = z
  .strictObject({
    name: z.string().min(1).describe('What clients put in "model"'),
    routing: VirtualModelRouting,
    sessionAffinity: SessionAffinity.optional().describe(
      "Weighted: a session keeps its target model; failover: its provider within a priority (see policies.sessionAffinity). Not in agentgateway's llm section",
    ),
  })
  .describe('A model name that routes to other models');

export const LlmPolicies = z
  .strictObject({
    jwtAuth: JwtAuth.optional(),
    apiKey: ApiKeyAuth.optional(),
    basicAuth: BasicAuth.optional(),
    authorization: Authorization.optional(),
    cors: Cors.optional(),
    csrf: Csrf.optional(),
    guardrails: PromptGuard.optional().describe('Guards for every model'),
    localRateLimit: z.array(LocalRateLimit).optional().describe('Token buckets for every request; a request must pass every one'),
    redisRateLimit: RedisRateLimit.optional(),
    timeout: Timeout.optional().describe('Timeouts for every request. Not in agentgateway'),
    retry: Retry.optional().describe('Retries for every request. Not in agentgateway'),
  })
  .describe('Policies for every request, before a model is chosen');

export const LlmConfig = z
  .strictObject({
    port: z.number().int().min(0).max(65535).optional().describe('Port of the LLM listener (default 4000, like LiteLLM)'),
    gateways: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Serve on these top-level gateways instead of port (default: the gateway named "default", if any)'),
    policies: LlmPolicies.optional(),
    providers: z.array(LlmProvider).optional(),
    models: z.array(LlmModel).min(1, 'llm needs at least one model'),
    virtualModels: z.array(VirtualModel).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.port !== undefined && v.gateways !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['gateways'], message: 'llm takes either port or gateways, not both' });
    }
  })
  .describe(
    'LLM gateway: one listener serving /v1/chat/completions, /v1/messages, /v1/messages/count_tokens and /v1/models, routed by the request model',
  );

export const Gateway = z
  .strictObject({ port: z.number().int().min(0).max(65535).describe('Port to listen on') })
  .describe('A named entrypoint that the llm section attaches to');

export type LlmConfigT = z.infer<typeof LlmConfig>;
export type LlmModelT = z.infer<typeof LlmModel>;
export type LlmProviderT = z.infer<typeof LlmProvider>;
export type LlmParamsT = z.infer<typeof LlmParams>;
export type LlmPoliciesT = z.infer<typeof LlmPolicies>;
export type VirtualModelT = z.infer<typeof VirtualModel>;
