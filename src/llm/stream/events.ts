// Typed parsing of upstream stream frames. Each provider frame is parsed once into the wire
// type from formats/, with just enough checking that the state machines can trust the fields
// they use; a frame that claims a known type but lacks them is a protocol error, unknown event
// types are skipped (Anthropic's versioning policy allows new ones to appear).
import type { ChatCompletionChunk } from '../formats/completions.js';
import type { GenerateContentResponse } from '../formats/gemini.js';
import type { MessagesStreamEvent } from '../formats/messages.js';
import type { ProviderErrorType } from '../formats/provider-errors.js';
import { errorDetail, errorType, statusForType } from '../formats/provider-errors.js';

export class StreamProtocolError extends Error {}

type Obj = Record<string, unknown>;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseObject(data: string): Obj {
  const v: unknown = JSON.parse(data);
  if (!isObject(v)) throw new StreamProtocolError('stream frame is not a JSON object');
  return v;
}

function needIndex(ev: Obj): void {
  if (typeof ev.index !== 'number') throw new StreamProtocolError(`${String(ev.type)} without an index`);
}

/** An Anthropic stream event, or null for a type this gateway does not know. */
export function parseMessagesEvent(data: string): MessagesStreamEvent | null {
  const ev = parseObject(data);
  switch (ev.type) {
    case 'message_start': {
      const m = ev.message;
      if (!isObject(m) || typeof m.id !== 'string' || typeof m.model !== 'string') {
        throw new StreamProtocolError('message_start without a message id and model');
      }
      break;
    }
    case 'content_block_start':
      needIndex(ev);
      if (!isObject(ev.content_block) || typeof ev.content_block.type !== 'string') {
        throw new StreamProtocolError('content_block_start without a content_block');
      }
      break;
    case 'content_block_delta':
      needIndex(ev);
      if (!isObject(ev.delta) || typeof ev.delta.type !== 'string') {
        throw new StreamProtocolError('content_block_delta without a delta');
      }
      break;
    case 'content_block_stop':
      needIndex(ev);
      break;
    case 'message_delta':
      if (!isObject(ev.delta)) ev.delta = {};
      break;
    case 'error': {
      const detail = errorDetail(ev);
      ev.error = { type: detail?.type ?? 'api_error', message: detail?.message ?? 'upstream stream error' };
      break;
    }
    case 'message_stop':
    case 'ping':
      break;
    default:
      return null;
  }
  return ev as MessagesStreamEvent;
}

export type CompletionsFrame = { kind: 'chunk'; chunk: ChatCompletionChunk } | { kind: 'error'; type: unknown; message: string };

/** An OpenAI stream frame (not `[DONE]`): a chunk, or an error object sent mid-stream. */
export function parseCompletionsFrame(data: string): CompletionsFrame {
  const v = parseObject(data);
  if (v.choices === undefined || v.choices === null || Array.isArray(v.choices)) {
    const detail = v.error !== undefined || v.object === 'error' ? errorDetail(v) : null;
    if (detail) return { kind: 'error', type: detail.type, message: detail.message };
    return { kind: 'chunk', chunk: v as ChatCompletionChunk };
  }
  throw new StreamProtocolError('chunk choices is not an array');
}

export type GeminiFrame =
  | { kind: 'chunk'; chunk: GenerateContentResponse }
  | { kind: 'error'; type: unknown; message: string; code: number | undefined };

/** The status and type of Google's error object sent mid-stream (its `code` is the HTTP status). */
export function geminiStreamError(frame: Extract<GeminiFrame, { kind: 'error' }>): { status: number; type: ProviderErrorType } {
  const type = errorType(frame.code ?? 0, frame.type);
  return { status: frame.code ?? statusForType(type), type };
}

/**
 * A Gemini `streamGenerateContent?alt=sse` frame: a GenerateContentResponse, or Google's error
 * object (`{"error":{"code","message","status"}}`), which Google sends when a stream fails.
 */
export function parseGeminiFrame(data: string): GeminiFrame {
  const v = parseObject(data);
  if (v.error !== undefined) {
    const detail = errorDetail(v);
    const code = isObject(v.error) && typeof v.error.code === 'number' ? v.error.code : undefined;
    if (detail) return { kind: 'error', type: detail.type, message: detail.message, code };
  }
  if (v.candidates !== undefined && !Array.isArray(v.candidates)) throw new StreamProtocolError('candidates is not an array');
  return { kind: 'chunk', chunk: v as GenerateContentResponse };
}
