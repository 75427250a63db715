// Vertex AI, agentgateway's `vertex` provider: one project and region, models by publisher.
//   Anthropic models (claude-*)  -> Messages at publishers/anthropic/models/<m>:rawPredict
//                                   (:streamRawPredict), `anthropic_version: vertex-2023-10-16`
//                                   in the body and the model in the URL, not the body
//   Gemini models (gemini-*)     -> generateContent at publishers/google/models/<m>:generateContent
//                                   (:streamGenerateContent?alt=sse)
//   anything else                -> the OpenAI-compatible endpoints/openapi/chat/completions
// Host: `global` (the default) aiplatform.googleapis.com, `us`/`eu` the multi-region
// aiplatform.<r>.rep.googleapis.com, any other region <region>-aiplatform.googleapis.com.
// Auth: a Google OAuth access token the gateway mints (ADC or backendAuth.gcp), see
// policies/gcp-auth.ts.
// Anthropic count_tokens clients get Vertex's own counts: Gemini models' :countTokens, Claude
// models' publishers/anthropic/models/count-tokens:rawPredict (the model in the body); other
// publishers' models are counted by the gateway.
import type { ApiFormat, Conversion, Json } from '../../convert/types.js';
import { vertexGeminiTokenCount } from '../../convert/count-tokens.js';
import { noStream } from '../../convert/embeddings.js';
import { isNumber, isObject } from '../../convert/fields.js';
import { clientError, readProviderError } from '../../formats/provider-errors.js';
import { GatewayError } from '../../../errors.js';
import type { Provider, TokenCount, UpstreamRequest } from '../types.js';
import { vertexAnthropicModel, vertexEmbeddingModel, vertexGeminiModel } from './models.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';

export interface VertexSettings {
  readonly projectId: string;
  readonly region?: string;
}

export function vertexHost(region: string | undefined): string {
  if (region === undefined || region === 'global') return 'aiplatform.googleapis.com';
  if (region === 'us' || region === 'eu') return `aiplatform.${region}.rep.googleapis.com`;
  return `${region}-aiplatform.googleapis.com`;
}

export function vertexProvider(s: VertexSettings): Provider {
  const base = `/projects/${encodeURIComponent(s.projectId)}/locations/${encodeURIComponent(s.region ?? 'global')}`;
  const path = (format: ApiFormat, req: UpstreamRequest): string => {
    if (format === 'messages') {
      return `${base}/publishers/anthropic/models/${vertexAnthropicModel(req.model)}:${req.stream ? 'streamRawPredict' : 'rawPredict'}`;
    }
    if (format === 'gemini') {
      const method = req.stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
      return `${base}/publishers/google/models/${vertexGeminiModel(req.model)}:${method}`;
    }
    if (format === 'vertex-embeddings') {
      const model = vertexEmbeddingModel(req.model);
      if (model === null) throw new GatewayError('invalid_field', 'model: not a Vertex AI model id', { param: 'model' });
      return `${base}/publishers/google/models/${model}:predict`;
    }
    return `${base}/endpoints/openapi/chat/completions`;
  };
  return {
    name: 'gcp.vertex_ai',
    formats: ['gemini', 'messages', 'completions', 'vertex-embeddings'],
    host: vertexHost(s.region),
    port: 443,
    basePath: '/v1',
    path,
    formatFor: (client, model) => {
      if (client === 'embeddings') return 'vertex-embeddings';
      if (vertexAnthropicModel(model) !== null) return 'messages';
      if (vertexGeminiModel(model) !== null) return 'gemini';
      return client === 'gemini' ? 'gemini' : 'completions';
    },
    prepareBody: (format, body) => (format === 'messages' ? vertexAnthropicBody(body) : body),
    credential: (token) => ({ name: 'authorization', value: `Bearer ${token}` }),
    requiredHeaders: [],
    tokenCount: (model) => vertexTokenCount(base, model),
    implicitAuth: 'gcp',
  };
}

function vertexTokenCount(base: string, model: string): TokenCount | undefined {
  const claude = vertexAnthropicModel(model);
  if (claude !== null) return { path: `${base}/publishers/anthropic/models/count-tokens:rawPredict`, conversion: claudeTokenCount(claude) };
  const gemini = vertexGeminiModel(model);
  if (gemini !== null) return { path: `${base}/publishers/google/models/${gemini}:countTokens`, conversion: vertexGeminiTokenCount };
  return undefined;
}

/**
 * Claude's count-tokens on Vertex: the Anthropic count_tokens body as Vertex takes Messages bodies
 * (anthropic_version, no cache scope), but with the model in the body, as its Vertex id
 * (`claude-x@date`); the answer is already Anthropic's `{input_tokens}`.
 */
function claudeTokenCount(vertexModel: string): Conversion {
  return {
    from: 'messages',
    to: 'messages',
    request: (body: Json): Json => ({ ...vertexAnthropicBody(body), model: vertexModel }),
    response: (body: Json): Json => ({ input_tokens: isNumber(body.input_tokens) ? body.input_tokens : 0 }),
    error: (status, raw) => clientError('anthropic', readProviderError(status, raw)),
    stream: noStream,
  };
}

/**
 * An Anthropic Messages body as Vertex takes it: the model is in the URL (Vertex refuses it in
 * the body), `anthropic_version` is in the body (not a header), and the fields Vertex does not
 * support are removed: `output_format` (output_config.format's deprecated predecessor) and the
 * `scope` of cache_control (a beta Vertex lacks).
 */
export function vertexAnthropicBody(body: Json): Json {
  const { model: _model, output_format: _format, ...rest } = body;
  return { anthropic_version: VERTEX_ANTHROPIC_VERSION, ...(withoutCacheScope(rest) as Json) };
}

function withoutCacheScope(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutCacheScope);
  if (!isObject(v)) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === 'cache_control' && isObject(x) && 'scope' in x) {
      const { scope: _scope, ...cc } = x;
      out[k] = cc;
    } else out[k] = withoutCacheScope(x);
  }
  return out;
}
