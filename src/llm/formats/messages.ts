// Anthropic Messages wire types (POST /v1/messages), modelling only the fields the gateway
// reads or writes; index signatures keep everything else (cache_control, citations, new block
// types) so pass-through bodies lose nothing.
// Reference: docs.anthropic.com/en/api/messages, .../messages-streaming, .../errors.

type Rest = { [key: string]: unknown };

// ---- content blocks --------------------------------------------------------------------

export interface TextBlock extends Rest {
  type: 'text';
  text: string;
}
export type ImageSource =
  | ({ type: 'base64'; media_type: string; data: string } & Rest)
  | ({ type: 'url'; url: string } & Rest)
  | ({ type: 'file'; file_id: string } & Rest);
export interface ImageBlock extends Rest {
  type: 'image';
  source: ImageSource;
}
export type DocumentSource =
  | ({ type: 'base64'; media_type: string; data: string } & Rest)
  | ({ type: 'text'; media_type: string; data: string } & Rest)
  | ({ type: 'url'; url: string } & Rest)
  | ({ type: string } & Rest);
export interface DocumentBlock extends Rest {
  type: 'document';
  source: DocumentSource;
  title?: string;
}
export interface ToolUseBlock extends Rest {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock extends Rest {
  type: 'tool_result';
  tool_use_id: string;
  content?: string | Array<TextBlock | ImageBlock | DocumentBlock>;
  is_error?: boolean;
}
export interface ThinkingBlock extends Rest {
  type: 'thinking';
  thinking: string;
  signature: string;
}
export interface RedactedThinkingBlock extends Rest {
  type: 'redacted_thinking';
  data: string;
}
/** Blocks we do not translate (server tools, search results, ...) still parse. */
export interface OtherBlock extends Rest {
  type: string;
}
export type ContentBlock = TextBlock | ImageBlock | DocumentBlock | ToolUseBlock | ToolResultBlock | ThinkingBlock | RedactedThinkingBlock;

// ---- request ---------------------------------------------------------------------------

export interface MessageParam extends Rest {
  role: 'user' | 'assistant';
  content: string | Array<ContentBlock | OtherBlock>;
}

export interface CustomTool extends Rest {
  type?: 'custom';
  name: string;
  description?: string;
  input_schema: Rest;
}

export type ToolChoice =
  | ({ type: 'auto'; disable_parallel_tool_use?: boolean } & Rest)
  | ({ type: 'any'; disable_parallel_tool_use?: boolean } & Rest)
  | ({ type: 'tool'; name: string; disable_parallel_tool_use?: boolean } & Rest)
  | ({ type: 'none' } & Rest);

export type ThinkingConfig =
  | ({ type: 'enabled'; budget_tokens: number } & Rest)
  | ({ type: 'disabled' } & Rest)
  | ({ type: 'adaptive' } & Rest);

export interface OutputConfig extends Rest {
  format?: ({ type: 'json_schema'; schema: Rest } & Rest) | null;
  effort?: 'low' | 'medium' | 'high' | 'max' | null;
}

export interface MessagesRequest extends Rest {
  model: string;
  max_tokens: number;
  messages: MessageParam[];
  system?: string | TextBlock[];
  stop_sequences?: string[];
  stream?: boolean;
  temperature?: number;
  top_p?: number;
  top_k?: number;
  metadata?: ({ user_id?: string | null } & Rest) | null;
  tools?: Array<CustomTool | ({ type: string; name: string } & Rest)>;
  tool_choice?: ToolChoice;
  thinking?: ThinkingConfig;
  output_config?: OutputConfig;
}

// ---- response --------------------------------------------------------------------------

export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'pause_turn'
  | 'refusal'
  | 'model_context_window_exceeded';

export interface MessagesUsage extends Rest {
  /** Excludes cache reads and cache writes. */
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  /** Output tokens spent on thinking (newer API versions; already inside output_tokens). */
  output_tokens_details?: ({ thinking_tokens?: number } & Rest) | null;
}

export interface MessagesResponse extends Rest {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: Array<ContentBlock | OtherBlock>;
  stop_reason: StopReason | null;
  stop_sequence: string | null;
  usage: MessagesUsage;
}

// ---- streaming -------------------------------------------------------------------------

export interface MessageStartEvent extends Rest {
  type: 'message_start';
  message: MessagesResponse;
}
export interface ContentBlockStartEvent extends Rest {
  type: 'content_block_start';
  index: number;
  content_block: ContentBlock | OtherBlock;
}
export type BlockDelta =
  | ({ type: 'text_delta'; text: string } & Rest)
  | ({ type: 'input_json_delta'; partial_json: string } & Rest)
  | ({ type: 'thinking_delta'; thinking: string } & Rest)
  | ({ type: 'signature_delta'; signature: string } & Rest)
  | ({ type: 'citations_delta' } & Rest);
export interface ContentBlockDeltaEvent extends Rest {
  type: 'content_block_delta';
  index: number;
  delta: BlockDelta;
}
export interface ContentBlockStopEvent extends Rest {
  type: 'content_block_stop';
  index: number;
}
/**
 * Usage on message_delta is cumulative. output_tokens is always there; newer API versions
 * also repeat input_tokens and the cache counters.
 */
export interface MessageDeltaEvent extends Rest {
  type: 'message_delta';
  delta: { stop_reason?: StopReason | null; stop_sequence?: string | null } & Rest;
  usage?: (Partial<MessagesUsage> & Rest) | null;
}
export interface MessageStopEvent extends Rest {
  type: 'message_stop';
}
export interface PingEvent extends Rest {
  type: 'ping';
}
export interface ErrorEvent extends Rest {
  type: 'error';
  error: AnthropicErrorDetail;
}
export type MessagesStreamEvent =
  | MessageStartEvent
  | ContentBlockStartEvent
  | ContentBlockDeltaEvent
  | ContentBlockStopEvent
  | MessageDeltaEvent
  | MessageStopEvent
  | PingEvent
  | ErrorEvent;

// ---- errors ----------------------------------------------------------------------------

export interface AnthropicErrorDetail extends Rest {
  type: string;
  message: string;
}

export interface AnthropicErrorBody extends Rest {
  type: 'error';
  error: AnthropicErrorDetail;
}
