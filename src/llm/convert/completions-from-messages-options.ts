// The parts of a messages -> completions request that depend on the target model family
// (families/openai.ts): reasoning effort, tools and their `strict` flag, structured output, and
// prompt-cache breakpoints. The message structure itself is in completions-from-messages-request.ts.
import type { FunctionTool, ReasoningEffort, ResponseFormat } from '../formats/completions.js';
import { effortFor, type OpenAiFamily } from '../families/openai.js';
import { invalid, isNumber, isObject, objectAt, stringAt } from './fields.js';
import { satisfiesStrictMode } from './strict-schema.js';
import type { Json } from './types.js';

const EXPLICIT_BREAKPOINT = { mode: 'explicit' } as const;

/**
 * `{prompt_cache_breakpoint}` for a block that carries Anthropic `cache_control`, when the target
 * takes explicit breakpoints; otherwise nothing (OpenAI caches prefixes by itself, so dropping the
 * marker costs a cache boundary, never correctness).
 */
export function breakpointOf(block: Json, family: OpenAiFamily): { prompt_cache_breakpoint?: typeof EXPLICIT_BREAKPOINT } {
  return family.cacheBreakpoints && isObject(block.cache_control) ? { prompt_cache_breakpoint: EXPLICIT_BREAKPOINT } : {};
}

/**
 * An Anthropic custom tool -> an OpenAI function tool. `strict` (Anthropic's strict tool use) is
 * carried only when the schema also meets OpenAI's strict-mode rules, which are narrower (no
 * optional properties); otherwise OpenAI would refuse the whole request.
 */
export function convertTool(raw: unknown, k: number): FunctionTool {
  const tool = objectAt(raw, `tools[${k}]`);
  if (tool.type !== undefined && tool.type !== 'custom') {
    throw invalid(`tools[${k}]`, `server tool ${JSON.stringify(tool.type)} cannot run on an OpenAI-compatible provider`);
  }
  const fn: FunctionTool['function'] = { name: stringAt(tool.name, `tools[${k}].name`) };
  if (typeof tool.description === 'string') fn.description = tool.description;
  fn.parameters = objectAt(tool.input_schema, `tools[${k}].input_schema`);
  if (tool.strict === true && satisfiesStrictMode(fn.parameters)) fn.strict = true;
  return { type: 'function', function: fn };
}

/**
 * Anthropic structured output (`output_config.format`) -> `response_format: json_schema`.
 * Anthropic always constrains the output to the schema, so `strict: true` is asked for exactly
 * when OpenAI's strict mode can take the schema; a schema it would reject goes without it.
 */
export function responseFormat(body: Json): ResponseFormat | null {
  const format = isObject(body.output_config) ? body.output_config.format : undefined;
  if (!isObject(format) || format.type !== 'json_schema') return null;
  const schema = objectAt(format.schema, 'output_config.format.schema');
  const jsonSchema: Extract<ResponseFormat, { type: 'json_schema' }>['json_schema'] = { name: 'structured_output', schema };
  if (satisfiesStrictMode(schema)) jsonSchema.strict = true;
  return { type: 'json_schema', json_schema: jsonSchema };
}

interface RequestedEffort {
  effort: ReasoningEffort;
  /** Thinking was asked for (enabled or adaptive), not just an effort level. */
  thinking: boolean;
}

const ANTHROPIC_EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

/** What the client asked for: thinking (with a budget, or adaptive) and/or `output_config.effort`. */
function requestedEffort(body: Json): RequestedEffort | null {
  const thinking = isObject(body.thinking) ? body.thinking : null;
  const raw = isObject(body.output_config) ? body.output_config.effort : undefined;
  const effort = typeof raw === 'string' && ANTHROPIC_EFFORTS.has(raw) ? (raw as ReasoningEffort) : null;
  if (thinking?.type === 'enabled' && isNumber(thinking.budget_tokens)) {
    // inverse of the completions -> messages budget table (1024 / 2048 / 4096)
    const b = thinking.budget_tokens;
    return { effort: b < 2048 ? 'low' : b < 4096 ? 'medium' : 'high', thinking: true };
  }
  // Anthropic's adaptive thinking defaults to high effort.
  if (thinking?.type === 'adaptive') return { effort: effort ?? 'high', thinking: true };
  if (thinking === null && effort !== null) return { effort, thinking: false };
  return null;
}

/**
 * `reasoning_effort` for the target family, or null to leave it out:
 *  - families that reject function tools with reasoning on Chat Completions get `none` whenever
 *    tools are present (the only value OpenAI accepts there; thinking is a hint, the answer and
 *    the tool calls still come);
 *  - non-reasoning models (gpt-4o, ...) never get the field, which they reject;
 *  - models outside OpenAI's catalogue get it only when thinking was asked for, not for a bare
 *    `output_config.effort` (which Claude applies to any answer, but a non-reasoning server rejects);
 *  - the effort is clamped to the values the family accepts.
 */
export function reasoningEffort(body: Json, family: OpenAiFamily, hasTools: boolean): ReasoningEffort | null {
  if (hasTools && family.toolsWithReasoning === 'effort-none') return 'none';
  const wanted = requestedEffort(body);
  if (wanted === null || family.reasoning === 'no') return null;
  if (family.reasoning === 'unknown' && !wanted.thinking) return null;
  return effortFor(family, wanted.effort);
}
