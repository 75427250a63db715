// Client speaks OpenAI chat completions, provider speaks Gemini generateContent (a `gemini`
// provider, or `vertex` with a Gemini model): the native API, which agentgateway also prefers to
// Google's OpenAI-compatible endpoint because the translation keeps more (thinking, thought
// signatures, usage detail).
import type { AssistantMessage, ChatCompletion, ToolCall } from '../formats/completions.js';
import type { Candidate, GenerateContentResponse } from '../formats/gemini.js';
import { finishFromGemini, promptBlocked } from '../formats/gemini-finish.js';
import { clientError, readProviderError } from '../formats/provider-errors.js';
import { completionsUsage, usageFromGemini } from '../formats/usage.js';
import { GeminiToChunks } from '../stream/gemini-to-chunks.js';
import type { Usage } from '../usage.js';
import { isObject } from './fields.js';
import { geminiRequestFromCompletions } from './gemini-from-completions-request.js';
import { joinCallId } from './gemini-parts.js';
import { resolveOptions, type ConversionOptions, type ResolvedOptions } from './options.js';
import type { ClientError, Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

export function geminiFromCompletions(options?: ConversionOptions): Conversion {
  const opts = resolveOptions(options);
  return {
    from: 'completions',
    to: 'gemini',
    request: geminiRequestFromCompletions,
    response: (body: Json, onUsage: (u: Usage) => void): Json => completionFromGemini(body, onUsage, opts),
    error: (status: number, raw: Uint8Array): ClientError => clientError('openai', readProviderError(status, raw)),
    stream: (so: StreamOptions): StreamTransducer => new GeminiToChunks(so, opts.now, opts.newId),
  };
}

/**
 * A GenerateContentResponse -> a chat.completion: one choice per candidate; text parts joined
 * into `content`, thought parts into `reasoning_content`, functionCall parts -> tool_calls (the
 * thoughtSignature rides in the id), finishReason -> finish_reason; a blocked prompt is one
 * empty choice with content_filter. Usage keeps cached and thinking tokens.
 */
function completionFromGemini(body: Json, onUsage: (u: Usage) => void, opts: ResolvedOptions): Json {
  const r = body as GenerateContentResponse;
  const candidates = Array.isArray(r.candidates) ? r.candidates : [];
  const choices: ChatCompletion['choices'] =
    candidates.length === 0
      ? [
          {
            index: 0,
            message: { role: 'assistant', content: '', refusal: null },
            logprobs: null,
            finish_reason: promptBlocked(r) ? 'content_filter' : 'stop',
          },
        ]
      : candidates.map((c, k) => choice(c, typeof c.index === 'number' ? c.index : k, opts));
  const out: ChatCompletion = {
    id: typeof r.responseId === 'string' && r.responseId !== '' ? r.responseId : opts.newId('chatcmpl-'),
    object: 'chat.completion',
    created: opts.now(),
    model: String(r.modelVersion ?? ''),
    choices,
  };
  if (isObject(r.usageMetadata)) {
    const usage = usageFromGemini(r.usageMetadata);
    onUsage(usage);
    out.usage = completionsUsage(usage);
  }
  return out;
}

function choice(c: Candidate, index: number, opts: ResolvedOptions): ChatCompletion['choices'][number] {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const part of c.content?.parts ?? []) {
    if (typeof part.text === 'string') {
      if (part.thought === true) reasoning += part.text;
      else text += part.text;
    } else if (part.functionCall !== undefined) {
      const call = part.functionCall;
      const id = typeof call.id === 'string' && call.id !== '' ? call.id : opts.newId('call_');
      toolCalls.push({
        id: joinCallId(id, part.thoughtSignature),
        type: 'function',
        function: { name: String(call.name ?? ''), arguments: JSON.stringify(call.args ?? {}) },
      });
    }
  }
  const message: AssistantMessage = {
    role: 'assistant',
    content: text === '' && (toolCalls.length > 0 || reasoning !== '') ? null : text,
    refusal: null,
  };
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const reason = typeof c.finishReason === 'string' ? c.finishReason : undefined;
  return { index, message, logprobs: null, finish_reason: finishFromGemini(reason, toolCalls.length > 0) };
}
