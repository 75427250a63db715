// Gemini's finishReason in the two client vocabularies, in one place for responses and streams.
// Gemini says STOP also when it stopped to call functions, so a turn with calls is tool_calls /
// tool_use; the reasons that mean "blocked" (safety, recitation, blocklists, PII, ...) become
// content_filter / refusal. Gemini does not say which stop sequence matched: STOP covers it.
import type { FinishReason } from './completions.js';
import type { GenerateContentResponse } from './gemini.js';
import type { StopReason } from './messages.js';

const BLOCKED: ReadonlySet<string> = new Set([
  'SAFETY',
  'RECITATION',
  'LANGUAGE',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'UNEXPECTED_TOOL_CALL',
  'TOO_MANY_TOOL_CALLS',
]);

export function finishFromGemini(reason: string | undefined, hadCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && BLOCKED.has(reason)) return 'content_filter';
  return hadCalls ? 'tool_calls' : 'stop';
}

export function stopFromGemini(reason: string | undefined, hadCalls: boolean): StopReason {
  if (reason === 'MAX_TOKENS') return 'max_tokens';
  if (reason !== undefined && BLOCKED.has(reason)) return 'refusal';
  return hadCalls ? 'tool_use' : 'end_turn';
}

/** The prompt itself was blocked: no candidates, a promptFeedback.blockReason instead. */
export function promptBlocked(r: GenerateContentResponse): boolean {
  const noCandidates = !Array.isArray(r.candidates) || r.candidates.length === 0;
  return noCandidates && typeof r.promptFeedback?.blockReason === 'string';
}
