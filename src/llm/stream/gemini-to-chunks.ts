// State machine for one stream: Gemini streamGenerateContent (alt=sse) chunks in, OpenAI
// chat.completion.chunk events out (client speaks completions, provider speaks Gemini).
//
//   first chunk            -> role chunk per choice (id = responseId, model = modelVersion)
//   text part              -> delta.content;  thought part -> delta.reasoning_content
//   functionCall part      -> delta.tool_calls[{index n, id (+ thoughtSignature), type, function
//                             {name, arguments: the whole args JSON}}] (Gemini sends calls whole)
//   finishReason           -> finish chunk for that choice (tool_calls when it called functions)
//   promptFeedback block   -> finish chunk with content_filter
//   usageMetadata          -> running totals (GeminiUsageTally)
//   upstream end           -> usage chunk (choices: []) when asked, then data: [DONE] — Gemini has
//                             no terminal event: a stream is complete when every choice finished
//   {"error": ...}         -> OpenAI error event, no [DONE]
import { choiceChunk } from './choice-chunk.js';
import { GatewayError } from '../../errors.js';
import type { StreamOptions } from '../convert/types.js';
import { joinCallId } from '../convert/gemini-parts.js';
import type { FinishReason } from '../formats/completions.js';
import type { Candidate, GenerateContentResponse } from '../formats/gemini.js';
import { finishFromGemini, promptBlocked } from '../formats/gemini-finish.js';
import { completionsUsage, GeminiUsageTally } from '../formats/usage.js';
import { geminiStreamError, parseGeminiFrame } from './events.js';
import type { SseFrames } from '../../http/sse-reader.js';
import { TranslatingStream } from './translating-stream.js';

interface ChoiceState {
  tools: number;
  finished: boolean;
}

export class GeminiToChunks extends TranslatingStream {
  private head = '';
  private readonly tail: string;
  private readonly choices = new Map<number, ChoiceState>();
  private readonly usage = new GeminiUsageTally();
  private firstToken = false;

  constructor(
    private readonly opts: StreamOptions,
    private readonly now: () => number,
    private readonly newId: (prefix: string) => string,
  ) {
    super('openai');
    this.tail = opts.includeUsage ? ',"usage":null}' : '}';
  }

  protected onFrame(frames: SseFrames, i: number): void {
    const frame = parseGeminiFrame(frames.data(i));
    if (frame.kind === 'error') {
      const e = geminiStreamError(frame);
      this.abort({ status: e.status, type: e.type, message: frame.message });
      return;
    }
    const r = frame.chunk;
    if (this.head === '') this.start(r);
    if (r.usageMetadata) this.opts.onUsage(this.usage.add(r.usageMetadata));
    const candidates = Array.isArray(r.candidates) ? r.candidates : [];
    candidates.forEach((c, k) => this.candidate(typeof c.index === 'number' ? c.index : k, c));
    if (promptBlocked(r)) this.finish(0, this.choice(0), 'content_filter');
  }

  protected override onUpstreamEnd(): void {
    const states = [...this.choices.values()];
    if (states.length === 0 || states.some((s) => !s.finished)) {
      this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before a finishReason'));
      return;
    }
    if (this.opts.includeUsage) {
      const u = this.usage.current ?? { inputTokens: 0, outputTokens: 0 };
      this.out.data(this.head + '],"usage":' + JSON.stringify(completionsUsage(u)) + '}');
    }
    this.out.data('[DONE]');
    this.phase = 'done';
  }

  private start(r: GenerateContentResponse): void {
    const id = typeof r.responseId === 'string' && r.responseId !== '' ? r.responseId : this.newId('chatcmpl-');
    const model = typeof r.modelVersion === 'string' ? r.modelVersion : '';
    this.head =
      '{"id":' +
      JSON.stringify(id) +
      ',"object":"chat.completion.chunk","created":' +
      this.now() +
      ',"model":' +
      JSON.stringify(model) +
      ',"system_fingerprint":null,"choices":[';
    this.opts.onModel?.(model);
  }

  /** The state of choice n; its first appearance sends the role chunk. */
  private choice(n: number): ChoiceState {
    let s = this.choices.get(n);
    if (s === undefined) {
      s = { tools: 0, finished: false };
      this.choices.set(n, s);
      this.chunk(n, '{"role":"assistant","content":""}');
    }
    return s;
  }

  private candidate(n: number, c: Candidate): void {
    const s = this.choice(n);
    if (s.finished) return;
    for (const part of c.content?.parts ?? []) {
      if (typeof part.text === 'string' && part.text !== '') {
        this.token();
        this.chunk(n, '{"' + (part.thought === true ? 'reasoning_content' : 'content') + '":' + JSON.stringify(part.text) + '}');
      } else if (part.functionCall !== undefined) {
        const call = part.functionCall;
        const id = joinCallId(typeof call.id === 'string' && call.id !== '' ? call.id : this.newId('call_'), part.thoughtSignature);
        this.token();
        this.chunk(
          n,
          '{"tool_calls":[{"index":' +
            s.tools++ +
            ',"id":' +
            JSON.stringify(id) +
            ',"type":"function","function":{"name":' +
            JSON.stringify(String(call.name ?? '')) +
            ',"arguments":' +
            JSON.stringify(JSON.stringify(call.args ?? {})) +
            '}}]}',
        );
      }
    }
    if (typeof c.finishReason === 'string' && c.finishReason !== 'FINISH_REASON_UNSPECIFIED') {
      this.finish(n, s, finishFromGemini(c.finishReason, s.tools > 0));
    }
  }

  private finish(n: number, s: ChoiceState, reason: FinishReason): void {
    if (s.finished) return;
    s.finished = true;
    this.chunk(n, '{}', reason);
  }

  private chunk(n: number, delta: string, finish: FinishReason | null = null): void {
    this.out.data(choiceChunk(this.head, n, delta, finish, this.tail));
  }

  private token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.opts.onFirstToken?.();
  }
}
