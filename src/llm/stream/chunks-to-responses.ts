// State machine for one stream: OpenAI chat.completion.chunk frames in, OpenAI Responses stream
// events out (client speaks Responses, provider speaks Chat Completions, or a format already
// translated to chunks). Every event is `event: <type>\ndata: <json>` with a sequence_number.
//
//   first chunk             -> response.created, response.in_progress (status in_progress, no output)
//   reasoning_content       -> a reasoning item: output_item.added, reasoning_text.delta ...,
//                              reasoning_text.done, output_item.done (reasoning_signature ->
//                              the item's encrypted_content, sent back by clients to replay it)
//   content / refusal       -> a message item: output_item.added, content_part.added,
//                              output_text.delta (refusal.delta) ..., output_text.done
//                              (refusal.done), content_part.done, output_item.done
//   tool_calls              -> one function_call item per call: output_item.added (call_id, name),
//                              function_call_arguments.delta ..., function_call_arguments.done,
//                              output_item.done
//   [DONE]                  -> the open item is closed; response.completed, or response.incomplete
//                              (finish_reason length -> max_output_tokens, content_filter), with
//                              every output item and the usage
//   error frame             -> one `error` event, no terminal response event
//
// An item is closed when another kind starts (the Responses API's items are sequential).
import type { Json, StreamTransducer } from '../convert/types.js';
import type { ResolvedOptions } from '../convert/options.js';
import type { ChatCompletionChunk, ChunkDelta, FinishReason } from '../formats/completions.js';
import { errorType, statusForType } from '../formats/provider-errors.js';
import {
  responseEcho,
  responsesErrorEvent,
  type FunctionCallItem,
  type MessageItem,
  type OutputItem,
  type ReasoningItem,
  type ResponseObject,
  type ResponseStatus,
} from '../formats/responses.js';
import { CompletionsUsageTally, responsesUsage } from '../formats/usage.js';
import type { GatewayError } from '../../errors.js';
import type { SseFrames } from '../../http/sse-reader.js';
import type { ProviderError } from '../formats/provider-errors.js';
import { parseCompletionsFrame } from './events.js';
import { TranslatingStream } from './translating-stream.js';

type Part = { type: 'output_text'; text: string; annotations: unknown[] } | { type: 'refusal'; refusal: string };

interface Open {
  readonly index: number;
  readonly item: OutputItem;
  /** Message items: the part being written (text or refusal). */
  part?: Part;
  /** Chunk tool-call index of a function_call item. */
  toolIndex?: number;
}

export class ChunksToResponses extends TranslatingStream {
  private seq = 0;
  private id = '';
  private created = 0;
  private model = '';
  private readonly output: OutputItem[] = [];
  private open: Open | null = null;
  private finish: FinishReason | null = null;
  private readonly usage = new CompletionsUsageTally();

  constructor(
    private readonly opts: ResolvedOptions,
    /** The client's Responses request, echoed in the Response objects. */
    private readonly request: Json | undefined,
  ) {
    super('openai');
  }

  protected onFrame(frames: SseFrames, i: number): void {
    if (frames.dataEquals(i, '[DONE]')) return this.complete();
    const frame = parseCompletionsFrame(frames.data(i));
    if (frame.kind === 'error') {
      const type = errorType(0, frame.type);
      // The gateway's own error events (written by the inner stream) carry its stable code: keep it.
      return this.abort({ status: statusForType(type), type, message: frame.message, code: errorCode(frames.data(i)) });
    }
    const c = frame.chunk;
    if (this.id === '') this.start(c);
    this.usage.add(c);
    const choice = Array.isArray(c.choices) ? c.choices[0] : undefined;
    if (choice === undefined) return;
    if (choice.delta) this.delta(choice.delta);
    if (choice.finish_reason) this.finish ??= choice.finish_reason;
  }

  protected override abort(e: GatewayError | (ProviderError & { code?: string })): void {
    this.out.raw(responsesErrorEvent(this.seq++, e));
    this.phase = 'failed';
  }

  private emit(type: string, fields: Json): void {
    this.out.event(type, JSON.stringify({ type, sequence_number: this.seq++, ...fields }));
  }

  private response(status: ResponseStatus): ResponseObject {
    const incomplete = this.finish === 'length' ? 'max_output_tokens' : this.finish === 'content_filter' ? 'content_filter' : null;
    const usage = this.usage.current;
    return {
      id: this.id,
      object: 'response',
      created_at: this.created,
      status,
      error: null,
      incomplete_details: status === 'incomplete' && incomplete !== null ? { reason: incomplete } : null,
      ...responseEcho(this.request),
      model: this.model,
      output: status === 'in_progress' ? [] : this.output,
      usage: status === 'in_progress' || usage === null ? null : responsesUsage(usage),
    };
  }

  private start(c: ChatCompletionChunk): void {
    this.id = this.opts.newId('resp_');
    this.created = typeof c.created === 'number' ? c.created : this.opts.now();
    this.model = typeof c.model === 'string' ? c.model : '';
    this.emit('response.created', { response: this.response('in_progress') });
    this.emit('response.in_progress', { response: this.response('in_progress') });
  }

  private delta(d: ChunkDelta): void {
    const reasoning = typeof d.reasoning_content === 'string' ? d.reasoning_content : typeof d.reasoning === 'string' ? d.reasoning : '';
    if (reasoning !== '') this.reasoningDelta(reasoning);
    if (typeof d.reasoning_signature === 'string' && d.reasoning_signature !== '') {
      const item = this.openItem('reasoning').item as ReasoningItem;
      item.encrypted_content = (item.encrypted_content ?? '') + d.reasoning_signature;
    }
    if (typeof d.content === 'string' && d.content !== '') this.partDelta('output_text', d.content);
    if (typeof d.refusal === 'string' && d.refusal !== '') this.partDelta('refusal', d.refusal);
    if (Array.isArray(d.tool_calls)) for (const tc of d.tool_calls) this.toolDelta(tc);
  }

  /** The open item of `kind`, opening one (and closing the previous) when needed. */
  private openItem(kind: 'reasoning' | 'message'): Open {
    if (this.open !== null && this.open.item.type === kind) return this.open;
    this.closeOpen('completed');
    const item: OutputItem =
      kind === 'reasoning'
        ? { type: 'reasoning', id: this.opts.newId('rs_'), summary: [], content: [] }
        : { type: 'message', id: this.opts.newId('msg_'), status: 'in_progress', role: 'assistant', content: [] };
    return this.add(item);
  }

  private add(item: OutputItem): Open {
    const open: Open = { index: this.output.length, item };
    this.output.push(item);
    this.open = open;
    this.emit('response.output_item.added', { output_index: open.index, item });
    return open;
  }

  private reasoningDelta(text: string): void {
    const open = this.openItem('reasoning');
    const item = open.item as ReasoningItem;
    const content = (item.content ??= []);
    if (content.length === 0) content.push({ type: 'reasoning_text', text: '' });
    content[0]!.text += text;
    this.emit('response.reasoning_text.delta', { item_id: item.id, output_index: open.index, content_index: 0, delta: text });
  }

  private partDelta(kind: Part['type'], text: string): void {
    const open = this.openItem('message');
    const item = open.item as MessageItem;
    if (open.part?.type !== kind) {
      this.closePart(open);
      open.part = kind === 'output_text' ? { type: 'output_text', text: '', annotations: [] } : { type: 'refusal', refusal: '' };
      item.content.push(open.part);
      this.emit('response.content_part.added', {
        item_id: item.id,
        output_index: open.index,
        content_index: item.content.length - 1,
        part: emptyPart(kind),
      });
    }
    const at = { item_id: item.id, output_index: open.index, content_index: item.content.length - 1 };
    if (open.part.type === 'output_text') {
      open.part.text += text;
      this.emit('response.output_text.delta', { ...at, delta: text, logprobs: [] });
    } else {
      open.part.refusal += text;
      this.emit('response.refusal.delta', { ...at, delta: text });
    }
  }

  private toolDelta(tc: NonNullable<ChunkDelta['tool_calls']>[number]): void {
    const o = this.open;
    const current = o !== null && o.item.type === 'function_call' ? o : null;
    const sameCall =
      current !== null &&
      (tc.index === undefined || tc.index === current.toolIndex) &&
      (!tc.id || tc.id === (current.item as FunctionCallItem).call_id);
    let open = current;
    if (!sameCall) {
      this.closeOpen('completed');
      const item: FunctionCallItem = {
        type: 'function_call',
        id: this.opts.newId('fc_'),
        call_id: tc.id || this.opts.newId('call_'),
        name: tc.function?.name ?? '',
        arguments: '',
        status: 'in_progress',
      };
      open = this.add(item);
      open.toolIndex = tc.index ?? undefined;
    }
    const args = tc.function?.arguments;
    if (typeof args !== 'string' || args === '') return;
    const item = open!.item as FunctionCallItem;
    item.arguments += args;
    this.emit('response.function_call_arguments.delta', { item_id: item.id, output_index: open!.index, delta: args });
  }

  private closePart(open: Open): void {
    const part = open.part;
    if (part === undefined) return;
    const item = open.item as MessageItem;
    const at = { item_id: item.id, output_index: open.index, content_index: item.content.indexOf(part) };
    if (part.type === 'output_text') this.emit('response.output_text.done', { ...at, text: part.text, logprobs: [] });
    else this.emit('response.refusal.done', { ...at, refusal: part.refusal });
    this.emit('response.content_part.done', { ...at, part });
    open.part = undefined;
  }

  private closeOpen(status: 'completed' | 'incomplete'): void {
    const open = this.open;
    if (open === null) return;
    this.open = null;
    const item = open.item;
    if (item.type === 'message') this.closePart(open);
    else if (item.type === 'reasoning' && item.content !== undefined && item.content.length > 0) {
      this.emit('response.reasoning_text.done', {
        item_id: item.id,
        output_index: open.index,
        content_index: 0,
        text: item.content[0]!.text,
      });
    } else if (item.type === 'function_call') {
      // A call that got no arguments gets an empty JSON object, as OpenAI sends for one.
      if (item.arguments === '') item.arguments = '{}';
      this.emit('response.function_call_arguments.done', {
        item_id: item.id,
        output_index: open.index,
        name: item.name,
        arguments: item.arguments,
      });
    }
    if (item.type !== 'reasoning') item.status = status;
    this.emit('response.output_item.done', { output_index: open.index, item });
  }

  private complete(): void {
    if (this.id === '') throw new Error('[DONE] before any chunk');
    const status: ResponseStatus = this.finish === 'length' || this.finish === 'content_filter' ? 'incomplete' : 'completed';
    this.closeOpen(status);
    this.emit(status === 'completed' ? 'response.completed' : 'response.incomplete', { response: this.response(status) });
    this.phase = 'done';
  }
}

/** `error.code` of an OpenAI error frame, when it is a string. */
function errorCode(data: string): string | undefined {
  const code = (JSON.parse(data) as { error?: { code?: unknown } }).error?.code;
  return typeof code === 'string' ? code : undefined;
}

function emptyPart(kind: Part['type']): Part {
  return kind === 'output_text' ? { type: 'output_text', text: '', annotations: [] } : { type: 'refusal', refusal: '' };
}

/**
 * A provider stream already translated to chunks by `inner` (or a chat completions stream as it
 * came), turned into Responses events by `outer`: the two state machines run back to back on
 * each push, so any chunking of the upstream still gives the same bytes.
 */
export class ChainedStream implements StreamTransducer {
  constructor(
    private readonly inner: StreamTransducer,
    private readonly outer: StreamTransducer,
  ) {}

  push(chunk: Uint8Array): Uint8Array {
    return this.outer.push(this.inner.push(chunk));
  }

  end(): Uint8Array {
    const last = this.outer.push(this.inner.end());
    const tail = this.outer.end();
    if (last.length === 0) return tail;
    if (tail.length === 0) return last;
    return Buffer.concat([last, tail]);
  }

  fail(err: GatewayError): Uint8Array {
    this.inner.fail(err);
    return this.outer.fail(err);
  }
}
