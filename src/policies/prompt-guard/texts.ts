// Where the text a guard reads lives in each API format: the prompt (system prompt and message
// text, agentgateway's default guard scope; tool calls and tool results are left alone) and the
// answer. Each piece is a slot that can be read, rewritten, or dropped.
import type { ApiFormat, Json } from '../../llm/convert/types.js';

export interface TextSlot {
  readonly role: string;
  /** Index of the message the slot belongs to, in prompt order (the system prompt first). */
  readonly message: number;
  get(): string;
  set(text: string): void;
  /** Drops the slot (a text part of a message whose whole text was replaced). */
  remove(): void;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Slots of a string-or-parts content field (`content` of a message, `system`). */
function contentSlots(holder: Obj, key: string, role: string, message: number, partType: string): TextSlot[] {
  const v = holder[key];
  if (typeof v === 'string') {
    return [{ role, message, get: () => holder[key] as string, set: (t) => (holder[key] = t), remove: () => (holder[key] = '') }];
  }
  if (!Array.isArray(v)) return [];
  const parts = v as unknown[];
  return parts
    .filter((p): p is Obj => isObj(p) && p.type === partType && typeof p.text === 'string')
    .map((part) => ({
      role,
      message,
      get: () => part.text as string,
      set: (t: string) => (part.text = t),
      remove: () => {
        const i = parts.indexOf(part);
        if (i >= 0) parts.splice(i, 1);
      },
    }));
}

const PROMPT_ROLES = new Set(['system', 'developer', 'user', 'assistant']);

export function promptSlots(body: Json, format: ApiFormat): TextSlot[] {
  if (format === 'responses') return responsesPromptSlots(body);
  const out: TextSlot[] = [];
  let message = 0;
  if (format === 'messages' && body.system !== undefined) out.push(...contentSlots(body, 'system', 'system', message++, 'text'));
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  for (const m of messages) {
    if (!isObj(m) || typeof m.role !== 'string' || !PROMPT_ROLES.has(m.role)) continue;
    out.push(...contentSlots(m, 'content', m.role, message++, 'text'));
  }
  return out;
}

/** Responses API: `instructions`, then `input` (a string, or message items with input_text/output_text parts). */
function responsesPromptSlots(body: Json): TextSlot[] {
  const out: TextSlot[] = [];
  let message = 0;
  if (typeof body.instructions === 'string') out.push(...contentSlots(body, 'instructions', 'system', message++, 'input_text'));
  if (typeof body.input === 'string') return [...out, ...contentSlots(body, 'input', 'user', message, 'input_text')];
  for (const m of Array.isArray(body.input) ? (body.input as unknown[]) : []) {
    if (!isObj(m) || typeof m.role !== 'string' || !PROMPT_ROLES.has(m.role) || (m.type !== undefined && m.type !== 'message')) continue;
    out.push(...contentSlots(m, 'content', m.role, message++, m.role === 'assistant' ? 'output_text' : 'input_text'));
  }
  return out;
}

export function answerSlots(body: Json, format: ApiFormat): TextSlot[] {
  if (format === 'messages') return contentSlots(body, 'content', 'assistant', 0, 'text');
  if (format === 'responses') {
    const items = Array.isArray(body.output) ? (body.output as unknown[]) : [];
    return items.flatMap((item, i) =>
      isObj(item) && item.type === 'message' ? contentSlots(item, 'content', 'assistant', i, 'output_text') : [],
    );
  }
  const choices = Array.isArray(body.choices) ? (body.choices as unknown[]) : [];
  const out: TextSlot[] = [];
  choices.forEach((c, i) => {
    if (isObj(c) && isObj(c.message)) out.push(...contentSlots(c.message, 'content', 'assistant', i, 'text'));
  });
  return out;
}

export interface MessageText {
  readonly role: string;
  readonly content: string;
}

/** The slots grouped per message, as the guardrail webhook sees them. */
export function messagesOf(slots: readonly TextSlot[]): MessageText[] {
  const out: MessageText[] = [];
  let last = -1;
  for (const s of slots) {
    if (s.message === last) {
      const prev = out[out.length - 1]!;
      out[out.length - 1] = { role: prev.role, content: `${prev.content}\n${s.get()}` };
    } else out.push({ role: s.role, content: s.get() });
    last = s.message;
  }
  return out;
}

/** Writes per-message replacements back: a message's first slot takes its text, the rest go. */
export function replaceMessages(slots: readonly TextSlot[], texts: readonly string[]): void {
  const removals: TextSlot[] = [];
  let last = -1;
  let n = -1;
  for (const s of slots) {
    if (s.message !== last) {
      n++;
      last = s.message;
      const t = texts[n];
      if (t !== undefined) s.set(t);
    } else if (texts[n] !== undefined) removals.push(s);
  }
  for (const s of removals.reverse()) s.remove();
}
