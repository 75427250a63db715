// OpenAI Chat Completions wire types (POST /v1/chat/completions), modelling only the fields the
// gateway reads or writes. Every object keeps an index signature so fields we do not model
// (new OpenAI parameters, vendor extensions of OpenAI-compatible servers) survive untouched
// wherever a body is passed through.
// Reference: platform.openai.com/docs/api-reference/chat (create, object, streaming).

type Rest = { [key: string]: unknown };

// ---- request ---------------------------------------------------------------------------

export interface TextPart extends Rest {
  type: 'text';
  text: string;
}
export interface ImageUrlPart extends Rest {
  type: 'image_url';
  image_url: { url: string; detail?: 'auto' | 'low' | 'high' } & Rest;
}
export interface InputAudioPart extends Rest {
  type: 'input_audio';
  input_audio: { data: string; format: string };
}
export interface FilePart extends Rest {
  type: 'file';
  file: { file_data?: string; file_id?: string; filename?: string } & Rest;
}
export interface RefusalPart extends Rest {
  type: 'refusal';
  refusal: string;
}
export type ContentPart = TextPart | ImageUrlPart | InputAudioPart | FilePart | RefusalPart;

export interface ToolCall extends Rest {
  /** Present on streamed deltas only. */
  index?: number;
  id: string;
  type: 'function';
  function: { name: string; arguments: string } & Rest;
}

export interface SystemMessage extends Rest {
  role: 'system' | 'developer';
  content: string | TextPart[];
}
export interface UserMessage extends Rest {
  role: 'user';
  content: string | ContentPart[];
}
export interface AssistantMessage extends Rest {
  role: 'assistant';
  content?: string | Array<TextPart | RefusalPart> | null;
  refusal?: string | null;
  tool_calls?: ToolCall[];
  /** Vendor extension (DeepSeek, vLLM, agentgateway): the model's reasoning text. */
  reasoning_content?: string | null;
  /** agentgateway extension: Anthropic's thinking signature, so thinking can be replayed. */
  reasoning_signature?: string | null;
}
export interface ToolMessage extends Rest {
  role: 'tool';
  tool_call_id: string;
  content: string | TextPart[];
}
/** Deprecated function-calling role, still accepted by OpenAI. */
export interface FunctionMessage extends Rest {
  role: 'function';
  name: string;
  content: string | null;
}
export type ChatMessage = SystemMessage | UserMessage | AssistantMessage | ToolMessage | FunctionMessage;

export interface FunctionTool extends Rest {
  type: 'function';
  function: { name: string; description?: string; parameters?: Rest; strict?: boolean } & Rest;
}

export type ToolChoice = 'none' | 'auto' | 'required' | ({ type: 'function'; function: { name: string } } & Rest);

export type ReasoningEffort = 'none' | 'minimal' | 'low' | 'medium' | 'high' | 'xhigh' | 'max';

export type ResponseFormat =
  | ({ type: 'text' } & Rest)
  | ({ type: 'json_object' } & Rest)
  | ({ type: 'json_schema'; json_schema: { name: string; schema?: Rest; strict?: boolean | null } & Rest } & Rest);

export interface ChatCompletionRequest extends Rest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  temperature?: number | null;
  top_p?: number | null;
  n?: number | null;
  stop?: string | string[] | null;
  stream?: boolean | null;
  stream_options?: ({ include_usage?: boolean } & Rest) | null;
  tools?: FunctionTool[];
  tool_choice?: ToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  reasoning_effort?: ReasoningEffort | null;
  response_format?: ResponseFormat;
}

// ---- response --------------------------------------------------------------------------

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export interface CompletionUsage extends Rest {
  /** Includes cached prompt tokens. */
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: ({ cached_tokens?: number; cache_write_tokens?: number } & Rest) | null;
  completion_tokens_details?: ({ reasoning_tokens?: number } & Rest) | null;
  /** Anthropic-style cache counters some gateways (agentgateway, LiteLLM) add at top level. */
  cache_read_input_tokens?: number;
  cache_creation_input_tokens?: number;
  /** DeepSeek: prompt tokens served from its context cache (prompt_tokens = hit + miss). */
  prompt_cache_hit_tokens?: number;
  /** Moonshot (Kimi): prompt tokens served from its context cache. */
  cached_tokens?: number;
}

export interface ChatCompletion extends Rest {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<
    {
      index: number;
      message: AssistantMessage;
      finish_reason: FinishReason | null;
      logprobs?: unknown;
    } & Rest
  >;
  usage?: CompletionUsage | null;
}

// ---- streaming -------------------------------------------------------------------------

export interface ChunkToolCall extends Rest {
  index?: number;
  id?: string | null;
  type?: 'function' | null;
  function?: ({ name?: string | null; arguments?: string | null } & Rest) | null;
}

export interface ChunkDelta extends Rest {
  role?: 'assistant' | null;
  content?: string | null;
  refusal?: string | null;
  tool_calls?: ChunkToolCall[] | null;
  reasoning_content?: string | null;
  /** OpenRouter's name for reasoning text. */
  reasoning?: string | null;
  reasoning_signature?: string | null;
}

export interface ChunkChoice extends Rest {
  index: number;
  delta: ChunkDelta;
  finish_reason: FinishReason | null;
  /** Moonshot (Kimi) reports stream usage here, in the finish chunk's choice. */
  usage?: CompletionUsage | null;
}

export interface ChatCompletionChunk extends Rest {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  /** Empty (or null/absent on some compatible servers) on the usage-only chunk. */
  choices?: ChunkChoice[] | null;
  usage?: CompletionUsage | null;
}

/** A `data:` frame carrying an error instead of a chunk (OpenAI sends these mid-stream). */
export interface StreamErrorFrame extends Rest {
  error: OpenAIErrorDetail;
}

// ---- errors ----------------------------------------------------------------------------

export interface OpenAIErrorDetail extends Rest {
  message: string;
  type?: string | null;
  param?: string | null;
  code?: string | number | null;
}

export interface OpenAIErrorBody extends Rest {
  error: OpenAIErrorDetail;
}

export const DONE_SENTINEL = '[DONE]';
