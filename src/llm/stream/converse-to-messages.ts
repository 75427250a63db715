// State machine for one stream: Bedrock ConverseStream events in, Anthropic Messages SSE events
// out (client speaks messages, provider is Bedrock; for Claude on Bedrock this is the shape the
// model produced in the first place).
//
//   messageStart                  -> message_start (generated id, the requested model, usage 0:
//                                    Bedrock reports usage once, at the end)
//   contentBlockStart{toolUse}    -> content_block_start tool_use (original tool name given back)
//   first text / reasoning delta  -> content_block_start text / thinking (Converse does not start
//                                    those blocks); redacted reasoning -> a redacted_thinking block
//   contentBlockDelta             -> text_delta, thinking_delta, signature_delta, input_json_delta
//   contentBlockStop              -> content_block_stop
//   messageStop                   -> stop reason kept for message_delta
//   metadata                      -> message_delta {stop_reason, usage (input, cache, output)} and
//                                    message_stop
//   exception message             -> Anthropic `event: error`, no message_stop
import { GatewayError } from '../../errors.js';
import type { StopReason } from '../formats/messages.js';
import type { ConverseUsage } from '../formats/converse.js';
import type { StreamOptions } from '../convert/types.js';
import { messagesUsage, usageFromConverse } from '../formats/usage.js';
import type { Usage } from '../usage.js';
import { blockIndex, ConverseStream } from './converse-stream.js';
import type { ConverseStreamContext } from './converse-to-chunks.js';

type Payload = Record<string, unknown>;
type Kind = 'text' | 'thinking' | 'redacted' | 'tool';

export function stopReasonFromConverse(stop: unknown): StopReason {
  switch (stop) {
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
    case 'model_context_window_exceeded':
      return stop;
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export class ConverseToMessages extends ConverseStream {
  /** Converse content block index -> the Anthropic block started for it. */
  private readonly blocks = new Map<number, { index: number; kind: Kind }>();
  private nextBlock = 0;
  private started = false;
  private stop: StopReason | null = null;
  private stopSequence: string | null = null;
  private usage: Usage | null = null;
  private firstToken = false;

  constructor(
    private readonly opts: StreamOptions,
    private readonly ctx: ConverseStreamContext,
  ) {
    super('anthropic');
  }

  protected onEvent(type: string, p: Payload): void {
    if (type === 'messageStart') return this.start();
    if (!this.started) throw new Error(`${type} before messageStart`);
    switch (type) {
      case 'contentBlockStart':
        this.blockStart(p);
        break;
      case 'contentBlockDelta':
        this.blockDelta(p);
        break;
      case 'contentBlockStop':
        this.blockStop(blockIndex(p));
        break;
      case 'messageStop':
        this.stop = stopReasonFromConverse(p.stopReason);
        this.stopSequence = stopSequenceOf(p.additionalModelResponseFields);
        break;
      case 'metadata':
        if (typeof p.usage === 'object' && p.usage !== null) {
          this.usage = usageFromConverse(p.usage as Partial<ConverseUsage>);
          this.opts.onUsage(this.usage);
        }
        if (this.stop === null) throw new Error('metadata before messageStop');
        this.finishMessage();
        break;
      default:
      // events added to the API later carry nothing this client can use
    }
  }

  /** A stream cut after messageStop (without its metadata) still gave the whole answer. */
  protected onUpstreamEnd(): void {
    if (this.stop !== null) this.finishMessage();
    else this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before messageStop'));
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.opts.onModel?.(this.ctx.model);
    const message = {
      id: this.ctx.id,
      type: 'message',
      role: 'assistant',
      content: [],
      model: this.ctx.model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
    };
    this.out.event('message_start', JSON.stringify({ type: 'message_start', message }));
  }

  private blockStart(p: Payload): void {
    const tool = (p.start as Payload | undefined)?.toolUse as Payload | undefined;
    if (tool === undefined) return;
    const name = this.ctx.toolNames.restore(String(tool.name ?? ''));
    const block = { type: 'tool_use', id: String(tool.toolUseId ?? ''), name, input: {} };
    this.token();
    this.open(blockIndex(p), 'tool', block);
  }

  private blockDelta(p: Payload): void {
    const at = blockIndex(p);
    const d = p.delta as Payload | undefined;
    if (d === undefined) return;
    if (typeof d.text === 'string') {
      const b = this.blocks.get(at) ?? this.open(at, 'text', { type: 'text', text: '' });
      if (d.text !== '') this.delta(b.index, { type: 'text_delta', text: d.text });
    }
    const r = d.reasoningContent as Payload | undefined;
    if (r !== undefined) this.reasoning(at, r);
    const tu = d.toolUse as Payload | undefined;
    const b = this.blocks.get(at);
    if (tu !== undefined && b?.kind === 'tool' && typeof tu.input === 'string' && tu.input !== '') {
      this.delta(b.index, { type: 'input_json_delta', partial_json: tu.input });
    }
  }

  private reasoning(at: number, r: Payload): void {
    let b = this.blocks.get(at);
    if (b === undefined) {
      b =
        typeof r.redactedContent === 'string'
          ? this.open(at, 'redacted', { type: 'redacted_thinking', data: r.redactedContent })
          : this.open(at, 'thinking', { type: 'thinking', thinking: '', signature: '' });
    }
    if (b.kind !== 'thinking') return;
    if (typeof r.text === 'string' && r.text !== '') this.delta(b.index, { type: 'thinking_delta', thinking: r.text });
    if (typeof r.signature === 'string' && r.signature !== '') this.delta(b.index, { type: 'signature_delta', signature: r.signature });
  }

  private open(at: number, kind: Kind, contentBlock: Payload): { index: number; kind: Kind } {
    const b = { index: this.nextBlock++, kind };
    this.blocks.set(at, b);
    this.out.event('content_block_start', JSON.stringify({ type: 'content_block_start', index: b.index, content_block: contentBlock }));
    return b;
  }

  private delta(index: number, delta: Payload): void {
    this.token();
    this.out.event('content_block_delta', JSON.stringify({ type: 'content_block_delta', index, delta }));
  }

  private blockStop(at: number): void {
    const b = this.blocks.get(at);
    if (b === undefined) return;
    this.blocks.delete(at);
    this.out.event('content_block_stop', '{"type":"content_block_stop","index":' + b.index + '}');
  }

  private finishMessage(): void {
    for (const at of [...this.blocks.keys()]) this.blockStop(at);
    const delta = { stop_reason: this.stop ?? 'end_turn', stop_sequence: this.stopSequence };
    const usage = messagesUsage(this.usage ?? { inputTokens: 0, outputTokens: 0 });
    this.out.event('message_delta', JSON.stringify({ type: 'message_delta', delta, usage }));
    this.out.event('message_stop', '{"type":"message_stop"}');
    this.phase = 'done';
  }

  private token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.opts.onFirstToken?.();
  }
}

/** Claude on Bedrock names the matched stop sequence in additionalModelResponseFields. */
export function stopSequenceOf(fields: unknown): string | null {
  if (typeof fields !== 'object' || fields === null) return null;
  const s = (fields as Payload).stop_sequence;
  return typeof s === 'string' ? s : null;
}
