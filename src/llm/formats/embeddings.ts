// OpenAI embeddings (POST /v1/embeddings) and Vertex AI's text-embedding `:predict`, modelling
// the fields the gateway touches. Gemini API embeddings are in gemini.ts.
// Reference: platform.openai.com/docs/api-reference/embeddings,
// cloud.google.com/vertex-ai/generative-ai/docs/model-reference/text-embeddings-api.

type Rest = { [key: string]: unknown };

export interface EmbeddingsRequest extends Rest {
  model: string;
  /** One text, many texts, or token arrays. */
  input: string | string[] | number[] | number[][];
  /** `float` (default) or `base64` (little-endian float32; the OpenAI SDKs ask for it by default). */
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
}

export interface Embedding extends Rest {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResponse extends Rest {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number } & Rest;
}

export interface VertexPredictRequest extends Rest {
  instances: Array<{ content: string; task_type?: string; title?: string } & Rest>;
  parameters?: { outputDimensionality?: number; autoTruncate?: boolean } & Rest;
}

export interface VertexPredictResponse extends Rest {
  predictions?: Array<
    { embeddings?: { values?: number[]; statistics?: { token_count?: number; truncated?: boolean } & Rest } & Rest } & Rest
  >;
  metadata?: Rest;
}
