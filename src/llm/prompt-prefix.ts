// The stable prefix of an LLM conversation, as bounded text for a session-affinity key: what
// every turn of one conversation repeats and other conversations do not. A provider's prompt
// cache is a prefix cache, so requests that share this prefix are the ones worth sending to the
// same deployment.
//
// The prefix is the system prompt, the tool definitions and the first `messages` conversation
// messages (default 1: the first user turn; every later turn resends it unchanged). For OpenAI
// Chat Completions the leading system/developer messages are the system prompt.
//
// Bounded work: the body is already parsed (the gateway reads it anyway); the prefix is walked
// in place, never re-serialised, and at most `maxChars` characters are read: the first half
// from the start and the second half from the end, so two conversations that share a long
// system prompt and tool list still differ in their last characters (the user's first request).
// `cache_control` markers are skipped: clients move them from turn to turn.
import type { Json } from './convert/types.js';

export interface PrefixSettings {
  /** Conversation messages included after the system prompt. */
  readonly messages: number;
  /** Characters read at most (UTF-16 code units). */
  readonly maxChars: number;
}

/** Keys that differ between turns of one conversation without changing its prefix. */
const SKIPPED = new Set(['cache_control', 'prompt_cache_breakpoint']);

/** The prefix's text (bounded as described above), or '' when the body has none. */
export function promptPrefixText(body: Json, format: 'completions' | 'messages', s: PrefixSettings): string {
  const parts = prefixParts(body, format, s.messages);
  if (parts.length === 0) return '';
  const headBudget = Math.ceil(s.maxChars / 2);
  const head = new Collector(headBudget);
  if (walkParts(parts, head, true)) return head.text();
  const tail = new Collector(s.maxChars - headBudget);
  walkParts(parts, tail, false);
  return `${head.text()}\u0000${tail.text()}`;
}

type Part = readonly [marker: string, value: unknown];

function prefixParts(body: Json, format: 'completions' | 'messages', count: number): Part[] {
  const parts: Part[] = [];
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]) : [];
  let first = 0;
  if (format === 'messages') {
    if (body.system !== undefined) parts.push(['\u0001system', body.system]);
  } else {
    while (first < messages.length && isSystemMessage(messages[first])) first++;
    if (first > 0) parts.push(['\u0001system', messages.slice(0, first)]);
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) parts.push(['\u0001tools', body.tools]);
  const conversation = messages.slice(first, first + count);
  if (conversation.length > 0) parts.push(['\u0001messages', conversation]);
  return parts;
}

function isSystemMessage(m: unknown): boolean {
  const role = (m as { role?: unknown } | null)?.role;
  return role === 'system' || role === 'developer';
}

/** Collects pieces of text until its budget is spent. */
class Collector {
  private readonly pieces: string[] = [];

  constructor(private left: number) {}

  /** Adds `s` (cut to what is left: its start going forwards, its end going backwards); false once full. */
  add(s: string, forward: boolean): boolean {
    if (s.length < this.left) {
      this.pieces.push(s);
      this.left -= s.length;
      return true;
    }
    this.pieces.push(forward ? s.slice(0, this.left) : s.slice(s.length - this.left));
    this.left = 0;
    return false;
  }

  text(): string {
    return this.pieces.join('');
  }
}

/** Walks every part; true when everything fit in the budget. */
function walkParts(parts: readonly Part[], c: Collector, forward: boolean): boolean {
  for (let k = 0; k < parts.length; k++) {
    const [marker, value] = parts[forward ? k : parts.length - 1 - k]!;
    if (forward ? !c.add(marker, true) || !walk(value, c, true) : !walk(value, c, false) || !c.add(marker, false)) return false;
  }
  return true;
}

/** Text of a JSON value, in document order (or backwards, piece by piece); false once the budget is spent. */
function walk(v: unknown, c: Collector, forward: boolean): boolean {
  if (typeof v === 'string') return c.add(v, forward);
  if (v === null || typeof v !== 'object') return c.add(String(v), forward);
  const list = Array.isArray(v);
  const [open, close] = list ? ['[', ']'] : ['{', '}'];
  // backwards, the closing bracket comes first
  if (!c.add(forward ? open : close, forward)) return false;
  if (list) {
    for (let k = 0; k < v.length; k++) if (!walk(v[forward ? k : v.length - 1 - k], c, forward)) return false;
  } else if (!walkObject(v as Record<string, unknown>, c, forward)) return false;
  return c.add(forward ? close : open, forward);
}

function walkObject(o: Record<string, unknown>, c: Collector, forward: boolean): boolean {
  const keys = Object.keys(o);
  for (let k = 0; k < keys.length; k++) {
    const key = keys[forward ? k : keys.length - 1 - k]!;
    if (SKIPPED.has(key)) continue;
    const ok = forward ? c.add(`${key}:`, true) && walk(o[key], c, true) : walk(o[key], c, false) && c.add(`${key}:`, false);
    if (!ok) return false;
  }
  return true;
}
