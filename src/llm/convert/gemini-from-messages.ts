// Client speaks Anthropic Messages (Claude Code, the Anthropic SDK), provider speaks Gemini
// generateContent: a `messages` route on a `gemini` provider, or `vertex` with a Gemini model.
import type { GenerateContentResponse } from '../formats/gemini.js';
import { promptBlocked, stopFromGemini } from '../formats/gemini-finish.js';
import type { ContentBlock, MessagesResponse } from '../formats/messages.js';
import { clientError, readProviderError } from '../formats/provider-errors.js';
import { messagesUsage, usageFromGemini } from '../formats/usage.js';
import { GeminiToMessages } from '../stream/gemini-to-messages.js';
import type { Usage } from '../usage.js';
import { isObject } from './fields.js';
import { geminiRequestFromMessages } from './gemini-from-messages-request.js';
import { joinCallId } from './gemini-parts.js';
import { resolveOptions, type ConversionOptions, type ResolvedOptions } from './options.js';
import type { ClientError, Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

export function geminiFromMessages(options?: ConversionOptions): Conversion {
  const opts = resolveOptions(options);
  return {
    from: 'messages',
    to: 'gemini',
    request: geminiRequestFromMessages,
    response: (body: Json, onUsage: (u: Usage) => void): Json => messageFromGemini(body, onUsage, opts),
    error: (status: number, raw: Uint8Array): ClientError => clientError('anthropic', readProviderError(status, raw)),
    stream: (so: StreamOptions): StreamTransducer => new GeminiToMessages(so, opts.newId),
  };
}

/**
 * A GenerateContentResponse -> an Anthropic message (first candidate): thought parts -> a
 * thinking block (with its thoughtSignature), text parts -> text blocks (neighbours joined),
 * functionCall parts -> tool_use blocks (the signature rides in the id), finishReason ->
 * stop_reason, usage with input_tokens excluding the cached part, as Anthropic counts.
 */
function messageFromGemini(body: Json, onUsage: (u: Usage) => void, opts: ResolvedOptions): Json {
  const r = body as GenerateContentResponse;
  const c = Array.isArray(r.candidates) ? (r.candidates.find((x) => (x.index ?? 0) === 0) ?? r.candidates[0]) : undefined;
  const content: ContentBlock[] = [];
  let calls = 0;
  for (const part of c?.content?.parts ?? []) {
    const last = content[content.length - 1];
    if (typeof part.text === 'string') {
      if (part.thought === true) {
        const signature = typeof part.thoughtSignature === 'string' ? part.thoughtSignature : '';
        if (last?.type === 'thinking') {
          last.thinking += part.text;
          if (signature !== '') last.signature = signature;
        } else content.push({ type: 'thinking', thinking: part.text, signature });
      } else if (last?.type === 'text') last.text += part.text;
      else if (part.text !== '') content.push({ type: 'text', text: part.text });
    } else if (part.functionCall !== undefined) {
      const call = part.functionCall;
      calls++;
      const id = typeof call.id === 'string' && call.id !== '' ? call.id : opts.newId('toolu_');
      content.push({ type: 'tool_use', id: joinCallId(id, part.thoughtSignature), name: String(call.name ?? ''), input: call.args ?? {} });
    }
  }
  const usage = isObject(r.usageMetadata) ? usageFromGemini(r.usageMetadata) : { inputTokens: 0, outputTokens: 0 };
  if (isObject(r.usageMetadata)) onUsage(usage);
  const reason = typeof c?.finishReason === 'string' ? c.finishReason : undefined;
  const out: MessagesResponse = {
    id: typeof r.responseId === 'string' && r.responseId !== '' ? r.responseId : opts.newId('msg_'),
    type: 'message',
    role: 'assistant',
    model: String(r.modelVersion ?? ''),
    content,
    stop_reason: c === undefined && promptBlocked(r) ? 'refusal' : stopFromGemini(reason, calls > 0),
    stop_sequence: null,
    usage: messagesUsage(usage),
  };
  return out;
}
