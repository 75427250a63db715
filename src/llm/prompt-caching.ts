// agentgateway's `promptCaching` policy: cache breakpoints inserted into a request already in
// the provider's format, for the providers that take explicit ones.
//   Anthropic Messages: `cache_control: {type: "ephemeral"}` on the last tool, the last system
//     block (a string system prompt becomes one text block) and the last block of a message.
//   Bedrock Converse: a `{cachePoint: {type: "default"}}` block after the tools, after the system
//     blocks and at the end of a message; only for models with prompt caching (Claude 3.5+, Nova,
//     inference-profile ARNs), as agentgateway does.
// The message marked is the second to last (`cacheMessageOffset` more back): the conversation so
// far is cached, the new turn is not. Both providers allow 4 breakpoints a request: the client's
// own count first, ours are added (tools, system, messages) while that allows. `minTokens`: a
// breakpoint is placed only where the prompt before it reaches that many tokens, estimated at 4
// characters a token (a provider ignores smaller cached prefixes anyway).
//
// The body is not mutated: the objects on a changed path are copied (it shares nested objects
// with the client's body, which a retry to another provider converts again).
import { cachesPrompts } from './convert/converse-from-messages-request.js';
import type { ApiFormat, Json } from './convert/types.js';
import { CACHE_POINT } from './formats/converse.js';

export interface PromptCaching {
  readonly cacheSystem: boolean;
  readonly cacheMessages: boolean;
  readonly cacheTools: boolean;
  /** Estimated prompt tokens before a breakpoint for it to be placed; 0: always. */
  readonly minTokens: number;
  readonly cacheMessageOffset: number;
}

/** agentgateway's defaults (PromptCachingConfig::default). */
export const PROMPT_CACHING_DEFAULTS: PromptCaching = {
  cacheSystem: true,
  cacheMessages: true,
  cacheTools: false,
  minTokens: 1024,
  cacheMessageOffset: 0,
};

const MAX_BREAKPOINTS = 4;
const CHARS_PER_TOKEN = 4;
const EPHEMERAL = { type: 'ephemeral' } as const;

/** `body` (in `format`) with the breakpoints the policy asks for; the same object when none apply. */
export function applyPromptCaching(format: ApiFormat, body: Json, model: string, p: PromptCaching): Json {
  if (format === 'messages') return new Marker(body, p, anthropicMarks).run();
  if (format === 'converse' && cachesPrompts(model)) return new Marker(body, p, converseMarks).run();
  return body;
}

/** How one format holds its prompt and its breakpoints. */
interface Marks {
  /** Breakpoints the client's request already has. */
  count(body: Json): number;
  tools(body: Json): unknown[] | undefined;
  system(body: Json): unknown;
  /** The body with the breakpoint placed; null when the client placed it already or it cannot go there. */
  markTools(body: Json): Json | null;
  markSystem(body: Json): Json | null;
  /** The body with message `i` marked; null when that message cannot take a marker. */
  markMessage(body: Json, i: number): Json | null;
}

class Marker {
  private left: number;

  constructor(
    private body: Json,
    private readonly p: PromptCaching,
    private readonly marks: Marks,
  ) {
    this.left = MAX_BREAKPOINTS - marks.count(body);
  }

  run(): Json {
    const m = this.marks;
    const toolChars = textLength(m.tools(this.body));
    const systemChars = toolChars + textLength(m.system(this.body));
    if (this.p.cacheTools && (m.tools(this.body)?.length ?? 0) > 0) this.place(toolChars, () => m.markTools(this.body));
    if (this.p.cacheSystem && m.system(this.body) !== undefined) this.place(systemChars, () => m.markSystem(this.body));
    const messages = this.body.messages;
    if (this.p.cacheMessages && Array.isArray(messages) && messages.length >= 2) {
      const i = Math.max(0, messages.length - 2 - this.p.cacheMessageOffset);
      this.place(systemChars + textLength(messages.slice(0, i + 1)), () => m.markMessage(this.body, i));
    }
    return this.body;
  }

  private place(charsBefore: number, mark: () => Json | null): void {
    if (this.left <= 0 || charsBefore < this.p.minTokens * CHARS_PER_TOKEN) return;
    const next = mark();
    if (next === null) return;
    this.body = next;
    this.left--;
  }
}

// ---- Anthropic Messages --------------------------------------------------------------------

/** Blocks Anthropic refuses a cache_control on. */
const UNMARKABLE = new Set(['thinking', 'redacted_thinking']);

const anthropicMarks: Marks = {
  count: (body) =>
    countWhere(body.tools, hasCacheControl) +
    countWhere(body.system, hasCacheControl) +
    (Array.isArray(body.messages) ? body.messages.reduce((n: number, m) => n + countWhere((m as Json)?.content, hasCacheControl), 0) : 0),
  tools: (body) => (Array.isArray(body.tools) ? body.tools : undefined),
  system: (body) => (body.system === '' ? undefined : body.system),
  markTools(body) {
    const tools = markLast(body.tools as unknown[], isObject);
    return tools === null ? null : { ...body, tools };
  },
  markSystem(body) {
    const s = body.system;
    if (typeof s === 'string') return { ...body, system: [{ type: 'text', text: s, cache_control: EPHEMERAL }] };
    if (!Array.isArray(s)) return null;
    const system = markLast(s, markable);
    return system === null ? null : { ...body, system };
  },
  markMessage(body, i) {
    const messages = body.messages as Json[];
    const m = messages[i];
    if (!isObject(m)) return null;
    let content: unknown[] | null;
    if (typeof m.content === 'string') content = m.content === '' ? null : [{ type: 'text', text: m.content, cache_control: EPHEMERAL }];
    else content = Array.isArray(m.content) ? markLast(m.content, markable) : null;
    if (content === null) return null;
    return { ...body, messages: replaceAt(messages, i, { ...m, content }) };
  },
};

function hasCacheControl(b: unknown): boolean {
  return isObject(b) && isObject(b.cache_control);
}

function markable(b: unknown): boolean {
  return isObject(b) && !UNMARKABLE.has(b.type as string);
}

/**
 * The list with its last markable element given cache_control; null when it has none, or when
 * that element is marked already (the client placed this breakpoint).
 */
function markLast(list: unknown[], ok: (b: unknown) => boolean): unknown[] | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const b = list[i];
    if (!ok(b) || !isObject(b)) continue;
    if (hasCacheControl(b)) return null;
    return replaceAt(list, i, { ...b, cache_control: EPHEMERAL });
  }
  return null;
}

// ---- Bedrock Converse ----------------------------------------------------------------------

const isCachePoint = (b: unknown) => isObject(b) && b.cachePoint !== undefined;

const converseMarks: Marks = {
  count: (body) =>
    countWhere(toolList(body), isCachePoint) +
    countWhere(body.system, isCachePoint) +
    (Array.isArray(body.messages) ? body.messages.reduce((n: number, m) => n + countWhere((m as Json)?.content, isCachePoint), 0) : 0),
  tools: toolList,
  system: (body) => (Array.isArray(body.system) && body.system.length > 0 ? body.system : undefined),
  markTools(body) {
    const config = body.toolConfig as Json;
    const tools = appendPoint(config.tools as unknown[]);
    return tools === null ? null : { ...body, toolConfig: { ...config, tools } };
  },
  markSystem(body) {
    const system = appendPoint(body.system as unknown[]);
    return system === null ? null : { ...body, system };
  },
  markMessage(body, i) {
    const messages = body.messages as Json[];
    const m = messages[i];
    if (!isObject(m) || !Array.isArray(m.content) || m.content.length === 0) return null;
    const content = appendPoint(m.content);
    return content === null ? null : { ...body, messages: replaceAt(messages, i, { ...m, content }) };
  },
};

function toolList(body: Json): unknown[] | undefined {
  const tools = isObject(body.toolConfig) ? body.toolConfig.tools : undefined;
  return Array.isArray(tools) ? tools : undefined;
}

/** The list with a cache point at its end; null when it ends with one already. */
function appendPoint(list: unknown[]): unknown[] | null {
  return isCachePoint(list[list.length - 1]) ? null : [...list, CACHE_POINT];
}

// ---- shared --------------------------------------------------------------------------------

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function countWhere(list: unknown, pred: (b: unknown) => boolean): number {
  if (!Array.isArray(list)) return 0;
  let n = 0;
  for (const b of list) if (pred(b)) n++;
  return n;
}

function replaceAt<T>(list: readonly T[], i: number, v: T): T[] {
  const out = list.slice();
  out[i] = v;
  return out;
}

/** Characters of text in a JSON value (string values and keys), for the token estimate. */
function textLength(v: unknown): number {
  if (typeof v === 'string') return v.length;
  if (v === null || typeof v !== 'object') return 0;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += textLength(x);
  else for (const k in v as Json) n += k.length + textLength((v as Json)[k]);
  return n;
}
