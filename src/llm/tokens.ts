// Counting tokens the way OpenAI's o200k tokenizer does (gpt-tokenizer), for requests the gateway
// must size itself: count_tokens for providers without their own endpoint, and the input of a
// request charged to a virtual key's budget. The tokenizer is loaded on first use (~0.2 s and
// ~60 MB), so a gateway that never counts never pays for it.
import type { Json } from './convert/types.js';

export type Count = (text: string) => number;

let loading: Promise<Count> | null = null;
let loaded: Count | null = null;

/** Special-token strings in a prompt are counted as the text they are, never refused. */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export function o200k(): Promise<Count> {
  loading ??= import('gpt-tokenizer/encoding/o200k_base').then((m) => {
    loaded = (text: string) => m.countTokens(text, AS_TEXT);
    return loaded;
  });
  return loading;
}

/** The counter if it is loaded already, else null (then await o200k()). */
export function o200kNow(): Count | null {
  return loaded;
}

/**
 * The texts of a chat request in either format: system, every message's text, tool calls and
 * results, and the tool definitions.
 */
export function promptTexts(body: Json): string[] {
  const texts: string[] = [];
  collectText(body.system, texts);
  const messages = Array.isArray(body.messages) ? body.messages : [];
  for (const m of messages) {
    const msg = m as Json | null;
    collectText(msg?.content, texts);
    if (Array.isArray(msg?.tool_calls)) texts.push(JSON.stringify(msg.tool_calls));
  }
  if (Array.isArray(body.tools)) texts.push(JSON.stringify(body.tools));
  return texts;
}

/** Tokens of a chat request, plus OpenAI's per-message framing (3 each, 3 to prime the reply). */
export function countPrompt(body: Json, count: Count): number {
  const messages = Array.isArray(body.messages) ? body.messages.length : 0;
  return promptTexts(body).reduce((n, t) => n + count(t), 0) + 3 * messages + 3;
}

function collectText(v: unknown, out: string[]): void {
  if (typeof v === 'string') return void out.push(v);
  if (!Array.isArray(v)) return;
  for (const block of v as Json[]) {
    if (block === null || typeof block !== 'object') continue;
    if (typeof block.text === 'string') out.push(block.text);
    if (typeof block.thinking === 'string') out.push(block.thinking);
    if (block.type === 'tool_use') out.push(`${String(block.name)} ${JSON.stringify(block.input ?? {})}`);
    if (block.type === 'tool_result') collectText(block.content, out);
  }
}
