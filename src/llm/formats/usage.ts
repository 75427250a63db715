// Token usage between the two wire formats and the gateway's Usage shape.
//
// The formats disagree about what "input" means:
//   OpenAI    prompt_tokens  = everything in the prompt, cached tokens included
//             (prompt_tokens_details.cached_tokens says how many were cache reads).
//   Anthropic input_tokens   = only the uncached remainder; cache_read_input_tokens and
//             cache_creation_input_tokens are counted separately and are NOT in input_tokens.
// Usage.inputTokens is always the total (OpenAI's convention), with the cache parts kept apart.
import type { Usage } from '../usage.js';
import type { CompletionUsage } from './completions.js';
import type { MessagesUsage } from './messages.js';

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
  return usage;
}

/** OpenAI usage -> Usage. Cache writes are not an OpenAI concept; compatible servers and
 * gateways report them as prompt_tokens_details.cache_write_tokens or Anthropic-style at top level. */
export function usageFromCompletions(u: CompletionUsage): Usage {
  const details = u.prompt_tokens_details ?? undefined;
  const readRaw = details?.cached_tokens ?? u.cache_read_input_tokens;
  const writeRaw = details?.cache_write_tokens ?? u.cache_creation_input_tokens;
  const usage: Usage = { inputTokens: count(u.prompt_tokens), outputTokens: count(u.completion_tokens) };
  if (has(readRaw)) usage.cacheReadTokens = count(readRaw);
  if (has(writeRaw)) usage.cacheWriteTokens = count(writeRaw);
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (has(reasoning)) usage.reasoningTokens = count(reasoning);
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

/**
 * Folds one Anthropic usage figure into the running one. message_start carries the input side,
 * message_delta cumulative output (and, in newer API versions, the input side again); counters
 * only grow, so keeping the max never loses input tokens to a later zero.
 */
export function mergeMessagesUsage(into: MessagesUsage, u: Partial<MessagesUsage>): void {
  into.input_tokens = Math.max(into.input_tokens, count(u.input_tokens));
  into.output_tokens = Math.max(into.output_tokens, count(u.output_tokens));
  if (has(u.cache_read_input_tokens)) {
    into.cache_read_input_tokens = Math.max(into.cache_read_input_tokens ?? 0, count(u.cache_read_input_tokens));
  }
  if (has(u.cache_creation_input_tokens)) {
    into.cache_creation_input_tokens = Math.max(into.cache_creation_input_tokens ?? 0, count(u.cache_creation_input_tokens));
  }
}
