// Same-format "conversions", for a provider that speaks the client's format natively. Bodies
// and streams pass through untouched (unknown fields and all); the gateway only watches them
// for usage, the response model and the first token. Two changes on the way up: a streaming
// completions request always asks for usage, so token accounting is exact (the client's own
// choice, StreamOptions.includeUsage, decides whether it sees the extra usage chunk); and
// `max_tokens` becomes `max_completion_tokens` for the OpenAI families that refuse the old
// field (o-series, gpt-5 and later; families/openai.ts).
import type { CompletionUsage } from '../formats/completions.js';
import type { MessagesUsage } from '../formats/messages.js';
import { clientError, clientStatus, readProviderError } from '../formats/provider-errors.js';
import { usageFromCompletions, usageFromGemini, usageFromMessages } from '../formats/usage.js';
import { CompletionsPassthrough, MessagesPassthrough } from '../stream/passthrough.js';
import { GeminiPassthrough } from '../stream/gemini-passthrough.js';
import type { UsageMetadata } from '../formats/gemini.js';
import type { Usage } from '../usage.js';
import { openAiFamily } from '../families/openai.js';
import { isNumber, isObject } from './fields.js';
import type { ClientError, Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

function parseJson(raw: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
}

function completionsRequest(body: Json): Json {
  const out = withCompletionTokens(body);
  if (out.stream !== true) return out;
  const so = isObject(out.stream_options) ? out.stream_options : {};
  if (so.include_usage === true) return out;
  return { ...out, stream_options: { ...so, include_usage: true } };
}

/** `max_tokens` -> `max_completion_tokens` where the model requires it (an explicit one wins). */
function withCompletionTokens(body: Json): Json {
  if (!isNumber(body.max_tokens) || typeof body.model !== 'string') return body;
  if (!openAiFamily(body.model).maxCompletionTokensOnly) return body;
  const { max_tokens, ...rest } = body;
  return { ...rest, max_completion_tokens: isNumber(body.max_completion_tokens) ? body.max_completion_tokens : max_tokens };
}

export const completionsIdentity: Conversion = {
  from: 'completions',
  to: 'completions',
  request: completionsRequest,
  response(body: Json, onUsage: (u: Usage) => void): Json {
    if (isObject(body.usage)) onUsage(usageFromCompletions(body.usage as CompletionUsage));
    return body;
  },
  error(status: number, raw: Uint8Array): ClientError {
    const body = parseJson(raw);
    // Already an OpenAI error: the client gets it exactly as the provider wrote it.
    if (isObject(body) && isObject(body.error) && typeof body.error.message === 'string') {
      return { status: clientStatus('openai', status), body };
    }
    return clientError('openai', readProviderError(status, raw));
  },
  stream(opts: StreamOptions): StreamTransducer {
    return new CompletionsPassthrough(opts, !opts.includeUsage);
  },
};

export const messagesIdentity: Conversion = {
  from: 'messages',
  to: 'messages',
  request: (body: Json): Json => body,
  response(body: Json, onUsage: (u: Usage) => void): Json {
    if (isObject(body.usage)) onUsage(usageFromMessages(body.usage as Partial<MessagesUsage>));
    return body;
  },
  error(status: number, raw: Uint8Array): ClientError {
    const body = parseJson(raw);
    if (isObject(body) && body.type === 'error' && isObject(body.error) && typeof body.error.message === 'string') {
      return { status: clientStatus('anthropic', status), body };
    }
    return clientError('anthropic', readProviderError(status, raw));
  },
  stream(opts: StreamOptions): StreamTransducer {
    return new MessagesPassthrough(opts);
  },
};

/**
 * Native Gemini clients (the Google GenAI SDK) on a Gemini-speaking provider. The model travels
 * in the URL, never in the body (Google rejects unknown fields), so the `model` the pipeline set
 * is taken out again; everything else goes as the client wrote it.
 */
export const geminiIdentity: Conversion = {
  from: 'gemini',
  to: 'gemini',
  request: ({ model: _model, ...body }: Json): Json => body,
  response(body: Json, onUsage: (u: Usage) => void): Json {
    if (isObject(body.usageMetadata)) onUsage(usageFromGemini(body.usageMetadata as UsageMetadata));
    return body;
  },
  error(status: number, raw: Uint8Array): ClientError {
    const body = parseJson(raw);
    if (isObject(body) && isObject(body.error) && typeof body.error.message === 'string') {
      return { status: clientStatus('google', status), body };
    }
    return clientError('google', readProviderError(status, raw));
  },
  stream(opts: StreamOptions): StreamTransducer {
    return new GeminiPassthrough(opts);
  },
};
