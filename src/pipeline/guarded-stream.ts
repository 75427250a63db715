// Response regex guards on a stream. It sits after the conversion, so it reads the client's own
// events (OpenAI chunks, Anthropic events or Responses events (guarded-responses.ts), whatever
// the provider spoke): each text delta goes
// through its channel's TextHoldback (stream-mask.ts), which returns only text that can no longer
// become part of a match, masked; a channel's held tail is sent when the channel ends (a
// finish_reason, content_block_stop, [DONE]). A reject rule that matches ends the stream with an
// error event in the client's dialect and aborts the upstream. Events are re-encoded as
// `event:`/`data:` lines (ids, retry hints and comments of a same-format upstream are dropped).
import type { ApiFormat, StreamTransducer } from '../llm/convert/types.js';
import type { ErrorDialect } from '../llm/formats/errors.js';
import { SseReader } from '../http/sse-reader.js';
import { NO_OUTPUT, SseOutput } from '../llm/stream/sse-writer.js';
import type { GatewayError } from '../errors.js';
import { rejectionError, type StreamGuardRules } from '../policies/prompt-guard/guard.js';
import { StreamRejected, TextHoldback } from '../policies/prompt-guard/stream-mask.js';
import { responsesErrorEvent } from '../llm/formats/responses.js';
import { ResponsesStreamGuard } from './guarded-responses.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class GuardedStream implements StreamTransducer {
  private readonly reader = new SseReader();
  private readonly out = new SseOutput();
  private readonly channels = new Map<number, TextHoldback>();
  /** Every channel's holdback, ended ones included, for the count of masked matches. */
  private readonly holdbacks: TextHoldback[] = [];
  /** The last chunk's envelope (id, model, ...), for a chunk carrying text held until [DONE]. */
  private envelope: Obj | null = null;
  /** A reject rule ended the stream: the caller aborts the upstream. */
  stopped = false;
  /** Responses clients' events are read by their own guard. */
  private readonly responses: ResponsesStreamGuard | null;

  constructor(
    private readonly inner: StreamTransducer,
    private readonly rules: StreamGuardRules,
    private readonly format: ApiFormat,
    private readonly dialect: ErrorDialect,
    /** Told once, when the stream ends, that the guards masked something in it. */
    private readonly noted: ((action: string) => void) | null = null,
  ) {
    this.responses = format === 'responses' ? new ResponsesStreamGuard(rules, this.out) : null;
  }

  push(chunk: Uint8Array): Uint8Array {
    return this.rewrite(this.inner.push(chunk));
  }

  end(): Uint8Array {
    const out = this.rewrite(this.inner.end());
    let masked = this.responses?.masked ?? 0;
    for (const h of this.holdbacks) masked += h.masked;
    if (masked > 0) this.noted?.('response: mask (regex, streamed)');
    return out;
  }

  fail(err: GatewayError): Uint8Array {
    return this.rewrite(this.inner.fail(err));
  }

  private rewrite(bytes: Uint8Array): Uint8Array {
    if (this.stopped || bytes.length === 0) return NO_OUTPUT;
    const frames = this.reader.push(bytes);
    try {
      for (let i = 0; i < frames.count && !this.stopped; i++) {
        const event = frames.event(i);
        const data = frames.data(i);
        if (this.responses !== null) this.responses.event(event, data);
        else if (this.format === 'completions') this.onChunk(data);
        else this.onEvent(event, data);
      }
    } catch (e) {
      if (!(e instanceof StreamRejected)) throw e;
      // Text held back is dropped, not sent: it may hold the match.
      if (this.responses !== null) this.out.raw(responsesErrorEvent(this.responses.sequence, rejectionError(e.rejection)));
      else this.out.error(this.dialect, rejectionError(e.rejection));
      this.stopped = true;
    }
    return this.out.take();
  }

  private holdback(index: number): TextHoldback {
    let h = this.channels.get(index);
    if (h === undefined) {
      this.channels.set(index, (h = new TextHoldback(this.rules)));
      this.holdbacks.push(h);
    }
    return h;
  }

  /** OpenAI chunks: `choices[].delta.content`; a choice's finish_reason ends its channel. */
  private onChunk(data: string): void {
    if (data === '[DONE]') {
      this.flushAllAsChunk();
      this.out.data(data);
      return;
    }
    const chunk: unknown = JSON.parse(data);
    if (!isObj(chunk) || !Array.isArray(chunk.choices)) {
      this.channels.clear(); // an error event: whatever was held goes nowhere
      this.out.data(data);
      return;
    }
    const { choices, ...envelope } = chunk;
    this.envelope = envelope;
    for (const c of choices as unknown[]) {
      if (!isObj(c)) continue;
      const index = typeof c.index === 'number' ? c.index : 0;
      const delta: Obj = isObj(c.delta) ? c.delta : (c.delta = {});
      if (typeof delta.content === 'string') delta.content = this.holdback(index).push(delta.content);
      if (c.finish_reason !== null && c.finish_reason !== undefined) {
        const rest = this.channels.get(index)?.flush() ?? '';
        this.channels.delete(index);
        if (rest !== '') delta.content = (typeof delta.content === 'string' ? delta.content : '') + rest;
      }
    }
    this.out.data(JSON.stringify(chunk));
  }

  /** Text still held when the stream ends without finish reasons (an upstream that skipped them). */
  private flushAllAsChunk(): void {
    for (const [index, h] of this.channels) {
      const rest = h.flush();
      if (rest !== '' && this.envelope !== null) {
        this.out.data(JSON.stringify({ ...this.envelope, choices: [{ index, delta: { content: rest }, finish_reason: null }] }));
      }
    }
    this.channels.clear();
  }

  /** Anthropic events: `content_block_delta` text_delta; `content_block_stop` ends the block's channel. */
  private onEvent(event: string | null, data: string): void {
    const type = event ?? 'message';
    if (type === 'content_block_delta' || type === 'content_block_stop') {
      const ev: unknown = JSON.parse(data);
      if (isObj(ev) && typeof ev.index === 'number') {
        if (type === 'content_block_delta' && isObj(ev.delta) && ev.delta.type === 'text_delta' && typeof ev.delta.text === 'string') {
          ev.delta.text = this.holdback(ev.index).push(ev.delta.text);
          this.out.event(type, JSON.stringify(ev));
          return;
        }
        if (type === 'content_block_stop') this.flushBlock(ev.index);
      }
    } else if (type === 'error') this.channels.clear();
    this.out.event(type, data);
  }

  private flushBlock(index: number): void {
    const rest = this.channels.get(index)?.flush() ?? '';
    this.channels.delete(index);
    if (rest !== '')
      this.out.event(
        'content_block_delta',
        JSON.stringify({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: rest } }),
      );
  }
}
