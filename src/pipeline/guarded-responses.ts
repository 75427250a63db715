// Response guards on a streamed Responses answer (OpenAI `/v1/responses` clients, whatever the
// provider spoke). Text arrives in `response.output_text.delta` events, one channel per output
// item and content part; each delta goes through its channel's TextHoldback (stream-mask.ts), so
// only text that can no longer become part of a match goes out, masked. The channel's held tail
// goes out as one more delta just before its `response.output_text.done`. The Responses stream
// also repeats the whole text in `output_text.done`, `content_part.done`, `output_item.done` and
// the terminal `response.completed`/`incomplete`: each copy is replaced by the text the client was
// actually sent, so no copy leaks what the deltas masked. Every event is renumbered
// (`sequence_number`), since a flushed tail adds one.
import type { SseOutput } from '../llm/stream/sse-writer.js';
import type { StreamGuardRules } from '../policies/prompt-guard/guard.js';
import { TextHoldback } from '../policies/prompt-guard/stream-mask.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const TERMINAL = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Channel of an output_text part: its output item and content part. */
export function partKey(outputIndex: unknown, contentIndex: unknown): string {
  return `${typeof outputIndex === 'number' ? outputIndex : 0}:${typeof contentIndex === 'number' ? contentIndex : 0}`;
}

/**
 * Replaces every whole-text copy of the output_text parts in a Responses stream event by
 * `textOf(part)` (when it returns a string): `response.output_text.done`, `content_part.done`,
 * `output_item.done` and the terminal events' `response.output`.
 */
export function replaceResponsesTexts(type: string, ev: Obj, textOf: (key: string) => string | undefined): void {
  if (type === 'response.output_text.done') {
    const t = textOf(partKey(ev.output_index, ev.content_index));
    if (t !== undefined) ev.text = t;
  } else if (type === 'response.content_part.done') {
    if (isObj(ev.part)) replacePart(ev.part, partKey(ev.output_index, ev.content_index), textOf);
  } else if (type === 'response.output_item.done') {
    if (isObj(ev.item)) replaceItem(ev.item, ev.output_index, textOf);
  } else if (TERMINAL.has(type) && isObj(ev.response) && Array.isArray(ev.response.output)) {
    ev.response.output.forEach((item: unknown, i: number) => isObj(item) && replaceItem(item, i, textOf));
  }
}

function replaceItem(item: Obj, outputIndex: unknown, textOf: (key: string) => string | undefined): void {
  if (!Array.isArray(item.content)) return;
  item.content.forEach((part: unknown, j: number) => isObj(part) && replacePart(part, partKey(outputIndex, j), textOf));
}

function replacePart(part: Obj, key: string, textOf: (key: string) => string | undefined): void {
  if (part.type !== 'output_text') return;
  const t = textOf(key);
  if (t !== undefined) part.text = t;
}

/** The Responses side of GuardedStream: reads and rewrites one event at a time into `out`. */
export class ResponsesStreamGuard {
  private readonly channels = new Map<string, TextHoldback>();
  /** Every part's holdback, flushed ones included, for the count of masked matches. */
  private readonly holdbacks: TextHoldback[] = [];
  /** The (masked) text each part was sent, and the item id its tail delta names. */
  private readonly sent = new Map<string, { text: string; itemId: unknown }>();
  private seq = 0;

  constructor(
    private readonly rules: StreamGuardRules,
    private readonly out: SseOutput,
  ) {}

  /** The next sequence number (the error event that ends a rejected stream takes it). */
  get sequence(): number {
    return this.seq;
  }

  /** How many matches the guards masked in this stream so far. */
  get masked(): number {
    let n = 0;
    for (const h of this.holdbacks) n += h.masked;
    return n;
  }

  /** One event; throws StreamRejected when a reject rule matches. */
  event(name: string | null, data: string): void {
    let ev: unknown;
    try {
      ev = JSON.parse(data);
    } catch {
      ev = null;
    }
    if (!isObj(ev)) {
      if (name !== null) this.out.event(name, data);
      else this.out.data(data);
      return;
    }
    const type = typeof ev.type === 'string' ? ev.type : (name ?? '');
    if (type === 'response.output_text.delta' && typeof ev.delta === 'string') {
      const key = partKey(ev.output_index, ev.content_index);
      ev.delta = this.take(key, ev.item_id, this.holdback(key).push(ev.delta));
    } else if (type === 'response.output_text.done') {
      this.flush(partKey(ev.output_index, ev.content_index), ev.output_index, ev.content_index);
    } else if (TERMINAL.has(type)) {
      for (const key of [...this.channels.keys()]) {
        const [o, c] = key.split(':').map(Number);
        this.flush(key, o, c);
      }
    } else if (type === 'error') {
      this.channels.clear(); // whatever was held goes nowhere
    }
    replaceResponsesTexts(type, ev, (key) => this.sent.get(key)?.text);
    this.emit(type, ev);
  }

  private holdback(key: string): TextHoldback {
    let h = this.channels.get(key);
    if (h === undefined) {
      this.channels.set(key, (h = new TextHoldback(this.rules)));
      this.holdbacks.push(h);
    }
    return h;
  }

  private take(key: string, itemId: unknown, text: string): string {
    const s = this.sent.get(key);
    if (s === undefined) this.sent.set(key, { text, itemId });
    else s.text += text;
    return text;
  }

  /** The part's held tail, as one more delta before its done event. */
  private flush(key: string, outputIndex: unknown, contentIndex: unknown): void {
    const rest = this.channels.get(key)?.flush() ?? '';
    this.channels.delete(key);
    if (rest === '') return;
    const itemId = this.sent.get(key)?.itemId;
    this.take(key, itemId, rest);
    const type = 'response.output_text.delta';
    this.emit(type, { type, item_id: itemId, output_index: outputIndex, content_index: contentIndex, delta: rest, logprobs: [] });
  }

  private emit(type: string, ev: Obj): void {
    ev.sequence_number = this.seq++;
    this.out.event(type, JSON.stringify(ev));
  }
}
