// Token usage between the two wire formats and the gateway's Usage shape.
//
// The formats disagree about what "input" means:
//   OpenAI    prompt_tokens  = everything in the prompt, cached tokens included
//             (prompt_tokens_details.cached_tokens says how many were cache reads).
//   Anthropic input_tokens   = only the uncached remainder; cache_read_input_tokens and
//             cache_creation_input_tokens are counted separately and are NOT in input_tokens.
// Usage.inputTokens is always the total (OpenAI's convention), with the cache parts kept apart.
//
// How the usage reports of one STREAM combine, per wire format (the tallies at the end of this
// file are the only place this is decided; every stream transducer uses them):
//
// | format    | where usage is reported                         | combine                          |
// | --------- | ----------------------------------------------- | -------------------------------- |
// | Bedrock   | the `metadata` event (once, at the end) | the single report is final       |
// | Converse  |                                         |                                  |
// | Gemini    | every chunk's usageMetadata is the running total | each report is a snapshot of the |
// | (Google)  | of the whole request so far (the GenAI SDK's     | whole request: the latest one    |
// |           | rule: "the latest one is the hop's usage (chunks | replaces the earlier. prompt     |
// |           | are not summed)"); the final chunk has the full  | includes cached; output = the    |
// |           | counts.                                          | candidates + thoughts.           |
// | Anthropic | message_start.message.usage, then each          | per field: a later report        |
// |           | message_delta.usage. Every counter is a         | REPLACES the earlier one, never  |
// |           | cumulative whole-message total, omitted when it | adds (the Anthropic SDK's own    |
// |           | does not apply (Anthropic docs; the SDK's       | rule). input_tokens excludes the |
// |           | MessageDeltaUsage: "The cumulative number of    | cache counters in every report,  |
// |           | input tokens ..."; MessageStream accumulates by | so an early all-inclusive figure |
// |           | overwriting "when present and never add").      | is simply superseded.            |
// | OpenAI    | the chunk's `usage` (OpenAI: only the last      | each report is a snapshot of the |
// | and       | chunk, `choices: []`); vLLM's continuous usage: | whole request: the latest one    |
// | compatible| every chunk; Moonshot Kimi: `choices[0].usage`; | replaces the earlier. prompt     |
// |           | Groq (older API): `x_groq.usage`.               | tokens include cached tokens.    |
//
// Both: a report whose counters are all zero after a non-zero one is a placeholder (compatible
// servers send zeros before they know), never a correction, since cumulative counts cannot fall.
import type { Usage } from '../usage.js';
import type { ChatCompletionChunk, CompletionUsage } from './completions.js';
import type { ConverseUsage } from './converse.js';
import type { UsageMetadata } from './gemini.js';
import type { MessagesUsage } from './messages.js';
import type { ResponsesUsage } from './responses.js';

function count(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

function has(v: unknown): boolean {
  return typeof v === 'number';
}

/** Anthropic usage (final or cumulative) -> Usage. */
export function usageFromMessages(u: Partial<MessagesUsage>): Usage {
  const cacheRead = count(u.cache_read_input_tokens);
  const cacheWrite = count(u.cache_creation_input_tokens);
  const usage: Usage = {
    inputTokens: count(u.input_tokens) + cacheRead + cacheWrite,
    outputTokens: count(u.output_tokens),
  };
  if (has(u.cache_read_input_tokens)) usage.cacheReadTokens = cacheRead;
  if (has(u.cache_creation_input_tokens)) usage.cacheWriteTokens = cacheWrite;
  const thinking = u.output_tokens_details?.thinking_tokens;
  if (has(thinking)) usage.reasoningTokens = count(thinking);
  return usage;
}

/**
 * Bedrock Converse usage -> Usage. Like Anthropic's, Converse `inputTokens` leaves out the cache
 * reads and writes (`totalTokens` = input + cache read + cache write + output), so the total
 * prompt is their sum.
 */
export function usageFromConverse(u: Partial<ConverseUsage>): Usage {
  const cacheRead = count(u.cacheReadInputTokens);
  const cacheWrite = count(u.cacheWriteInputTokens);
  const usage: Usage = { inputTokens: count(u.inputTokens) + cacheRead + cacheWrite, outputTokens: count(u.outputTokens) };
  if (has(u.cacheReadInputTokens)) usage.cacheReadTokens = cacheRead;
  if (has(u.cacheWriteInputTokens)) usage.cacheWriteTokens = cacheWrite;
  return usage;
}

/**
 * OpenAI usage -> Usage. Cached reads: OpenAI's prompt_tokens_details.cached_tokens, else
 * DeepSeek's prompt_cache_hit_tokens, Moonshot's top-level cached_tokens, or the Anthropic-style
 * counter some gateways add. Cache writes are not an OpenAI concept; compatible servers and
 * gateways report them as prompt_tokens_details.cache_write_tokens or Anthropic-style at top level.
 */
export function usageFromCompletions(u: CompletionUsage): Usage {
  const details = u.prompt_tokens_details ?? undefined;
  const readRaw = details?.cached_tokens ?? u.prompt_cache_hit_tokens ?? u.cached_tokens ?? u.cache_read_input_tokens;
  const writeRaw = details?.cache_write_tokens ?? u.cache_creation_input_tokens;
  const usage: Usage = { inputTokens: count(u.prompt_tokens), outputTokens: count(u.completion_tokens) };
  if (has(readRaw)) usage.cacheReadTokens = count(readRaw);
  if (has(writeRaw)) usage.cacheWriteTokens = count(writeRaw);
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (has(reasoning)) usage.reasoningTokens = count(reasoning);
  return usage;
}

/** OpenAI Responses usage -> Usage: the same convention as Chat Completions (input includes cached). */
export function usageFromResponses(u: Partial<ResponsesUsage>): Usage {
  const usage: Usage = { inputTokens: count(u.input_tokens), outputTokens: count(u.output_tokens) };
  const read = u.input_tokens_details?.cached_tokens;
  if (has(read)) usage.cacheReadTokens = count(read);
  const reasoning = u.output_tokens_details?.reasoning_tokens;
  if (has(reasoning)) usage.reasoningTokens = count(reasoning);
  return usage;
}

/** Usage -> Responses usage for a Responses client (cache writes have no field there). */
export function responsesUsage(u: Usage): ResponsesUsage {
  return {
    input_tokens: u.inputTokens,
    input_tokens_details: { cached_tokens: u.cacheReadTokens ?? 0 },
    output_tokens: u.outputTokens,
    output_tokens_details: { reasoning_tokens: u.reasoningTokens ?? 0 },
    total_tokens: u.inputTokens + u.outputTokens,
  };
}

/**
 * Gemini usageMetadata -> Usage. Google counts cached tokens inside promptTokenCount (like
 * OpenAI) and thinking apart from candidatesTokenCount (unlike OpenAI, whose completion tokens
 * include reasoning), so output = candidates + thoughts. Tokens of tool-use prompts (Google
 * Search results, code execution) are prompt tokens the model read, so they count as input.
 */
export function usageFromGemini(u: UsageMetadata): Usage {
  const thoughts = count(u.thoughtsTokenCount);
  const usage: Usage = {
    inputTokens: count(u.promptTokenCount) + count(u.toolUsePromptTokenCount),
    outputTokens: count(u.candidatesTokenCount) + thoughts,
  };
  if (has(u.cachedContentTokenCount)) usage.cacheReadTokens = count(u.cachedContentTokenCount);
  if (has(u.thoughtsTokenCount)) usage.reasoningTokens = thoughts;
  return usage;
}

/**
 * Usage -> OpenAI usage for a completions client. The cache-write count has no OpenAI field;
 * it is kept the way agentgateway writes it (prompt_tokens_details.cache_write_tokens plus the
 * Anthropic-style top-level counters), so cost tooling that knows either convention finds it.
 */
export function completionsUsage(u: Usage): CompletionUsage {
  const read = u.cacheReadTokens ?? 0;
  const write = u.cacheWriteTokens ?? 0;
  const out: CompletionUsage = {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: read, cache_write_tokens: write },
  };
  if (u.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoningTokens };
  out.cache_read_input_tokens = read;
  out.cache_creation_input_tokens = write;
  return out;
}

/** Usage -> Anthropic usage for a messages client: input_tokens excludes the cache parts. */
export function messagesUsage(u: Usage): MessagesUsage {
  const read = u.cacheReadTokens ?? 0;
  const write = u.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, u.inputTokens - read - write),
    cache_creation_input_tokens: write,
    cache_read_input_tokens: read,
    output_tokens: u.outputTokens,
  };
}

function inputSide(u: Partial<MessagesUsage>): number {
  return count(u.input_tokens) + count(u.cache_read_input_tokens) + count(u.cache_creation_input_tokens);
}

/** The usage reports of one Anthropic Messages stream, combined as the table above says. */
export class MessagesUsageTally {
  private readonly seen: MessagesUsage = { input_tokens: 0, output_tokens: 0 };

  /** Folds in message_start's or a message_delta's usage; returns the usage so far. */
  add(u: Partial<MessagesUsage>): Usage {
    const s = this.seen;
    // The prompt side is one split (fresh + cache read + cache write): a report that carries a
    // non-zero prompt side replaces each counter it carries.
    if (inputSide(u) > 0 || inputSide(s) === 0) {
      if (has(u.input_tokens)) s.input_tokens = count(u.input_tokens);
      if (has(u.cache_read_input_tokens)) s.cache_read_input_tokens = count(u.cache_read_input_tokens);
      if (has(u.cache_creation_input_tokens)) s.cache_creation_input_tokens = count(u.cache_creation_input_tokens);
    }
    if (has(u.output_tokens) && (count(u.output_tokens) > 0 || s.output_tokens === 0)) s.output_tokens = count(u.output_tokens);
    const thinking = u.output_tokens_details?.thinking_tokens;
    if (has(thinking)) s.output_tokens_details = { thinking_tokens: count(thinking) };
    return this.current();
  }

  current(): Usage {
    return usageFromMessages(this.seen);
  }
}

/**
 * The usage object a chunk carries, wherever the server put it: top level (OpenAI, DeepSeek,
 * vLLM, ...), inside the first choice (Moonshot Kimi), or in `x_groq` (Groq's older API).
 */
export function chunkUsage(chunk: ChatCompletionChunk): CompletionUsage | null {
  if (isUsage(chunk.usage)) return chunk.usage;
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (choice !== undefined && isUsage(choice.usage)) return choice.usage;
  const groq = chunk.x_groq;
  if (typeof groq === 'object' && groq !== null && isUsage((groq as { usage?: unknown }).usage)) {
    return (groq as { usage: CompletionUsage }).usage;
  }
  return null;
}

function isUsage(v: unknown): v is CompletionUsage {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The usage reports of one OpenAI-format stream, combined as the table above says. */
export class CompletionsUsageTally {
  private latest: Usage | null = null;

  /** Folds in a chunk; returns the usage so far when the chunk reported any, else null. */
  add(chunk: ChatCompletionChunk): Usage | null {
    const raw = chunkUsage(chunk);
    if (raw === null) return null;
    const u = usageFromCompletions(raw);
    const placeholder = u.inputTokens === 0 && u.outputTokens === 0;
    if (!placeholder || this.latest === null) this.latest = u;
    return this.latest;
  }

  get current(): Usage | null {
    return this.latest;
  }
}

/** The usageMetadata reports of one Gemini stream, combined as the table above says. */
export class GeminiUsageTally {
  private latest: Usage | null = null;

  /** Folds in a chunk's usageMetadata; returns the usage so far. */
  add(u: UsageMetadata): Usage {
    const next = usageFromGemini(u);
    const placeholder = next.inputTokens === 0 && next.outputTokens === 0;
    if (!placeholder || this.latest === null) this.latest = next;
    return this.latest;
  }

  get current(): Usage | null {
    return this.latest;
  }
}
