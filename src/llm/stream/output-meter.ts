// Counts the output tokens of an upstream stream as it arrives, for budgets that must stop a
// stream when it crosses them: providers report output usage only at the end (OpenAI's last
// chunk, Anthropic's message_delta), too late to stop anything. Every text, reasoning and
// tool-argument delta is counted with the o200k tokenizer; counting each delta on its own may
// count a token split across two deltas twice, so the figure errs high (the safe side for a
// budget). It reads the provider's frames with its own SSE reader and never changes a byte.
import type { ApiFormat } from '../convert/types.js';
import type { Count } from '../tokens.js';
import { SseReader } from '../../http/sse-reader.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export class OutputMeter {
  private readonly reader = new SseReader();
  /** Output tokens counted so far. */
  tokens = 0;

  constructor(
    private readonly format: ApiFormat,
    private readonly count: Count,
  ) {}

  /** Counts the deltas in an upstream chunk; returns the output tokens so far. */
  push(chunk: Uint8Array): number {
    let frames;
    try {
      frames = this.reader.push(chunk);
    } catch {
      return this.tokens; // the stream transducer reports a malformed stream
    }
    for (let i = 0; i < frames.count; i++) {
      let ev: unknown;
      try {
        ev = JSON.parse(frames.data(i));
      } catch {
        continue; // [DONE], comments
      }
      if (isObj(ev)) this.tokens += this.format === 'completions' ? this.chunkTokens(ev) : this.eventTokens(ev);
    }
    return this.tokens;
  }

  private text(v: unknown): number {
    return typeof v === 'string' && v !== '' ? this.count(v) : 0;
  }

  /** An OpenAI chunk: content, reasoning and refusal text, tool names and arguments of every choice. */
  private chunkTokens(c: Obj): number {
    if (!Array.isArray(c.choices)) return 0;
    let n = 0;
    for (const choice of c.choices) {
      const d = isObj(choice) && isObj(choice.delta) ? choice.delta : null;
      if (d === null) continue;
      n += this.text(d.content) + this.text(d.reasoning_content) + this.text(d.reasoning) + this.text(d.refusal);
      if (!Array.isArray(d.tool_calls)) continue;
      for (const t of d.tool_calls) {
        const f = isObj(t) && isObj(t.function) ? t.function : null;
        if (f !== null) n += this.text(f.name) + this.text(f.arguments);
      }
    }
    return n;
  }

  /** An Anthropic event: text, thinking and tool-input deltas, and a tool call's name. */
  private eventTokens(e: Obj): number {
    if (e.type === 'content_block_delta' && isObj(e.delta)) {
      const d = e.delta;
      return this.text(d.text) + this.text(d.thinking) + this.text(d.partial_json);
    }
    if (e.type === 'content_block_start' && isObj(e.content_block)) return this.text(e.content_block.name);
    return 0;
  }
}
