// A streamed answer guarded by a webhook: the guardrail service judges whole answers, so the
// client's events are held until the stream is complete, then the answer's text goes to the
// response guards (guard.ts). Pass: the events go out as they were. Mask: the first text delta
// carries the whole masked text and the other text deltas are emptied (for Responses clients,
// the stream's whole-text copies too: guarded-responses.ts). Reject: one error event in the
// client's dialect instead. If the upstream fails first, only its error event goes out:
// an unjudged partial answer never reaches the client.
import type { ApiFormat, StreamTransducer } from '../llm/convert/types.js';
import type { ErrorDialect } from '../llm/formats/errors.js';
import { SseReader } from '../http/sse-reader.js';
import { NO_OUTPUT, SseOutput } from '../llm/stream/sse-writer.js';
import type { PromptGuardPolicy } from '../policies/prompt-guard/guard.js';
import { GatewayError } from '../errors.js';
import { responsesErrorEvent } from '../llm/formats/responses.js';
import { partKey, replaceResponsesTexts } from './guarded-responses.js';

type Obj = Record<string, unknown>;

interface Frame {
  readonly event: string | null;
  readonly data: string;
  /** Parsed data when the frame carries answer text. */
  readonly json?: Obj;
}

export class HeldStream implements StreamTransducer {
  private readonly reader = new SseReader();
  private readonly frames: Frame[] = [];
  private failure: Uint8Array | null = null;

  constructor(
    private readonly inner: StreamTransducer,
    private readonly guard: PromptGuardPolicy,
    private readonly format: ApiFormat,
    private readonly dialect: ErrorDialect,
    private readonly noted: ((action: string) => void) | null = null,
  ) {}

  push(chunk: Uint8Array): Uint8Array {
    this.hold(this.inner.push(chunk));
    return NO_OUTPUT;
  }

  end(): Uint8Array {
    this.hold(this.inner.end());
    return NO_OUTPUT;
  }

  fail(err: GatewayError): Uint8Array {
    this.failure = this.inner.fail(err);
    return NO_OUTPUT;
  }

  /** Everything the client gets, once the guards judged the complete answer. */
  async release(): Promise<Uint8Array> {
    if (this.failure !== null) return this.failure;
    const texts = this.frames.filter((f) => f.json !== undefined);
    const original = texts.map((f) => this.textOf(f.json!) ?? '').join('');
    const out = new SseOutput();
    let guarded: string;
    try {
      guarded = await this.guard.guardAnswerText(original, this.noted);
      if (guarded !== original) texts.forEach((f, i) => this.setText(f.json!, i === 0 ? guarded : ''));
    } catch (e) {
      const err = e instanceof GatewayError ? e : new GatewayError('guardrail_unavailable', (e as Error).message);
      if (this.format === 'responses') out.raw(responsesErrorEvent(0, err));
      else out.error(this.dialect, err);
      return out.take();
    }
    const rewrite = this.format === 'responses' && guarded !== original ? this.responsesTexts(texts[0]?.json, guarded) : null;
    for (const f of this.frames) {
      const data = f.json !== undefined ? JSON.stringify(f.json) : rewrite !== null ? rewrite(f) : f.data;
      if (f.event !== null) out.event(f.event, data);
      else out.data(data);
    }
    return out.take();
  }

  /**
   * A masked Responses answer: its whole-text copies (done events, the final Response) say what
   * the deltas now say, the masked text in the first part and nothing in the others.
   */
  private responsesTexts(first: Obj | undefined, guarded: string): (f: Frame) => string {
    const firstKey = first === undefined ? '' : partKey(first.output_index, first.content_index);
    return (f) => {
      let ev: unknown;
      try {
        ev = JSON.parse(f.data);
      } catch {
        return f.data;
      }
      if (typeof ev !== 'object' || ev === null) return f.data;
      const o = ev as Obj;
      replaceResponsesTexts(typeof o.type === 'string' ? o.type : (f.event ?? ''), o, (key) => (key === firstKey ? guarded : ''));
      return JSON.stringify(o);
    };
  }

  private hold(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const batch = this.reader.push(bytes);
    for (let i = 0; i < batch.count; i++) {
      const event = batch.event(i);
      const data = batch.data(i);
      this.frames.push({ event, data, ...this.textFrame(event, data) });
    }
  }

  private textFrame(event: string | null, data: string): { json?: Obj } {
    if (this.format === 'messages' ? event !== 'content_block_delta' : data === '[DONE]') return {};
    if (this.format === 'responses' && event !== 'response.output_text.delta') return {};
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return {};
    }
    return typeof json === 'object' && json !== null && this.textOf(json as Obj) !== null ? { json: json as Obj } : {};
  }

  /** The frame's answer text (first choice / text delta), or null when it has none. */
  private textOf(json: Obj): string | null {
    if (this.format === 'responses') return typeof json.delta === 'string' ? json.delta : null;
    if (this.format === 'messages') {
      const d = json.delta as Obj | undefined;
      return d?.type === 'text_delta' && typeof d.text === 'string' ? d.text : null;
    }
    const c = Array.isArray(json.choices) ? (json.choices[0] as Obj | undefined) : undefined;
    const d = c?.delta as Obj | undefined;
    return typeof d?.content === 'string' ? d.content : null;
  }

  private setText(json: Obj, text: string): void {
    if (this.format === 'responses') json.delta = text;
    else if (this.format === 'messages') (json.delta as Obj).text = text;
    else ((json.choices as Obj[])[0]!.delta as Obj).content = text;
  }
}
