// Amazon Bedrock (agentgateway's `bedrock` provider): the Converse API on the region's runtime
// endpoint, `bedrock-runtime.<region>.amazonaws.com`, `/model/<modelId>/converse` or
// `/converse-stream`. Requests are signed with SigV4 (src/policies/aws-auth.ts) from the default
// AWS credential chain or `backendAuth.aws`; `backendAuth.key` is a Bedrock API key, sent as a
// Bearer token. A configured guardrail (`guardrailIdentifier` + `guardrailVersion`) is applied
// to every request, with its trace enabled, as agentgateway does. Embeddings (Titan, Cohere) use
// InvokeModel, `/model/<modelId>/invoke`.
import { bedrockEmbeddingsFormat } from '../../convert/bedrock-embeddings.js';
import { bedrockTokenCount, foundationModelId } from '../../convert/count-tokens.js';
import type { ApiFormat, Json } from '../../convert/types.js';
import type { Provider, UpstreamRequest } from '../types.js';

export interface BedrockSettings {
  readonly region: string;
  readonly guardrailIdentifier?: string;
  readonly guardrailVersion?: string;
}

/** The SigV4 service name of the Bedrock runtime. */
export const BEDROCK_SERVICE = 'bedrock';

/** A model id or ARN as one path segment: `:` and `/` (ARNs, profiles) escaped, as the AWS SDK does. */
export function modelSegment(model: string): string {
  return encodeURIComponent(model);
}

function path(format: ApiFormat, req: UpstreamRequest): string {
  const model = modelSegment(req.model);
  if (format === 'converse') return `/model/${model}/${req.stream ? 'converse-stream' : 'converse'}`;
  return `/model/${model}/invoke`;
}

export function bedrockProvider(s: BedrockSettings): Provider {
  const guardrail =
    s.guardrailIdentifier !== undefined && s.guardrailVersion !== undefined
      ? { guardrailIdentifier: s.guardrailIdentifier, guardrailVersion: s.guardrailVersion, trace: 'enabled' }
      : null;
  return {
    name: 'aws.bedrock',
    formats: ['converse', 'titan-embeddings', 'cohere-embeddings'],
    // Chat of every client format goes through Converse; embeddings through InvokeModel with the
    // model family's body (Titan or Cohere).
    formatFor: (client: ApiFormat, model: string): ApiFormat => (client === 'embeddings' ? bedrockEmbeddingsFormat(model) : 'converse'),
    host: `bedrock-runtime.${s.region}.amazonaws.com`,
    port: 443,
    basePath: '',
    path,
    prepareBody: (format: ApiFormat, body: Json): Json =>
      guardrail !== null && format === 'converse' ? { ...body, guardrailConfig: guardrail } : body,
    credential: (key) => ({ name: 'authorization', value: `Bearer ${key}` }),
    requiredHeaders: [['content-type', 'application/json']],
    // Anthropic count_tokens clients (Claude Code) get Bedrock's own count (CountTokens).
    tokenCount: (model) => ({ path: `/model/${modelSegment(foundationModelId(model))}/count-tokens`, conversion: bedrockTokenCount }),
    implicitAuth: 'aws',
  };
}
