// Amazon Bedrock Converse wire types (POST /model/{modelId}/converse and /converse-stream),
// modelling only the fields the gateway reads or writes; index signatures keep the rest.
// Reference: docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html,
// API_runtime_ConverseStream.html, API_runtime_ContentBlock.html, API_runtime_TokenUsage.html.
//
// Content blocks are unions keyed by their single member (`{"text": ...}`, `{"toolUse": {...}}`),
// not by a `type` field as in Anthropic's format. Streams are AWS event-stream messages whose
// `:event-type` header names the member (messageStart, contentBlockStart, contentBlockDelta,
// contentBlockStop, messageStop, metadata); each JSON payload carries its fields directly.

type Rest = { [key: string]: unknown };

// ---- request ---------------------------------------------------------------------------

export interface ConverseImage extends Rest {
  /** png | jpeg | gif | webp */
  format: string;
  source: { bytes: string } & Rest;
}

export interface ConverseDocument extends Rest {
  /** pdf | csv | doc | docx | xls | xlsx | html | txt | md */
  format: string;
  /** Letters, digits, single spaces, hyphens, parentheses and brackets only. */
  name: string;
  source: { bytes: string } & Rest;
}

export interface ConverseToolUse extends Rest {
  toolUseId: string;
  name: string;
  input: unknown;
}

export type ConverseToolResultContent = { text: string } | { json: unknown } | { image: ConverseImage } | { document: ConverseDocument };

export interface ConverseToolResult extends Rest {
  toolUseId: string;
  content: ConverseToolResultContent[];
  status?: 'success' | 'error';
}

export interface ConverseReasoning extends Rest {
  reasoningText?: { text: string; signature?: string } & Rest;
  redactedContent?: string;
}

export const CACHE_POINT = { cachePoint: { type: 'default' } } as const;
export type CachePoint = typeof CACHE_POINT;

export type ConverseBlock =
  | { text: string }
  | { image: ConverseImage }
  | { document: ConverseDocument }
  | { toolUse: ConverseToolUse }
  | { toolResult: ConverseToolResult }
  | { reasoningContent: ConverseReasoning }
  | CachePoint;

export interface ConverseMessage extends Rest {
  role: 'user' | 'assistant';
  content: ConverseBlock[];
}

export type ConverseSystemBlock = { text: string } | CachePoint;

export interface ConverseToolSpec extends Rest {
  name: string;
  description?: string;
  inputSchema: { json: unknown };
}

export type ConverseTool = { toolSpec: ConverseToolSpec } | CachePoint;

export type ConverseToolChoice = { auto: Rest } | { any: Rest } | { tool: { name: string } };

export interface ConverseInferenceConfig extends Rest {
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stopSequences?: string[];
}

export interface ConverseRequest extends Rest {
  messages: ConverseMessage[];
  system?: ConverseSystemBlock[];
  inferenceConfig?: ConverseInferenceConfig;
  toolConfig?: { tools: ConverseTool[]; toolChoice?: ConverseToolChoice };
  guardrailConfig?: { guardrailIdentifier: string; guardrailVersion: string; trace?: 'enabled' | 'disabled' | 'enabled_full' };
  additionalModelRequestFields?: Rest;
  outputConfig?: Rest;
  requestMetadata?: Record<string, string>;
}

// ---- response --------------------------------------------------------------------------

export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'model_context_window_exceeded'
  | 'malformed_model_output'
  | 'malformed_tool_use';

/**
 * Token usage. `inputTokens` EXCLUDES the cache reads and writes (reported separately);
 * `totalTokens` is everything (input + cache read + cache write + output).
 */
export interface ConverseUsage extends Rest {
  inputTokens: number;
  outputTokens: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseResponse extends Rest {
  output?: { message?: ConverseMessage } & Rest;
  stopReason?: ConverseStopReason | string;
  usage?: ConverseUsage;
  metrics?: { latencyMs?: number } & Rest;
  additionalModelResponseFields?: Rest;
}

// ---- streaming (payloads of each :event-type) --------------------------------------------

export interface ConverseBlockStart extends Rest {
  contentBlockIndex: number;
  start?: { toolUse?: { toolUseId: string; name: string } & Rest } & Rest;
}

export interface ConverseBlockDelta extends Rest {
  contentBlockIndex: number;
  delta: {
    text?: string;
    toolUse?: { input: string } & Rest;
    reasoningContent?: { text?: string; signature?: string; redactedContent?: string } & Rest;
  } & Rest;
}

export interface ConverseMessageStop extends Rest {
  stopReason: ConverseStopReason | string;
  additionalModelResponseFields?: Rest;
}

export interface ConverseMetadata extends Rest {
  usage?: ConverseUsage;
  metrics?: { latencyMs?: number } & Rest;
}

/** Bedrock's error body (`message`, sometimes `Message`); the type is in `x-amzn-ErrorType`. */
export interface ConverseErrorBody extends Rest {
  message?: string;
  Message?: string;
}
