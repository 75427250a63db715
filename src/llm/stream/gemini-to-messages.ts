// State machine for one stream: Gemini streamGenerateContent (alt=sse) chunks in, Anthropic
// Messages events out (client speaks messages, provider speaks Gemini). Messages has one answer,
// so only the first candidate is read.
//
//   first chunk          -> message_start (id = responseId, model = modelVersion, input usage
//                           as far as known)
//   thought part         -> thinking block: content_block_start{thinking} + thinking_delta; its
//                           thoughtSignature -> signature_delta
//   text part            -> text block: content_block_start{text} + text_delta
//   functionCall part    -> tool_use block (id carries the thoughtSignature): start, one
//                           input_json_delta with the whole args, stop
//   kind change          -> content_block_stop of the open block before the next starts
//   finishReason         -> remembered as stop_reason
//   upstream end         -> content_block_stop, message_delta{stop_reason, usage}, message_stop
//                           (Gemini has no terminal event; a stream without finishReason failed)
//   {"error": ...}       -> Anthropic `event: error`, no message_stop
import { GatewayError } from '../../errors.js';
import type { StreamOptions } from '../convert/types.js';
import { joinCallId } from '../convert/gemini-parts.js';
import type { GenerateContentResponse, Part } from '../formats/gemini.js';
import { promptBlocked, stopFromGemini } from '../formats/gemini-finish.js';
import type { StopReason } from '../formats/messages.js';
import { GeminiUsageTally, messagesUsage } from '../formats/usage.js';
import { geminiStreamError, parseGeminiFrame } from './events.js';
import { MessageBlocks } from './message-blocks.js';
import type { SseFrames } from '../../http/sse-reader.js';
import { TranslatingStream } from './translating-stream.js';

export class GeminiToMessages extends TranslatingStream {
  private started = false;
  private readonly blocks = new MessageBlocks(this.out, () => this.token());
  private calls = 0;
  private stop: StopReason | null = null;
  private readonly usage = new GeminiUsageTally();
  private firstToken = false;

  constructor(
    private readonly opts: StreamOptions,
    private readonly newId: (prefix: string) => string,
  ) {
    super('anthropic');
  }

  protected onFrame(frames: SseFrames, i: number): void {
    const frame = parseGeminiFrame(frames.data(i));
    if (frame.kind === 'error') {
      const e = geminiStreamError(frame);
      this.abort({ status: e.status, type: e.type, message: frame.message });
      return;
    }
    const r = frame.chunk;
    if (r.usageMetadata) this.opts.onUsage(this.usage.add(r.usageMetadata));
    if (!this.started) this.start(r);
    if (this.stop !== null) return;
    const c = Array.isArray(r.candidates) ? (r.candidates.find((x) => (x.index ?? 0) === 0) ?? r.candidates[0]) : undefined;
    for (const part of c?.content?.parts ?? []) this.part(part);
    if (typeof c?.finishReason === 'string' && c.finishReason !== 'FINISH_REASON_UNSPECIFIED') {
      this.stop = stopFromGemini(c.finishReason, this.calls > 0);
    } else if (promptBlocked(r)) this.stop = 'refusal';
  }

  protected override onUpstreamEnd(): void {
    if (!this.started || this.stop === null) {
      this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before a finishReason'));
      return;
    }
    this.blocks.close();
    const usage = messagesUsage(this.usage.current ?? { inputTokens: 0, outputTokens: 0 });
    const delta = { stop_reason: this.stop, stop_sequence: null };
    this.out.event('message_delta', JSON.stringify({ type: 'message_delta', delta, usage }));
    this.out.event('message_stop', '{"type":"message_stop"}');
    this.phase = 'done';
  }

  private start(r: GenerateContentResponse): void {
    this.started = true;
    const model = typeof r.modelVersion === 'string' ? r.modelVersion : '';
    if (model) this.opts.onModel?.(model);
    const known = this.usage.current;
    const message = {
      id: typeof r.responseId === 'string' && r.responseId !== '' ? r.responseId : this.newId('msg_'),
      type: 'message',
      role: 'assistant',
      content: [],
      model,
      stop_reason: null,
      stop_sequence: null,
      usage: { ...messagesUsage({ inputTokens: known?.inputTokens ?? 0, outputTokens: 0, cacheReadTokens: known?.cacheReadTokens ?? 0 }) },
    };
    this.out.event('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  private part(part: Part): void {
    if (typeof part.text === 'string') {
      const kind = part.thought === true ? 'thinking' : 'text';
      if (part.text !== '') {
        const delta = kind === 'text' ? { type: 'text_delta', text: part.text } : { type: 'thinking_delta', thinking: part.text };
        this.blocks.delta(this.blocks.ensure(kind), JSON.stringify(delta));
      }
      if (kind === 'thinking' && typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '') {
        this.blocks.delta(this.blocks.ensure('thinking'), JSON.stringify({ type: 'signature_delta', signature: part.thoughtSignature }));
      }
      return;
    }
    if (part.functionCall === undefined) return;
    const call = part.functionCall;
    this.calls++;
    const id = joinCallId(typeof call.id === 'string' && call.id !== '' ? call.id : this.newId('toolu_'), part.thoughtSignature);
    // Gemini sends a call whole: its block opens, takes the args in one delta, and closes.
    const index = this.blocks.startTool(id, String(call.name ?? ''));
    this.blocks.delta(index, JSON.stringify({ type: 'input_json_delta', partial_json: JSON.stringify(call.args ?? {}) }));
    this.blocks.close();
  }

  private token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.opts.onFirstToken?.();
  }
}
