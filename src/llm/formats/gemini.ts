// Google Gemini wire types (generateContent / streamGenerateContent, embedContent,
// batchEmbedContents, and the Google error body), shared by the Gemini API
// (generativelanguage.googleapis.com/v1beta) and Vertex AI (publishers/google/models). Only
// the fields the gateway reads or writes are modelled; index signatures keep the rest, so a
// native Gemini client's request and the provider's answer pass through whole.
// Reference: ai.google.dev/api/generate-content, ai.google.dev/api/caching#Content,
// ai.google.dev/api/embeddings, cloud.google.com/apis/design/errors.

type Rest = { [key: string]: unknown };

// ---- content ---------------------------------------------------------------------------

export interface Blob extends Rest {
  mimeType: string;
  /** base64 */
  data: string;
}
export interface FileData extends Rest {
  mimeType?: string;
  fileUri: string;
}
export interface FunctionCall extends Rest {
  /** Set by some models (and Vertex) to correlate calls with responses; often absent. */
  id?: string;
  name: string;
  args?: Rest;
}
export interface FunctionResponse extends Rest {
  id?: string;
  name: string;
  /** `{output}` or `{error}` (Google's convention); any object is accepted. */
  response: Rest;
}

/** A part holds exactly one of text, inlineData, fileData, functionCall, functionResponse, ... */
export interface Part extends Rest {
  text?: string;
  /** The text is the model's thinking (a summary of it), not its answer. */
  thought?: boolean;
  /** Opaque signature the model wants echoed back with this part in the next turn (Gemini 3). */
  thoughtSignature?: string;
  inlineData?: Blob;
  fileData?: FileData;
  functionCall?: FunctionCall;
  functionResponse?: FunctionResponse;
}

export interface Content extends Rest {
  /** `user` or `model`; absent on systemInstruction. */
  role?: 'user' | 'model';
  parts: Part[];
}

// ---- request ---------------------------------------------------------------------------

export interface FunctionDeclaration extends Rest {
  name: string;
  description?: string;
  /** Full JSON Schema (the OpenAPI-subset `parameters` is the older alternative). */
  parametersJsonSchema?: Rest;
  parameters?: Rest;
}

export interface Tool extends Rest {
  functionDeclarations?: FunctionDeclaration[];
}

export interface ToolConfig extends Rest {
  functionCallingConfig?: {
    mode?: 'AUTO' | 'ANY' | 'NONE' | 'VALIDATED';
    allowedFunctionNames?: string[];
  } & Rest;
}

export interface ThinkingConfig extends Rest {
  includeThoughts?: boolean;
  /** Tokens; 0 turns thinking off (where the model allows), -1 lets the model decide. */
  thinkingBudget?: number;
  /** Gemini 3: `minimal` | `low` | `medium` | `high`. */
  thinkingLevel?: string;
}

export interface GenerationConfig extends Rest {
  stopSequences?: string[];
  responseMimeType?: string;
  responseJsonSchema?: Rest;
  candidateCount?: number;
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  thinkingConfig?: ThinkingConfig;
}

export interface GenerateContentRequest extends Rest {
  contents: Content[];
  systemInstruction?: Content;
  tools?: Tool[];
  toolConfig?: ToolConfig;
  generationConfig?: GenerationConfig;
}

// ---- response --------------------------------------------------------------------------

export type FinishReason =
  | 'FINISH_REASON_UNSPECIFIED'
  | 'STOP'
  | 'MAX_TOKENS'
  | 'SAFETY'
  | 'RECITATION'
  | 'LANGUAGE'
  | 'OTHER'
  | 'BLOCKLIST'
  | 'PROHIBITED_CONTENT'
  | 'SPII'
  | 'MALFORMED_FUNCTION_CALL'
  | 'IMAGE_SAFETY'
  | 'UNEXPECTED_TOOL_CALL'
  | 'TOO_MANY_TOOL_CALLS';

export interface Candidate extends Rest {
  content?: Content;
  finishReason?: FinishReason | string;
  index?: number;
}

/**
 * Token counts. promptTokenCount INCLUDES cachedContentTokenCount; candidatesTokenCount
 * EXCLUDES thoughtsTokenCount; totalTokenCount = prompt + toolUsePrompt + candidates + thoughts.
 * In a stream every chunk's usageMetadata is the running total of the whole request so far.
 */
export interface UsageMetadata extends Rest {
  promptTokenCount?: number;
  cachedContentTokenCount?: number;
  candidatesTokenCount?: number;
  toolUsePromptTokenCount?: number;
  thoughtsTokenCount?: number;
  totalTokenCount?: number;
}

export interface GenerateContentResponse extends Rest {
  candidates?: Candidate[];
  promptFeedback?: ({ blockReason?: string } & Rest) | null;
  usageMetadata?: UsageMetadata;
  modelVersion?: string;
  responseId?: string;
}

// ---- embeddings ------------------------------------------------------------------------

export interface EmbedContentRequest extends Rest {
  /** `models/<id>`; required inside batchEmbedContents requests. */
  model?: string;
  content: Content;
  taskType?: string;
  outputDimensionality?: number;
}

export interface ContentEmbedding extends Rest {
  values: number[];
}

/** `:embedContent` answers `embedding`, `:batchEmbedContents` answers `embeddings`. */
export interface EmbedContentResponse extends Rest {
  embedding?: ContentEmbedding;
  embeddings?: ContentEmbedding[];
  usageMetadata?: UsageMetadata;
}

// ---- errors ----------------------------------------------------------------------------

/** Google's error body (google.rpc.Status as JSON). */
export interface GoogleErrorBody extends Rest {
  error: {
    code: number;
    message: string;
    /** Canonical code name: INVALID_ARGUMENT, UNAUTHENTICATED, RESOURCE_EXHAUSTED, ... */
    status?: string;
    details?: unknown[];
  } & Rest;
}
