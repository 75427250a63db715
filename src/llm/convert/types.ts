// The contract between the pipeline and the translation layer. One module per direction
// (messages-from-completions.ts, completions-from-messages.ts), each with the same four verbs.
import type { GatewayError } from '../../errors.js';
import type { Usage } from '../usage.js';

/**
 * Wire formats a client may speak or a provider may accept: OpenAI Chat Completions and Responses, Anthropic
 * Messages, Gemini generateContent (native Gemini clients, and the Gemini and Vertex providers),
 * Bedrock Converse (provider side only), and the embeddings formats.
 */
export type ApiFormat = 'completions' | 'messages' | 'responses' | 'converse' | 'gemini' | EmbeddingsFormat;

/**
 * OpenAI `/v1/embeddings` (clients and OpenAI-format providers), Gemini `:batchEmbedContents`,
 * Vertex `:predict`, Bedrock InvokeModel with Amazon Titan or Cohere Embed bodies.
 */
export type EmbeddingsFormat = 'embeddings' | 'gemini-embeddings' | 'vertex-embeddings' | 'titan-embeddings' | 'cohere-embeddings';

export type Json = Record<string, unknown>;

/** A client-dialect error ready to send: HTTP status and the JSON body in the client's format. */
export interface ClientError {
  status: number;
  body: Json;
}

export interface StreamOptions {
  /**
   * The client asked for usage in the stream (OpenAI `stream_options.include_usage`), or the
   * route is configured to always include it. Only meaningful when the client speaks completions.
   */
  includeUsage: boolean;
  /** Called with every usage figure seen; the pipeline's UsageGuard keeps the latest. */
  onUsage(u: Usage): void;
  /** Called once with the response model when the stream reveals it. */
  onModel?(model: string): void;
  /** Called at the first content delta (text, tool arguments or thinking) for time-to-first-token. */
  onFirstToken?(): void;
  /** The client's request body, for streams whose events echo it (Responses objects). */
  request?: Json;
}

/**
 * Turns the provider's SSE byte stream into the client's SSE byte stream, incrementally and
 * correctly for any chunking. Output is returned as bytes ready to write (empty when a push
 * completed no client event).
 */
export interface StreamTransducer {
  push(chunk: Uint8Array): Uint8Array;
  /**
   * The upstream body ended. A stream that ended without its terminal event (Anthropic
   * `message_stop`, OpenAI `[DONE]`/finish) is a failure: the output is an error event in the
   * client's dialect and no clean terminator, never a silent clean end.
   */
  end(): Uint8Array;
  /** The upstream failed mid-stream (reset, timeout): an error event in the client's dialect. */
  fail(err: GatewayError): Uint8Array;
}

export interface Conversion {
  readonly from: ApiFormat;
  readonly to: ApiFormat;
  /**
   * Client request body -> provider request body. The body's `model` has already been
   * resolved by the pipeline. Throws a GatewayError `invalid_field` (naming the field) for input the target
   * format cannot express; unknown fields never crash the conversion.
   */
  request(body: Json): Json;
  /**
   * Provider response body -> client response body; reports usage through `onUsage`. `request`
   * is the client's request body, for answers that echo what was asked (embeddings' encoding).
   */
  response(body: Json, onUsage: (u: Usage) => void, request?: Json): Json;
  /** Provider error (status and raw body) -> client-dialect error, message kept. */
  error(status: number, raw: Uint8Array): ClientError;
  stream(opts: StreamOptions): StreamTransducer;
}
