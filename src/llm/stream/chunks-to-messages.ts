// State machine for one stream: OpenAI chat.completion.chunk events in, Anthropic Messages SSE
// events out (client speaks messages, provider speaks completions).
//
//   first chunk          -> message_start (id, model; usage is only known at the end)
//   delta.reasoning_*    -> thinking block: content_block_start{thinking} + thinking_delta
//   delta.content        -> text block: content_block_start{text} + text_delta
//   delta.tool_calls[n]  -> new call (unseen index, or a new id on a seen index, as some
//                           compatible servers send): tool_use block start; arguments ->
//                           input_json_delta, forwarded verbatim so they accumulate exactly
//   kind change          -> content_block_stop of the open block before the next starts
//   [DONE]               -> content_block_stop, message_delta{stop_reason, usage}, message_stop
//   {"error": ...}       -> Anthropic `event: error`, no message_stop
//
// The request side injects stream_options.include_usage, so the usage chunk (choices: [])
// arrives before [DONE] and message_delta carries exact input, cache and output counts.
import { GatewayError } from '../../errors.js';
import type { StreamOptions } from '../convert/types.js';
import type { ChatCompletionChunk, ChunkDelta, ChunkToolCall, FinishReason } from '../formats/completions.js';
import type { StopReason } from '../formats/messages.js';
import { errorType, statusForType } from '../formats/provider-errors.js';
import { CompletionsUsageTally, messagesUsage } from '../formats/usage.js';
import { parseCompletionsFrame } from './events.js';
import { MessageBlocks } from './message-blocks.js';
import type { SseFrames } from '../../http/sse-reader.js';
import { TranslatingStream } from './translating-stream.js';

interface ToolSlot {
  block: number;
  id: string;
}

export function stopReasonFromFinish(finish: FinishReason | string | null | undefined): StopReason {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export class ChunksToMessages extends TranslatingStream {
  private started = false;
  private readonly blocks = new MessageBlocks(this.out, () => this.token());
  /** OpenAI tool_call index -> the Anthropic block of the call currently at that index. */
  private readonly tools = new Map<number, ToolSlot>();
  private lastToolIndex = -1;
  private stop: StopReason | null = null;
  private readonly usage = new CompletionsUsageTally();
  private firstToken = false;

  constructor(
    private readonly opts: StreamOptions,
    private readonly newId: (prefix: string) => string,
  ) {
    super('anthropic');
  }

  protected onFrame(frames: SseFrames, i: number): void {
    if (frames.dataEquals(i, '[DONE]')) {
      this.finishMessage();
      return;
    }
    const frame = parseCompletionsFrame(frames.data(i));
    if (frame.kind === 'error') {
      const type = errorType(0, frame.type);
      this.abort({ status: statusForType(type), type, message: frame.message });
      return;
    }
    const chunk = frame.chunk;
    if (!this.started) this.start(chunk.id, chunk.model);
    this.recordUsage(chunk);
    const choices = chunk.choices;
    if (!choices || choices.length === 0) return;
    const choice = choices.find((c) => c.index === 0) ?? choices[0]!;
    if (choice.delta) this.delta(choice.delta);
    if (choice.finish_reason) this.stop = stopReasonFromFinish(choice.finish_reason);
  }

  /** Compatible servers that omit [DONE] after a finish_reason still ended cleanly. */
  protected override onUpstreamEnd(): void {
    if (this.stop !== null) this.finishMessage();
    else this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before finish_reason and [DONE]'));
  }

  private start(id: unknown, model: unknown): void {
    this.started = true;
    const modelName = typeof model === 'string' ? model : '';
    if (modelName) this.opts.onModel?.(modelName);
    const message = {
      id: typeof id === 'string' && id ? id : this.newId('msg_'),
      type: 'message',
      role: 'assistant',
      content: [],
      model: modelName,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
    };
    this.out.event('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  private delta(d: ChunkDelta): void {
    const reasoning = d.reasoning_content ?? d.reasoning;
    if (typeof reasoning === 'string' && reasoning !== '') {
      this.blocks.delta(this.blocks.ensure('thinking'), '{"type":"thinking_delta","thinking":' + JSON.stringify(reasoning) + '}');
    }
    if (typeof d.reasoning_signature === 'string' && d.reasoning_signature !== '' && this.blocks.openKind === 'thinking') {
      this.blocks.delta(this.blocks.openIndex!, '{"type":"signature_delta","signature":' + JSON.stringify(d.reasoning_signature) + '}');
    }
    for (const text of [d.content, d.refusal]) {
      if (typeof text === 'string' && text !== '') {
        this.blocks.delta(this.blocks.ensure('text'), '{"type":"text_delta","text":' + JSON.stringify(text) + '}');
      }
    }
    if (Array.isArray(d.tool_calls)) for (const tc of d.tool_calls) this.toolCall(tc);
  }

  private toolCall(tc: ChunkToolCall): void {
    const id = typeof tc.id === 'string' && tc.id !== '' ? tc.id : null;
    // Some servers omit `index`: a call with an id is a new call, without one it continues.
    const index = typeof tc.index === 'number' ? tc.index : id !== null ? this.lastToolIndex + 1 : Math.max(0, this.lastToolIndex);
    this.lastToolIndex = index;
    let slot = this.tools.get(index);
    if (slot === undefined || (id !== null && id !== slot.id)) {
      slot = this.startTool(index, id ?? this.newId('toolu_'), tc.function?.name);
    }
    const args = tc.function?.arguments;
    if (typeof args === 'string' && args !== '') {
      // OpenAI streams one call at a time; if a server interleaves, the delta still goes to
      // the call's own block index so accumulated input stays exact.
      this.blocks.delta(slot.block, '{"type":"input_json_delta","partial_json":' + JSON.stringify(args) + '}');
    }
  }

  private startTool(index: number, id: string, name: unknown): ToolSlot {
    const slot = { block: this.blocks.startTool(id, typeof name === 'string' ? name : ''), id };
    this.tools.set(index, slot);
    return slot;
  }

  private finishMessage(): void {
    if (!this.started) throw new Error('upstream stream ended without any completion chunk');
    this.blocks.close();
    const delta = { stop_reason: this.stop ?? 'end_turn', stop_sequence: null };
    this.out.event(
      'message_delta',
      JSON.stringify({ type: 'message_delta', delta, usage: messagesUsage(this.usage.current ?? { inputTokens: 0, outputTokens: 0 }) }),
    );
    this.out.event('message_stop', '{"type":"message_stop"}');
    this.phase = 'done';
  }

  private recordUsage(chunk: ChatCompletionChunk): void {
    const u = this.usage.add(chunk);
    if (u !== null) this.opts.onUsage(u);
  }

  private token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.opts.onFirstToken?.();
  }
}
