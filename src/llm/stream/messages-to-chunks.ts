// State machine for one stream: Anthropic Messages SSE events in, OpenAI chat.completion.chunk
// events out (client speaks completions, provider speaks messages).
//
//   message_start            -> first chunk: delta {role: "assistant", content: ""}
//   content_block_start      -> tool_use: delta.tool_calls[{index n, id, type, function{name, arguments ""}}]
//   content_block_delta      -> text_delta: delta.content; thinking_delta: delta.reasoning_content;
//                               signature_delta: delta.reasoning_signature; input_json_delta:
//                               delta.tool_calls[{index n, function{arguments}}] (verbatim, in order)
//   content_block_stop       -> a tool call that never got arguments gets "{}" (valid JSON)
//   message_delta            -> chunk with finish_reason (first stop_reason seen); usage merged
//   message_stop             -> usage chunk (choices: []) when asked, then data: [DONE]
//   error                    -> OpenAI error event, no [DONE]
//
// Usage: message_start carries the input side (input_tokens + cache counters, output usually 1);
// message_delta carries cumulative output and, in newer API versions, the input side again.
// They are combined by MessagesUsageTally (formats/usage.ts), the one place that rule lives.
import { choiceChunk } from './choice-chunk.js';
import { GatewayError } from '../../errors.js';
import type { StreamOptions } from '../convert/types.js';
import type { FinishReason } from '../formats/completions.js';
import type { ContentBlockDeltaEvent, ContentBlockStartEvent, MessageDeltaEvent, MessagesUsage, StopReason } from '../formats/messages.js';
import { errorType, statusForType } from '../formats/provider-errors.js';
import { completionsUsage, MessagesUsageTally } from '../formats/usage.js';
import { parseMessagesEvent } from './events.js';
import { BLOCK_STOP, MESSAGE_STOP, RawEventReader, TEXT_BLOCK_START, TEXT_DELTA, THINKING_DELTA, UNKNOWN } from './raw-event.js';
import type { SseFrames } from '../../http/sse-reader.js';
import { TranslatingStream } from './translating-stream.js';

const TEXT = -1;
const THINKING = -2;
const IGNORED = -3;

export function finishReasonFromStop(stop: StopReason | string | null | undefined): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, pause_turn
      return 'stop';
  }
}

export class MessagesToChunks extends TranslatingStream {
  /** `{"id":…,"object":"chat.completion.chunk",…,"choices":[` fixed at message_start. */
  private head = '';
  /** `,"usage":null}` when the client asked for usage (OpenAI then nulls it on every chunk). */
  private readonly tail: string;
  /** A whole `data: ` event around a text delta's JSON text: `…"delta":{"content":"` and `"},…\n\n`. */
  private textPre = '';
  private textPost = '';
  private readonly raw = new RawEventReader();
  /** Anthropic block index -> OpenAI tool_call index (>= 0) or TEXT/THINKING/IGNORED. */
  private readonly blocks: number[] = [];
  private readonly toolHasArgs: boolean[] = [];
  private nextTool = 0;
  private finishSent = false;
  private finish: FinishReason | null = null;
  private firstToken = false;
  private readonly usage = new MessagesUsageTally();

  constructor(
    private readonly opts: StreamOptions,
    private readonly now: () => number,
  ) {
    super('openai');
    this.tail = opts.includeUsage ? ',"usage":null}' : '}';
  }

  protected onFrame(frames: SseFrames, i: number): void {
    if (this.head !== '' && this.onRawFrame(frames, i)) return;
    const ev = parseMessagesEvent(frames.data(i));
    if (ev === null || ev.type === 'ping') return;
    if (ev.type === 'error') {
      const type = errorType(0, ev.error.type);
      this.abort({ status: statusForType(type), type, message: ev.error.message });
      return;
    }
    if (ev.type === 'message_start') {
      this.start(ev.message.id, ev.message.model, ev.message.usage);
      return;
    }
    if (this.head === '') throw new Error(`${ev.type} before message_start`);
    switch (ev.type) {
      case 'content_block_start':
        this.blockStart(ev);
        break;
      case 'content_block_delta':
        this.blockDelta(ev);
        break;
      case 'content_block_stop':
        this.blockStop(ev.index);
        break;
      case 'message_delta':
        this.messageDelta(ev);
        break;
      case 'message_stop':
        this.messageStop();
        break;
    }
  }

  /**
   * The fast path (raw-event.ts): a delta, an empty text block's start, a block stop or the
   * message stop in Anthropic's exact shape is translated from its bytes, a delta's JSON text
   * spliced into the chunk as it came. It writes what the parsed path would, byte for byte;
   * false leaves the frame to that path.
   */
  protected onRawFrame(frames: SseFrames, i: number): boolean {
    const buf = frames.buf;
    const ev = this.raw;
    const type = ev.read(buf, frames.dataStart(i), frames.dataEnd(i));
    if (type === BLOCK_STOP) this.blockStop(ev.index);
    else if (type === TEXT_BLOCK_START) this.blocks[ev.index] = TEXT;
    else if (type === MESSAGE_STOP) this.messageStop();
    else if (type === UNKNOWN) return false;
    else {
      const kind = this.blocks[ev.index];
      if (type === TEXT_DELTA) {
        if (kind !== TEXT) return false;
        this.token();
        this.out.raw(this.textPre + buf.toString('utf8', ev.start, ev.end) + this.textPost);
      } else if (type === THINKING_DELTA) {
        if (kind !== THINKING) return false;
        this.token();
        this.chunk('{"reasoning_content":"' + buf.toString('utf8', ev.start, ev.end) + '"}');
      } else {
        // INPUT_JSON_DELTA
        if (kind === undefined || kind < 0) return false;
        this.toolHasArgs[kind] = true;
        this.token();
        this.chunk('{"tool_calls":[{"index":' + kind + ',"function":{"arguments":"' + buf.toString('utf8', ev.start, ev.end) + '"}}]}');
      }
    }
    return true;
  }

  protected override onUpstreamEnd(): void {
    this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before message_stop'));
  }

  private start(id: string, model: string, usage: Partial<MessagesUsage> | undefined): void {
    if (this.head !== '') return;
    this.head =
      '{"id":' +
      JSON.stringify(id) +
      ',"object":"chat.completion.chunk","created":' +
      this.now() +
      ',"model":' +
      JSON.stringify(model) +
      ',"system_fingerprint":null,"choices":[';
    this.textPre = 'data: ' + this.head + '{"index":0,"delta":{"content":"';
    this.textPost = '"},"logprobs":null,"finish_reason":null}]' + this.tail + '\n\n';
    this.opts.onModel?.(model);
    if (usage) this.mergeUsage(usage);
    this.chunk('{"role":"assistant","content":""}');
  }

  private blockStart(ev: ContentBlockStartEvent): void {
    const b = ev.content_block as Record<string, unknown>;
    if (b.type === 'text') {
      this.blocks[ev.index] = TEXT;
      if (typeof b.text === 'string' && b.text !== '') this.content('content', b.text);
    } else if (b.type === 'thinking') {
      this.blocks[ev.index] = THINKING;
      if (typeof b.thinking === 'string' && b.thinking !== '') this.content('reasoning_content', b.thinking);
    } else if (b.type === 'tool_use') {
      const n = this.nextTool++;
      this.blocks[ev.index] = n;
      this.token();
      this.chunk(
        '{"tool_calls":[{"index":' +
          n +
          ',"id":' +
          JSON.stringify(String(b.id ?? '')) +
          ',"type":"function","function":{"name":' +
          JSON.stringify(String(b.name ?? '')) +
          ',"arguments":""}}]}',
      );
      // Input is normally {} here and streamed as input_json_delta; a proxy may send it whole.
      const input = b.input;
      if (typeof input === 'object' && input !== null && Object.keys(input).length > 0) {
        this.toolArgs(n, JSON.stringify(input));
      }
    } else {
      // server_tool_use, web_search_tool_result, redacted_thinking, ...: already executed or
      // opaque to the client; the text blocks carry what the model said about them.
      this.blocks[ev.index] = IGNORED;
    }
  }

  private blockDelta(ev: ContentBlockDeltaEvent): void {
    const kind = this.blocks[ev.index];
    const d = ev.delta as Record<string, unknown>;
    switch (d.type) {
      case 'text_delta':
        if (kind !== IGNORED && typeof d.text === 'string' && d.text !== '') this.content('content', d.text);
        break;
      case 'thinking_delta':
        if (typeof d.thinking === 'string' && d.thinking !== '') this.content('reasoning_content', d.thinking);
        break;
      case 'signature_delta':
        // agentgateway's extension: lets an OpenAI client replay the thinking block.
        if (kind === THINKING && typeof d.signature === 'string') {
          this.chunk('{"reasoning_signature":' + JSON.stringify(d.signature) + '}');
        }
        break;
      case 'input_json_delta':
        if (kind !== undefined && kind >= 0 && typeof d.partial_json === 'string' && d.partial_json !== '') {
          this.toolArgs(kind, d.partial_json);
        }
        break;
      default:
      // citations_delta and future delta types carry nothing an OpenAI client can use.
    }
  }

  private blockStop(index: number): void {
    const n = this.blocks[index];
    if (n !== undefined && n >= 0 && !this.toolHasArgs[n]) this.toolArgs(n, '{}');
  }

  private messageDelta(ev: MessageDeltaEvent): void {
    if (ev.usage) this.mergeUsage(ev.usage);
    const stop = ev.delta.stop_reason;
    if (stop) this.finish = finishReasonFromStop(stop);
    if (this.finish !== null && !this.finishSent) this.sendFinish(this.finish);
  }

  private messageStop(): void {
    if (!this.finishSent) this.sendFinish(this.finish ?? 'stop');
    if (this.opts.includeUsage) {
      this.out.data(this.head + '],"usage":' + JSON.stringify(completionsUsage(this.usage.current())) + '}');
    }
    this.out.data('[DONE]');
    this.phase = 'done';
  }

  private sendFinish(reason: FinishReason): void {
    this.finishSent = true;
    this.chunk('{}', reason);
  }

  private content(field: 'content' | 'reasoning_content', text: string): void {
    this.token();
    this.chunk('{"' + field + '":' + JSON.stringify(text) + '}');
  }

  private toolArgs(n: number, args: string): void {
    this.toolHasArgs[n] = true;
    this.token();
    this.chunk('{"tool_calls":[{"index":' + n + ',"function":{"arguments":' + JSON.stringify(args) + '}}]}');
  }

  private chunk(delta: string, finish: FinishReason | null = null): void {
    this.out.data(choiceChunk(this.head, 0, delta, finish, this.tail));
  }

  private token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.opts.onFirstToken?.();
  }

  private mergeUsage(u: Partial<MessagesUsage>): void {
    this.opts.onUsage(this.usage.add(u));
  }
}
