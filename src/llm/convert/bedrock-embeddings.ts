// OpenAI `/v1/embeddings` clients on Amazon Bedrock: InvokeModel (`/model/<id>/invoke`) with the
// model family's own body.
//
// Amazon Titan Text Embeddings (amazon.titan-embed-text-v1, -v2:0, amazon.titan-embed-g1-text-02):
//   request  {"inputText": "...", "dimensions": 256|512|1024 (v2), "normalize": true (v2)}
//   response {"embedding": [...], "inputTextTokenCount": n}
//   One text per call: a list of several texts is a 400 naming `input` (send them one by one).
//   docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html
// Cohere Embed (cohere.embed-english-v3, cohere.embed-multilingual-v3, cohere.embed-v4:0):
//   request  {"texts": [...], "input_type": "search_document", "embedding_types": ["float"],
//             "output_dimension": n (v4), "truncate": ...}
//   response {"embeddings": {"float": [[...], ...]}} (or a bare list of lists), "id", "texts"
//   Cohere's body carries no token count: Bedrock reports it in the
//   `x-amzn-bedrock-input-token-count` response header, which the pipeline reads (llm-response.ts).
//   docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html
// `input_type` (Cohere's search_document / search_query / classification / clustering) may be
// sent by the client as an extra field; it defaults to search_document, as LiteLLM does.
import { readConverseError } from '../formats/converse-errors.js';
import { clientError } from '../formats/provider-errors.js';
import type { Usage } from '../usage.js';
import { encoding, noStream, openAiList, requestModel, texts } from './embeddings.js';
import { invalid, isNumber, isObject, stringAt } from './fields.js';
import type { ClientError, Conversion, Json } from './types.js';

const bedrockError = (status: number, raw: Uint8Array): ClientError => clientError('openai', readConverseError(status, raw));

/** Which Bedrock embeddings body a model id takes (a region or inference-profile prefix allowed). */
export function bedrockEmbeddingsFormat(model: string): 'titan-embeddings' | 'cohere-embeddings' {
  return model.includes('cohere.embed') ? 'cohere-embeddings' : 'titan-embeddings';
}

export const titanEmbeddings: Conversion = {
  from: 'embeddings',
  to: 'titan-embeddings',
  request(body: Json): Json {
    stringAt(body.model, 'model');
    encoding(body);
    const list = texts(body);
    if (list.length > 1) throw invalid('input', 'Amazon Titan embedding models take one text per request');
    const out: Json = { inputText: list[0]! };
    if (isNumber(body.dimensions)) out.dimensions = body.dimensions;
    if (typeof body.normalize === 'boolean') out.normalize = body.normalize;
    return out;
  },
  response(body: Json, onUsage: (u: Usage) => void, request?: Json): Json {
    const tokens = isNumber(body.inputTextTokenCount) ? body.inputTextTokenCount : undefined;
    if (tokens !== undefined) onUsage({ inputTokens: tokens, outputTokens: 0 });
    const vector = Array.isArray(body.embedding) ? (body.embedding as number[]) : [];
    return openAiList([vector], requestModel(request), tokens ?? 0, request === undefined ? 'float' : encoding(request)) as unknown as Json;
  },
  error: bedrockError,
  stream: noStream,
};

export const cohereEmbeddings: Conversion = {
  from: 'embeddings',
  to: 'cohere-embeddings',
  request(body: Json): Json {
    stringAt(body.model, 'model');
    encoding(body);
    const out: Json = {
      texts: texts(body),
      input_type: typeof body.input_type === 'string' ? body.input_type : 'search_document',
      embedding_types: ['float'],
    };
    if (isNumber(body.dimensions)) out.output_dimension = body.dimensions;
    if (typeof body.truncate === 'string') out.truncate = body.truncate;
    return out;
  },
  response(body: Json, _onUsage: (u: Usage) => void, request?: Json): Json {
    const e = body.embeddings;
    const vectors = (Array.isArray(e) ? e : isObject(e) && Array.isArray(e.float) ? e.float : []) as number[][];
    // Usage comes from Bedrock's token-count header; the answer's own usage is filled from it there.
    return openAiList(vectors, requestModel(request), 0, request === undefined ? 'float' : encoding(request)) as unknown as Json;
  },
  error: bedrockError,
  stream: noStream,
};
