// State machine for one stream: Bedrock ConverseStream events in, OpenAI chat.completion.chunk
// events out (client speaks completions, provider is Bedrock).
//
//   messageStart                  -> first chunk: delta {role: "assistant", content: ""}
//   contentBlockStart{toolUse}    -> delta.tool_calls[{index n, id, type, function{name, arguments ""}}]
//                                    (n counts tool calls only; the name is given back its original)
//   contentBlockDelta text        -> delta.content
//   contentBlockDelta reasoning   -> delta.reasoning_content; its signature -> delta.reasoning_signature
//                                    (agentgateway's extension, so the client can replay thinking);
//                                    redacted reasoning is not forwarded
//   contentBlockDelta toolUse     -> delta.tool_calls[{index n, function{arguments}}], verbatim, in order
//   contentBlockStop              -> a tool call that never got arguments gets "{}" (valid JSON)
//   messageStop                   -> chunk with finish_reason
//   metadata                      -> usage; then the usage chunk (choices: [], when asked) and [DONE]
//   exception message             -> OpenAI error event, no [DONE]
//
// ConverseStream carries no id or model: the id is generated, the model is the one requested.
import { choiceChunk } from './choice-chunk.js';
import { GatewayError } from '../../errors.js';
import type { StreamOptions } from '../convert/types.js';
import type { ToolNames } from '../convert/converse-tools.js';
import type { FinishReason } from '../formats/completions.js';
import type { ConverseUsage } from '../formats/converse.js';
import { completionsUsage, usageFromConverse } from '../formats/usage.js';
import type { Usage } from '../usage.js';
import { blockIndex, ConverseStream } from './converse-stream.js';

type Payload = Record<string, unknown>;

export function finishReasonFromConverse(stop: unknown): FinishReason {
  switch (stop) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'content_filter';
    default:
      // end_turn, stop_sequence, malformed_* (the text so far is the answer)
      return 'stop';
  }
}

export interface ConverseStreamContext {
  /** The model the request named (ConverseStream does not repeat it). */
  readonly model: string;
  readonly toolNames: ToolNames;
  readonly id: string;
  readonly created: number;
}

export class ConverseToChunks extends ConverseStream {
  private readonly head: string;
  private readonly tail: string;
  /** Converse content block index -> OpenAI tool_call index. */
  private readonly tools = new Map<number, number>();
  private readonly toolHasArgs: boolean[] = [];
  private nextTool = 0;
  private started = false;
  private finish: FinishReason | null = null;
  private usage: Usage | null = null;
  private firstToken = false;

  constructor(
    private readonly opts: StreamOptions,
    private readonly ctx: ConverseStreamContext,
  ) {
    super('openai');
    this.head =
      '{"id":' +
      JSON.stringify(ctx.id) +
      ',"object":"chat.completion.chunk","created":' +
      ctx.created +
      ',"model":' +
      JSON.stringify(ctx.model) +
      ',"system_fingerprint":null,"choices":[';
    this.tail = opts.includeUsage ? ',"usage":null}' : '}';
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
        this.finish = finishReasonFromConverse(p.stopReason);
        this.chunk('{}', this.finish);
        break;
      case 'metadata':
        this.metadata(p);
        break;
      default:
      // events added to the API later carry nothing this client can use
    }
  }

  /** A stream cut after messageStop (without its metadata) still gave the whole answer. */
  protected onUpstreamEnd(): void {
    if (this.finish !== null) this.done();
    else this.abort(new GatewayError('upstream_bad_response', 'upstream stream ended before messageStop'));
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.opts.onModel?.(this.ctx.model);
    this.chunk('{"role":"assistant","content":""}');
  }

  private blockStart(p: Payload): void {
    const start = p.start as Payload | undefined;
    const tool = start?.toolUse as Payload | undefined;
    if (tool === undefined) return; // text and reasoning blocks start with their first delta
    const n = this.nextTool++;
    this.tools.set(blockIndex(p), n);
    this.token();
    const name = this.ctx.toolNames.restore(String(tool.name ?? ''));
    this.chunk(
      '{"tool_calls":[{"index":' +
        n +
        ',"id":' +
        JSON.stringify(String(tool.toolUseId ?? '')) +
        ',"type":"function","function":{"name":' +
        JSON.stringify(name) +
        ',"arguments":""}}]}',
    );
  }

  private blockDelta(p: Payload): void {
    const d = p.delta as Payload | undefined;
    if (d === undefined) return;
    if (typeof d.text === 'string' && d.text !== '') this.content('content', d.text);
    const r = d.reasoningContent as Payload | undefined;
    if (r !== undefined) {
      if (typeof r.text === 'string' && r.text !== '') this.content('reasoning_content', r.text);
      if (typeof r.signature === 'string' && r.signature !== '') {
        this.chunk('{"reasoning_signature":' + JSON.stringify(r.signature) + '}');
      }
    }
    const tu = d.toolUse as Payload | undefined;
    if (tu !== undefined && typeof tu.input === 'string' && tu.input !== '') {
      const n = this.tools.get(blockIndex(p));
      if (n !== undefined) this.toolArgs(n, tu.input);
    }
  }

  private blockStop(index: number): void {
    const n = this.tools.get(index);
    if (n !== undefined && !this.toolHasArgs[n]) this.toolArgs(n, '{}');
  }

  private metadata(p: Payload): void {
    if (typeof p.usage === 'object' && p.usage !== null) {
      this.usage = usageFromConverse(p.usage as Partial<ConverseUsage>);
      this.opts.onUsage(this.usage);
    }
    if (this.finish === null) throw new Error('metadata before messageStop');
    this.done();
  }

  private done(): void {
    if (this.opts.includeUsage && this.usage !== null) {
      this.out.data(this.head + '],"usage":' + JSON.stringify(completionsUsage(this.usage)) + '}');
    }
    this.out.data('[DONE]');
    this.phase = 'done';
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
}
