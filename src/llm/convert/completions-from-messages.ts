// Client speaks Anthropic Messages, provider speaks OpenAI chat completions: route type
// `messages` on an `openAI` (or OpenAI-compatible) provider, so Claude Code and the Anthropic
// SDK can use any OpenAI-compatible model.
import type { ChatCompletion, CompletionUsage } from '../formats/completions.js';
import type { ContentBlock, MessagesResponse } from '../formats/messages.js';
import { clientError, readProviderError } from '../formats/provider-errors.js';
import { messagesUsage, usageFromCompletions } from '../formats/usage.js';
import type { Usage } from '../usage.js';
import { ChunksToMessages, stopReasonFromFinish } from '../stream/chunks-to-messages.js';
import { completionsRequestFromMessages } from './completions-from-messages-request.js';
import { isObject } from './fields.js';
import { resolveOptions, type ConversionOptions, type ResolvedOptions } from './options.js';
import type { ClientError, Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

export function completionsFromMessages(options?: ConversionOptions): Conversion {
  const opts = resolveOptions(options);
  return {
    from: 'messages',
    to: 'completions',
    request: completionsRequestFromMessages,
    response: (body: Json, onUsage: (u: Usage) => void): Json => messageFromCompletion(body, onUsage, opts),
    error: (status: number, raw: Uint8Array): ClientError => clientError('anthropic', readProviderError(status, raw)),
    stream: (so: StreamOptions): StreamTransducer => new ChunksToMessages(so, opts.newId),
  };
}

/** `""` means no arguments; arguments that are not JSON (a call cut off by max tokens) stay as text. */
function toolInput(args: unknown): unknown {
  if (typeof args !== 'string' || args.trim() === '') return {};
  try {
    return JSON.parse(args);
  } catch {
    return args;
  }
}

/**
 * A chat.completion -> an Anthropic message: reasoning -> a thinking block first, content (or a
 * refusal) -> text, tool_calls -> tool_use (arguments parsed), finish_reason -> stop_reason,
 * usage with input_tokens excluding the cached part, as Anthropic counts.
 */
function messageFromCompletion(body: Json, onUsage: (u: Usage) => void, opts: ResolvedOptions): Json {
  const completion = body as Partial<ChatCompletion>;
  const choice = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  const msg: Json = isObject(choice?.message) ? choice.message : {};
  const content: ContentBlock[] = [];
  const reasoning = msg.reasoning_content ?? msg.reasoning;
  if (typeof reasoning === 'string' && reasoning !== '') {
    const signature = typeof msg.reasoning_signature === 'string' ? msg.reasoning_signature : '';
    content.push({ type: 'thinking', thinking: reasoning, signature });
  }
  if (typeof msg.content === 'string' && msg.content !== '') content.push({ type: 'text', text: msg.content });
  else if (Array.isArray(msg.content)) {
    for (const p of msg.content)
      if (isObject(p) && p.type === 'text' && typeof p.text === 'string') content.push({ type: 'text', text: p.text });
  }
  if (typeof msg.refusal === 'string' && msg.refusal !== '') content.push({ type: 'text', text: msg.refusal });
  for (const call of Array.isArray(msg.tool_calls) ? msg.tool_calls : []) {
    if (!isObject(call) || !isObject(call.function)) continue;
    content.push({
      type: 'tool_use',
      id: typeof call.id === 'string' && call.id !== '' ? call.id : opts.newId('toolu_'),
      name: String(call.function.name ?? ''),
      input: toolInput(call.function.arguments),
    });
  }
  const usage = isObject(completion.usage)
    ? usageFromCompletions(completion.usage as CompletionUsage)
    : { inputTokens: 0, outputTokens: 0 };
  if (isObject(completion.usage)) onUsage(usage);
  const out: MessagesResponse = {
    id: typeof completion.id === 'string' && completion.id !== '' ? completion.id : opts.newId('msg_'),
    type: 'message',
    role: 'assistant',
    model: String(completion.model ?? ''),
    content,
    stop_reason: typeof msg.refusal === 'string' && msg.refusal !== '' ? 'refusal' : stopReasonFromFinish(choice?.finish_reason),
    stop_sequence: null,
    usage: messagesUsage(usage),
  };
  return out;
}
