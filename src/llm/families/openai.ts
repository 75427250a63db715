// What each OpenAI model family accepts on POST /v1/chat/completions, in ONE table, so the
// translation rules that depend on the target model live in one place and are easy to update
// when OpenAI ships a model. Checked against OpenAI's own reference, not against any gateway:
//
//  [ref]     openai-node 6.49 `resources/chat/completions/completions.d.ts` and `shared.d.ts`
//            (the generated API reference): `reasoning_effort` values `none|minimal|low|medium|
//            high|xhigh|max`, "not all reasoning models support every value"; `max_tokens` is
//            "deprecated in favor of max_completion_tokens, and is not compatible with o-series
//            models"; `prompt_cache_options` / `prompt_cache_breakpoint: {mode: "explicit"}` on
//            text, image, audio and file parts, "supported for gpt-5.6 and later models".
//  [effort]  the ReasoningEffort notes of the same reference (platform.openai.com/docs/guides/
//            reasoning): gpt-5.1 defaults to `none` and supports none/low/medium/high; models
//            before gpt-5.1 default to `medium` and do not support `none`; `xhigh` for models
//            after gpt-5.1-codex-max; o-series low/medium/high; gpt-5.6 adds `max`.
//  [tools]   OpenAI's 400 for gpt-5.4, gpt-5.5 and gpt-5.6-* on Chat Completions: "Function tools
//            with reasoning_effort are not supported for <model> in /v1/chat/completions. To use
//            function tools, use /v1/responses or set reasoning_effort to 'none'." (param
//            `reasoning_effort`; gpt-5.6 also rejects tools when the field is omitted, since its
//            default effort is not `none`). Sending `none` explicitly is accepted by all of them.
//  [o1-mini] o1-mini and o1-preview reject `reasoning_effort` (it arrived with o1 and o3-mini).
//
// A model this table does not know (another vendor behind an OpenAI-compatible API: vLLM,
// DeepSeek, Groq, Ollama, ...) gets the `compatible` row: no OpenAI-specific rewrites.
import type { ReasoningEffort } from '../formats/completions.js';

export type ToolsWithReasoning =
  /** Function tools and any reasoning effort together are fine. */
  | 'allowed'
  /** With function tools present, `reasoning_effort` must be sent as `none` [tools]. */
  | 'effort-none';

export interface OpenAiFamily {
  /** Human name, listed in the README's translation section. */
  readonly name: string;
  /** Matched against the model id after any `vendor/` prefix, lowercased. */
  readonly match: (model: string) => boolean;
  /**
   * Whether the model takes `reasoning_effort`: `no` means it rejects the field (not a
   * reasoning model); `unknown` is a model outside OpenAI's catalogue.
   */
  readonly reasoning: 'yes' | 'no' | 'unknown';
  /** The `reasoning_effort` values accepted, weakest first (empty when `reasoning` is `no`). */
  readonly efforts: readonly ReasoningEffort[];
  readonly toolsWithReasoning: ToolsWithReasoning;
  /** `max_tokens` is refused: the limit must be sent as `max_completion_tokens` [ref]. */
  readonly maxCompletionTokensOnly: boolean;
  /** Content parts take `prompt_cache_breakpoint` (explicit cache breakpoints) [ref]. */
  readonly cacheBreakpoints: boolean;
}

/** `gpt-<major>[.<minor>]...` -> [major, minor]; null for any other id. */
function gptVersion(model: string): [number, number] | null {
  const m = /^gpt-(\d+)(?:\.(\d+))?(?:-|$)/.exec(model);
  return m ? [Number(m[1]), m[2] === undefined ? 0 : Number(m[2])] : null;
}

/** GPT models from version `from` (inclusive) up to `below` (exclusive), chat variants excluded. */
function gpt(from: [number, number], below: [number, number] | null): (model: string) => boolean {
  return (model) => {
    const v = gptVersion(model);
    if (v === null || isChatVariant(model)) return false;
    const atLeast = v[0] > from[0] || (v[0] === from[0] && v[1] >= from[1]);
    const under = below === null || v[0] < below[0] || (v[0] === below[0] && v[1] < below[1]);
    return atLeast && under;
  };
}

/** `gpt-5-chat-latest`, `gpt-5.3-chat-latest`: the non-reasoning ChatGPT snapshots. */
function isChatVariant(model: string): boolean {
  return /^gpt-\d+(?:\.\d+)?-chat/.test(model);
}

const NONE_TO_XHIGH: readonly ReasoningEffort[] = ['none', 'low', 'medium', 'high', 'xhigh'];

/** Ordered: the first matching row wins. */
export const OPENAI_FAMILIES: readonly OpenAiFamily[] = [
  {
    name: 'o1-mini, o1-preview',
    match: (m) => /^o1-(?:mini|preview)/.test(m),
    reasoning: 'no', // [o1-mini]
    efforts: [],
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'o-series (o1, o3, o3-mini, o4-mini, ...)',
    match: (m) => /^o\d+(?:-|$)/.test(m),
    reasoning: 'yes',
    efforts: ['low', 'medium', 'high'],
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'GPT chat snapshots (gpt-5-chat-latest, gpt-5.x-chat-latest)',
    match: (m) => isChatVariant(m) && (gptVersion(m)?.[0] ?? 0) >= 5,
    reasoning: 'no',
    efforts: [],
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'gpt-5, gpt-5-mini, gpt-5-nano',
    match: gpt([5, 0], [5, 1]),
    reasoning: 'yes',
    efforts: ['minimal', 'low', 'medium', 'high'],
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'gpt-5.1',
    match: gpt([5, 1], [5, 2]),
    reasoning: 'yes',
    efforts: ['none', 'low', 'medium', 'high'],
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'gpt-5.2, gpt-5.3',
    match: gpt([5, 2], [5, 4]),
    reasoning: 'yes',
    efforts: NONE_TO_XHIGH,
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'gpt-5.4, gpt-5.5',
    match: gpt([5, 4], [5, 6]),
    reasoning: 'yes',
    efforts: NONE_TO_XHIGH,
    toolsWithReasoning: 'effort-none',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: false,
  },
  {
    name: 'gpt-5.6 and later (gpt-5.6-sol, -terra, -luna, ...)',
    match: gpt([5, 6], null),
    reasoning: 'yes',
    efforts: [...NONE_TO_XHIGH, 'max'],
    toolsWithReasoning: 'effort-none',
    maxCompletionTokensOnly: true,
    cacheBreakpoints: true,
  },
  {
    name: 'gpt-4o, gpt-4.1, gpt-4, gpt-3.5 (no reasoning)',
    match: (m) => /^(?:gpt-4|gpt-3\.5|chatgpt-4o)/.test(m),
    reasoning: 'no',
    efforts: [],
    toolsWithReasoning: 'allowed',
    maxCompletionTokensOnly: false,
    cacheBreakpoints: false,
  },
];

/** Any model outside OpenAI's catalogue: pass things through as the client expressed them. */
export const COMPATIBLE: OpenAiFamily = {
  name: 'any other model (OpenAI-compatible servers)',
  match: () => true,
  reasoning: 'unknown',
  // What reasoning-capable compatible servers (vLLM, Groq, OpenRouter, Gemini) all accept.
  efforts: ['low', 'medium', 'high'],
  toolsWithReasoning: 'allowed',
  maxCompletionTokensOnly: false,
  cacheBreakpoints: false,
};

/** Models already classified; bounded, since model names can come from clients. */
const FAMILY_OF = new Map<string, OpenAiFamily>();
const FAMILY_MEMO_LIMIT = 1024;

/** The family of `model` (`gpt-5.4`, `openai/gpt-5.4`, `GPT-5.4-mini-2026-03-17`, ...). */
export function openAiFamily(model: string): OpenAiFamily {
  // Asked on every chat completion with max_tokens (identity.ts): the rows' regexes run once per model.
  let family = FAMILY_OF.get(model);
  if (family === undefined) {
    const id = model.slice(model.lastIndexOf('/') + 1).toLowerCase();
    family = OPENAI_FAMILIES.find((f) => f.match(id)) ?? COMPATIBLE;
    if (FAMILY_OF.size < FAMILY_MEMO_LIMIT) FAMILY_OF.set(model, family);
  }
  return family;
}

const EFFORT_ORDER: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];

/**
 * The effort to send for `wanted` on `family`: itself when accepted, else the strongest accepted
 * value below it, else the weakest accepted one; null when the family takes no effort at all.
 */
export function effortFor(family: OpenAiFamily, wanted: ReasoningEffort): ReasoningEffort | null {
  const accepted = family.efforts;
  if (accepted.includes(wanted)) return wanted;
  const rank = EFFORT_ORDER.indexOf(wanted);
  const below = accepted.filter((e) => EFFORT_ORDER.indexOf(e) < rank && e !== 'none');
  return below.at(-1) ?? accepted.find((e) => e !== 'none') ?? null;
}
