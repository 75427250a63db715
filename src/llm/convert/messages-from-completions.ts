// Client speaks OpenAI chat completions, provider speaks Anthropic Messages
// (e.g. /anthropic/v1/chat/completions on an anthropic provider).
import type { AssistantMessage, ChatCompletion, ToolCall } from '../formats/completions.js';
import type { MessagesResponse, MessagesUsage } from '../formats/messages.js';
import { clientError, readProviderError } from '../formats/provider-errors.js';
import { completionsUsage, usageFromMessages } from '../formats/usage.js';
import type { Usage } from '../usage.js';
import { finishReasonFromStop, MessagesToChunks } from '../stream/messages-to-chunks.js';
import { isObject } from './fields.js';
import { messagesRequestFromCompletions } from './messages-from-completions-request.js';
import { resolveOptions, type ConversionOptions } from './options.js';
import type { ClientError, Conversion, Json, StreamOptions, StreamTransducer } from './types.js';

export function messagesFromCompletions(options?: ConversionOptions): Conversion {
  const opts = resolveOptions(options);
  return {
    from: 'completions',
    to: 'messages',
    request: messagesRequestFromCompletions,
    response: (body: Json, onUsage: (u: Usage) => void): Json => completionFromMessage(body, onUsage, opts.now()),
    error: (status: number, raw: Uint8Array): ClientError => clientError('openai', readProviderError(status, raw)),
    stream: (so: StreamOptions): StreamTransducer => new MessagesToChunks(so, opts.now),
  };
}

/**
 * An Anthropic message -> a chat.completion: text blocks joined into `content`, tool_use ->
 * tool_calls (input JSON-stringified), thinking -> reasoning_content (+ its signature, so the
 * client can replay it), stop_reason -> finish_reason, usage with cache reads and writes kept.
 */
export function completionFromMessage(body: Json, onUsage: (u: Usage) => void, created: number): Json {
  const msg = body as Partial<MessagesResponse>;
  let text: string | null = null;
  let reasoning: string | null = null;
  let signature: string | null = null;
  const toolCalls: ToolCall[] = [];
  for (const block of Array.isArray(msg.content) ? msg.content : []) {
    if (!isObject(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') text = (text ?? '') + block.text;
    else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning = (reasoning ?? '') + block.thinking;
      if (typeof block.signature === 'string') signature = block.signature;
    } else if (block.type === 'tool_use') {
      toolCalls.push({
        id: String(block.id ?? ''),
        type: 'function',
        function: { name: String(block.name ?? ''), arguments: JSON.stringify(block.input ?? {}) },
      });
    }
    // server_tool_use and its results ran on Anthropic's side; redacted_thinking is opaque.
  }
  const message: AssistantMessage = { role: 'assistant', content: text, refusal: null };
  if (reasoning !== null) message.reasoning_content = reasoning;
  if (signature !== null) message.reasoning_signature = signature;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const out: ChatCompletion = {
    id: String(msg.id ?? ''),
    object: 'chat.completion',
    created,
    model: String(msg.model ?? ''),
    choices: [
      {
        index: 0,
        message,
        logprobs: null,
        finish_reason: msg.stop_reason === undefined ? null : finishReasonFromStop(msg.stop_reason),
      },
    ],
  };
  if (isObject(msg.usage)) {
    const usage = usageFromMessages(msg.usage as Partial<MessagesUsage>);
    onUsage(usage);
    out.usage = completionsUsage(usage);
  }
  return out;
}
