// OpenAI Responses API (POST /v1/responses), the fields the gateway touches. Reference:
// platform.openai.com/docs/api-reference/responses (create, the Response object) and
// platform.openai.com/docs/api-reference/responses-streaming (the stream's events).
import { GatewayError } from '../../errors.js';
import { openaiTypeFor } from './errors.js';
import type { ProviderError } from './provider-errors.js';

type Rest = { [key: string]: unknown };

export interface ResponsesUsage extends Rest {
  /** Includes cached tokens (OpenAI's convention, as prompt_tokens). */
  input_tokens: number;
  input_tokens_details?: ({ cached_tokens?: number } & Rest) | null;
  /** Includes reasoning tokens. */
  output_tokens: number;
  output_tokens_details?: ({ reasoning_tokens?: number } & Rest) | null;
  total_tokens: number;
}

export interface OutputText extends Rest {
  type: 'output_text';
  text: string;
  annotations: unknown[];
}

export interface Refusal extends Rest {
  type: 'refusal';
  refusal: string;
}

export interface MessageItem extends Rest {
  type: 'message';
  id: string;
  status: ItemStatus;
  role: 'assistant';
  content: (OutputText | Refusal)[];
}

export interface FunctionCallItem extends Rest {
  type: 'function_call';
  id: string;
  call_id: string;
  name: string;
  arguments: string;
  status: ItemStatus;
}

/**
 * Reasoning: `content` holds reasoning text (as for open-weight models); a signature that lets the
 * provider verify replayed thinking (Anthropic's) rides in `encrypted_content`, which clients
 * send back unchanged.
 */
export interface ReasoningItem extends Rest {
  type: 'reasoning';
  id: string;
  summary: unknown[];
  content?: { type: 'reasoning_text'; text: string }[];
  encrypted_content?: string;
  status?: ItemStatus;
}

export type OutputItem = MessageItem | FunctionCallItem | ReasoningItem;
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

export interface ResponseObject extends Rest {
  id: string;
  object: 'response';
  created_at: number;
  status: ResponseStatus;
  error: { code: string; message: string } | null;
  incomplete_details: { reason: 'max_output_tokens' | 'content_filter' } | null;
  model: string;
  output: OutputItem[];
  usage: ResponsesUsage | null;
}

/** Terminal stream events: the full Response with its usage. */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/**
 * The stream's `error` event (`{"type":"error","code","message","param","sequence_number"}`), as
 * `event:`/`data:` SSE text. `code` is the gateway's stable code for its own errors, OpenAI's
 * error type for a provider's.
 */
export function responsesErrorEvent(sequence: number, e: GatewayError | (ProviderError & { code?: string })): string {
  const gateway = e instanceof GatewayError;
  const code = gateway ? e.code : (e.code ?? openaiTypeFor(e.status, e.type));
  const data = { type: 'error', code, message: e.message, param: gateway ? (e.param ?? null) : null, sequence_number: sequence };
  return `event: error\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The request fields a Response echoes, with the API's defaults for those the client left out. */
export function responseEcho(request: Rest | undefined): Rest {
  const r = request ?? {};
  const pick = (k: string, fallback: unknown): unknown => (r[k] === undefined ? fallback : r[k]);
  return {
    instructions: pick('instructions', null),
    max_output_tokens: pick('max_output_tokens', null),
    parallel_tool_calls: pick('parallel_tool_calls', true),
    previous_response_id: null,
    reasoning: { effort: null, summary: null, ...(isRecord(r.reasoning) ? r.reasoning : {}) },
    // Translated responses are not stored anywhere: a later previous_response_id could not find them.
    store: false,
    temperature: pick('temperature', 1),
    text: pick('text', { format: { type: 'text' } }),
    tool_choice: pick('tool_choice', 'auto'),
    tools: pick('tools', []),
    top_p: pick('top_p', 1),
    truncation: 'disabled',
    user: pick('user', null),
    metadata: pick('metadata', {}),
  };
}

function isRecord(v: unknown): v is Rest {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
