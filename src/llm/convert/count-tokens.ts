// Anthropic `/v1/messages/count_tokens` bodies (a Messages request without max_tokens) counted by
// a provider's own endpoint, so the count is the provider's tokenizer's, not an estimate:
//
//   Bedrock  POST /model/<foundation model id>/count-tokens
//            {"input": {"converse": {messages, system, toolConfig}}} -> {"inputTokens": n}
//            docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
//            (inference-profile ids such as `us.anthropic...` are refused there: the bare id is used)
//   Gemini   POST /v1beta/models/<model>:countTokens
//            {"generateContentRequest": {model, contents, systemInstruction, tools}} -> {"totalTokens": n}
//            ai.google.dev/api/tokens
//   Vertex   Gemini: POST .../publishers/google/models/<m>:countTokens {contents, systemInstruction, tools}
//            -> {"totalTokens": n}; Claude: POST .../publishers/anthropic/models/count-tokens:rawPredict,
//            the Anthropic body with anthropic_version and the Vertex model id (providers/google/vertex.ts)
//
// The answer is Anthropic's `{"input_tokens": n}`; errors are in Anthropic's dialect.
import { readConverseError } from '../formats/converse-errors.js';
import { clientError, readProviderError } from '../formats/provider-errors.js';
import { converseConversion } from './converse.js';
import { noStream } from './embeddings.js';
import { isNumber, stringAt } from './fields.js';
import { geminiFromMessages } from './gemini-from-messages.js';
import type { ClientError, Conversion, Json } from './types.js';

/** max_tokens is required by the Messages translators and means nothing for a count. */
const withMaxTokens = (body: Json): Json => ({ max_tokens: 1, ...body });

function pick(from: Json, keys: readonly string[]): Json {
  const out: Json = {};
  for (const k of keys) if (from[k] !== undefined) out[k] = from[k];
  return out;
}

export const bedrockTokenCount: Conversion = {
  from: 'messages',
  to: 'converse',
  request(body: Json): Json {
    const converse = converseConversion('messages').request(withMaxTokens(body));
    return { input: { converse: pick(converse, ['messages', 'system', 'toolConfig']) } };
  },
  response: (body: Json): Json => ({ input_tokens: isNumber(body.inputTokens) ? body.inputTokens : 0 }),
  error: (status: number, raw: Uint8Array): ClientError => clientError('anthropic', readConverseError(status, raw)),
  stream: noStream,
};

export const geminiTokenCount: Conversion = {
  from: 'messages',
  to: 'gemini',
  request(body: Json): Json {
    const model = stringAt(body.model, 'model');
    const g = geminiFromMessages().request(withMaxTokens(body));
    const resource = model.startsWith('models/') || model.startsWith('tunedModels/') ? model : `models/${model}`;
    return { generateContentRequest: { model: resource, ...pick(g, ['contents', 'systemInstruction', 'tools', 'toolConfig']) } };
  },
  response: (body: Json): Json => ({ input_tokens: isNumber(body.totalTokens) ? body.totalTokens : 0 }),
  error: (status: number, raw: Uint8Array): ClientError => clientError('anthropic', readProviderError(status, raw)),
  stream: noStream,
};

/**
 * Gemini on Vertex AI: POST .../publishers/google/models/<m>:countTokens takes the fields
 * themselves, `{contents, systemInstruction, tools}` (no generateContentRequest, no model),
 * and answers `{totalTokens}` (cloud.google.com/vertex-ai/generative-ai/docs/model-reference/count-tokens).
 */
export const vertexGeminiTokenCount: Conversion = {
  ...geminiTokenCount,
  request: (body: Json): Json => pick(geminiFromMessages().request(withMaxTokens(body)), ['contents', 'systemInstruction', 'tools']),
};

/** A Bedrock model id without its cross-region inference-profile prefix (CountTokens takes foundation models). */
export function foundationModelId(model: string): string {
  return model.replace(/^(us|eu|apac|jp|au|ca|us-gov|global)\./, '');
}
