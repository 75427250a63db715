// Embeddings for OpenAI `/v1/embeddings` clients: passed through to OpenAI-format providers (usage
// read from the body), translated to the Gemini API's `:batchEmbedContents` and to Vertex AI's
// `:predict`. Embeddings never stream. The OpenAI SDKs ask for `encoding_format: base64` by
// default (little-endian float32, base64), so translated answers honour it.
import type { EmbeddingsResponse, VertexPredictRequest, VertexPredictResponse } from '../formats/embeddings.js';
import type { EmbedContentRequest, EmbedContentResponse } from '../formats/gemini.js';
import { clientError, readProviderError } from '../formats/provider-errors.js';
import type { Usage } from '../usage.js';
import { arrayAt, invalid, isNumber, isObject, stringAt } from './fields.js';
import type { ClientError, Conversion, Json, StreamTransducer } from './types.js';

export function noStream(): StreamTransducer {
  throw invalid('stream', 'embeddings do not stream');
}

const openAiError = (status: number, raw: Uint8Array): ClientError => clientError('openai', readProviderError(status, raw));

/** OpenAI-format providers: the body goes as it came; usage is read from the answer. */
export const embeddingsIdentity: Conversion = {
  from: 'embeddings',
  to: 'embeddings',
  request: (body: Json): Json => body,
  response(body: Json, onUsage: (u: Usage) => void): Json {
    const u = body.usage;
    if (isObject(u) && isNumber(u.prompt_tokens)) onUsage({ inputTokens: u.prompt_tokens, outputTokens: 0 });
    return body;
  },
  error: openAiError,
  stream: noStream,
};

/** The texts of an embeddings request; token arrays cannot be sent to Google. */
export function texts(body: Json): string[] {
  const input = body.input;
  if (typeof input === 'string') return [input];
  const list = arrayAt(input, 'input');
  if (list.length === 0) throw invalid('input', 'must not be empty');
  return list.map((t, i) => {
    if (typeof t !== 'string') throw invalid(`input[${i}]`, "this provider's embedding models take text, not token arrays");
    return t;
  });
}

export function encoding(body: Json): 'float' | 'base64' {
  const e = body.encoding_format;
  if (e === undefined || e === null || e === 'float') return 'float';
  if (e === 'base64') return 'base64';
  throw invalid('encoding_format', 'must be "float" or "base64"');
}

/** Little-endian float32, base64: what OpenAI sends for encoding_format=base64. */
function base64Floats(values: readonly number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** The OpenAI answer for `vectors`, in the encoding the client asked for (read back from its request). */
export function openAiList(vectors: readonly number[][], model: string, promptTokens: number, enc: 'float' | 'base64'): EmbeddingsResponse {
  return {
    object: 'list',
    data: vectors.map((values, index) => ({ object: 'embedding', index, embedding: enc === 'base64' ? base64Floats(values) : values })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/** OpenAI embeddings -> Gemini API `:batchEmbedContents` (one request per input text). */
export const geminiEmbeddings: Conversion = {
  from: 'embeddings',
  to: 'gemini-embeddings',
  request(body: Json): Json {
    const model = stringAt(body.model, 'model');
    const resource = model.startsWith('models/') ? model : `models/${model}`;
    encoding(body);
    const requests = texts(body).map((text): EmbedContentRequest => {
      const r: EmbedContentRequest = { model: resource, content: { parts: [{ text }] } };
      if (isNumber(body.dimensions)) r.outputDimensionality = body.dimensions;
      return r;
    });
    return { requests };
  },
  response(body: Json, onUsage: (u: Usage) => void, request?: Json): Json {
    const r = body as EmbedContentResponse;
    const list = Array.isArray(r.embeddings) ? r.embeddings : isObject(r.embedding) ? [r.embedding] : [];
    const tokens = isObject(r.usageMetadata) && isNumber(r.usageMetadata.promptTokenCount) ? r.usageMetadata.promptTokenCount : undefined;
    if (tokens !== undefined) onUsage({ inputTokens: tokens, outputTokens: 0 });
    const vectors = list.map((e) => (Array.isArray(e.values) ? e.values : []));
    return openAiList(vectors, requestModel(request), tokens ?? 0, request === undefined ? 'float' : encoding(request)) as unknown as Json;
  },
  error: openAiError,
  stream: noStream,
};

export function requestModel(request: Json | undefined): string {
  return typeof request?.model === 'string' ? request.model : '';
}

/**
 * OpenAI embeddings -> Vertex AI `:predict` (text-embedding-*, gemini-embedding-*): one instance
 * per text; usage is the sum of each prediction's token_count.
 */
export const vertexEmbeddings: Conversion = {
  from: 'embeddings',
  to: 'vertex-embeddings',
  request(body: Json): Json {
    stringAt(body.model, 'model');
    encoding(body);
    const out: VertexPredictRequest = { instances: texts(body).map((content) => ({ content })) };
    if (isNumber(body.dimensions)) out.parameters = { outputDimensionality: body.dimensions };
    return out;
  },
  response(body: Json, onUsage: (u: Usage) => void, request?: Json): Json {
    const predictions = (body as VertexPredictResponse).predictions ?? [];
    let tokens = 0;
    let counted = false;
    const vectors = predictions.map((p) => {
      const count = p.embeddings?.statistics?.token_count;
      if (isNumber(count)) {
        tokens += count;
        counted = true;
      }
      return Array.isArray(p.embeddings?.values) ? p.embeddings.values : [];
    });
    if (counted) onUsage({ inputTokens: tokens, outputTokens: 0 });
    return openAiList(vectors, requestModel(request), tokens, request === undefined ? 'float' : encoding(request)) as unknown as Json;
  },
  error: openAiError,
  stream: noStream,
};
