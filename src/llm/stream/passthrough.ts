// Same-format streams (the provider speaks the client's format). The upstream bytes go to the
// client as they came; the framer only watches them for the model, the first token, usage and
// the terminal event. Watching is kept cheap: a frame is JSON-parsed only while the model or
// first token is still unknown, or when one native byte search per batch (not per frame) finds
// a usage object or an error key in it.
//
// One exception to verbatim: the gateway asks OpenAI-format upstreams for usage
// (stream_options.include_usage) even when the client did not. Then the trailing usage-only
// chunk (choices: []) must not reach the client, so frames are re-framed (`data: <bytes>\n\n`,
// data bytes copied unchanged) and that chunk is left out. SSE comments and id/retry fields
// are not carried in that mode.
import { GatewayError } from '../../errors.js';
import type { StreamOptions, StreamTransducer } from '../convert/types.js';
import type { MessagesUsage } from '../formats/messages.js';
import type { ErrorDialect } from '../formats/errors.js';
import { CompletionsUsageTally, MessagesUsageTally } from '../formats/usage.js';
import { parseCompletionsFrame, parseMessagesEvent } from './events.js';
import { SseReader, type SseFrames } from '../../http/sse-reader.js';
import { NO_OUTPUT, SseOutput } from './sse-writer.js';
import { malformed, type StreamPhase } from './translating-stream.js';

const DATA_PREFIX = Buffer.from('data: ');
const FRAME_END = Buffer.from('\n\n');
const USAGE_KEY = Buffer.from('"usage"');

export abstract class Passthrough implements StreamTransducer {
  protected readonly reader = new SseReader();
  protected phase: StreamPhase = 'open';
  protected firstToken = false;
  /** Whether the client has been sent bytes the framer has not completed (verbatim mode). */
  protected verbatim = true;

  constructor(
    protected readonly opts: StreamOptions,
    private readonly dialect: ErrorDialect,
  ) {}

  push(chunk: Uint8Array): Uint8Array {
    if (this.phase === 'failed') return NO_OUTPUT;
    let frames: SseFrames;
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      return this.failWith(malformed(err), true);
    }
    return this.forward(chunk, frames);
  }

  end(): Uint8Array {
    const pending = this.reader.end();
    if (this.phase !== 'open') return NO_OUTPUT;
    return this.onUpstreamEnd(pending && this.verbatim);
  }

  fail(err: GatewayError): Uint8Array {
    if (this.phase !== 'open') return NO_OUTPUT;
    return this.failWith(err, this.reader.end());
  }

  protected abstract forward(chunk: Uint8Array, frames: SseFrames): Uint8Array;

  protected abstract onUpstreamEnd(clientHasPartialFrame: boolean): Uint8Array;

  /**
   * The error event in the client's dialect. If the client already holds part of a frame,
   * a blank line first ends that frame so the error event is parsed on its own.
   */
  protected failWith(err: GatewayError, partial: boolean): Uint8Array {
    const out = new SseOutput();
    if (partial && this.verbatim) out.raw('\n\n');
    out.error(this.dialect, err);
    this.phase = 'failed';
    return out.take();
  }

  protected token(): void {
    if (this.firstToken) return;
    this.firstToken = true;
    this.opts.onFirstToken?.();
  }
}

/** OpenAI chat completion chunks, forwarded as-is (or re-framed without the usage chunk). */
export class CompletionsPassthrough extends Passthrough {
  private modelSeen = false;
  private sawFinish = false;
  /** A chunk that may carry the finish_reason, checked if the stream ends without [DONE]. */
  private finishCandidate: Buffer | null = null;
  private keep: Buffer[] = [];
  private readonly usage = new CompletionsUsageTally();

  constructor(opts: StreamOptions, dropUsageChunk: boolean) {
    super(opts, 'openai');
    this.verbatim = !dropUsageChunk;
  }

  protected forward(chunk: Uint8Array, frames: SseFrames): Uint8Array {
    if (this.verbatim) {
      for (let i = 0; i < frames.count; i++) this.observe(frames, i);
      return chunk;
    }
    let size = 0;
    for (let i = 0; i < frames.count; i++) {
      if (this.phase !== 'open') break; // nothing after [DONE] or an error frame
      if (!this.observe(frames, i)) continue;
      const data = frames.dataBytes(i);
      this.keep.push(data);
      size += DATA_PREFIX.length + data.length + FRAME_END.length;
    }
    return this.reframe(size);
  }

  protected onUpstreamEnd(partial: boolean): Uint8Array {
    if (!this.sawFinish && this.finishCandidate !== null) this.sawFinish = finished(this.finishCandidate);
    // A finish_reason followed by a clean close is complete even without [DONE].
    if (this.sawFinish && !partial) {
      this.phase = 'done';
      return Buffer.from('data: [DONE]\n\n');
    }
    return this.failWith(new GatewayError('upstream_bad_response', 'upstream stream ended before [DONE]'), partial);
  }

  /** Watches one frame; returns false for the injected usage chunk the client must not see. */
  private observe(frames: SseFrames, i: number): boolean {
    if (frames.dataEquals(i, '[DONE]')) {
      if (this.phase === 'open') this.phase = 'done';
      return true;
    }
    if (this.modelSeen && this.firstToken) {
      const kind = chunkTail(frames, i);
      if (kind === PLAIN) return true;
      if (kind === MAY_FINISH) {
        // the finish chunk: remember it (the framer reuses its buffer) for an unclean end
        if (!this.sawFinish) this.finishCandidate = Buffer.from(frames.dataBytes(i));
        return true;
      }
    }
    let frame;
    try {
      frame = parseCompletionsFrame(frames.data(i));
    } catch {
      return true; // not ours to judge: the client gets the upstream bytes as they are
    }
    if (frame.kind === 'error') {
      this.phase = 'failed';
      return true;
    }
    const c = frame.chunk;
    if (!this.modelSeen && typeof c.model === 'string' && c.model !== '') {
      this.modelSeen = true;
      this.opts.onModel?.(c.model);
    }
    const usage = this.usage.add(c);
    if (usage !== null) this.opts.onUsage(usage);
    const choices = c.choices;
    if (!choices || choices.length === 0) return !c.usage; // the usage-only chunk
    const d = choices[0]?.delta;
    if (
      !this.firstToken &&
      d &&
      (nonEmpty(d.content) ||
        nonEmpty(d.reasoning_content) ||
        nonEmpty(d.reasoning) ||
        nonEmpty(d.refusal) ||
        (Array.isArray(d.tool_calls) && d.tool_calls.length > 0))
    ) {
      this.token();
    }
    if (choices.some((ch) => ch.finish_reason)) this.sawFinish = true;
    return true;
  }

  private reframe(size: number): Uint8Array {
    if (this.keep.length === 0) return NO_OUTPUT;
    const out = Buffer.allocUnsafe(size);
    let w = 0;
    for (const data of this.keep) {
      if (data.indexOf(0x0a) >= 0) return this.reframeMultiline();
      w += DATA_PREFIX.copy(out, w);
      w += data.copy(out, w);
      w += FRAME_END.copy(out, w);
    }
    this.keep.length = 0;
    return out;
  }

  /** Multi-line data (joined with LF by the framer) goes back out as one data line per line. */
  private reframeMultiline(): Uint8Array {
    const out = new SseOutput();
    for (const data of this.keep) out.data(data.toString('utf8').replaceAll('\n', '\ndata: '));
    this.keep.length = 0;
    return out.take();
  }
}

const NEEDS_PARSE = 0;
const PLAIN = 1;
const MAY_FINISH = 2;

/**
 * What a chunk's last bytes say, once model and first token are known. OpenAI-format servers
 * write `usage` as the chunk's last key, and `finish_reason` as the last key of a choice. So a
 * chunk ending with the choices array (`]}`) or a null usage (`null}`) carries no usage (unless
 * a choice ends with an object that may be Moonshot's usage, see afterChoices); one
 * ending `"}]}` has a string-valued finish_reason (the finish chunk); anything else (a usage
 * object, an error object) is parsed. Reading the last bytes costs the same for any chunk,
 * where searching each chunk for a key cost ~0.3 µs per event.
 */
function chunkTail(frames: SseFrames, i: number): number {
  const b = frames.buf;
  const s = frames.dataStart(i);
  const back = (from: number) => {
    let j = from;
    while (j > s && (b[j] === 0x20 || b[j] === 0x0a || b[j] === 0x0d || b[j] === 0x09)) j--;
    return j;
  };
  const e = back(frames.dataEnd(i) - 1);
  /**
   * After the choices array's `]`: `"}]` means a string-valued last field (finish_reason);
   * `}}]` an object-valued one: the delta, or Moonshot's usage inside the choice, parsed
   * only when the frame holds a usage key.
   */
  const afterChoices = (j: number) => {
    const k = back(j - 1);
    if (b[k] !== 0x7d /* } */) return PLAIN; // an empty choices array
    const last = b[back(k - 1)];
    if (last === 0x22 /* " */) return MAY_FINISH;
    if (last === 0x7d /* } */ && b.subarray(s, e).indexOf(USAGE_KEY) >= 0) return NEEDS_PARSE;
    return PLAIN;
  };
  if (b[e] !== 0x7d /* } */) return NEEDS_PARSE;
  const j = back(e - 1);
  if (b[j] === 0x5d /* ] */) return afterChoices(j);
  const isNull = j - 3 > s && b[j] === 0x6c && b[j - 1] === 0x6c && b[j - 2] === 0x75 && b[j - 3] === 0x6e;
  if (!isNull) return NEEDS_PARSE;
  // `..."choices":[...],"usage":null}`: step back over `,"usage":` to the choices array
  let p = back(j - 4);
  if (b[p] !== 0x3a /* : */) return PLAIN;
  p = back(p - 1);
  if (b[p] !== 0x22) return PLAIN;
  p = b.lastIndexOf(0x22, p - 1);
  if (p <= s) return PLAIN;
  p = back(p - 1);
  if (b[p] !== 0x2c /* , */) return PLAIN;
  p = back(p - 1);
  return b[p] === 0x5d ? afterChoices(p) : PLAIN;
}

/** Whether a chunk reports a finish_reason (parsed: this runs once, at an unclean end). */
function finished(data: Buffer): boolean {
  try {
    const frame = parseCompletionsFrame(data.toString('utf8'));
    return frame.kind !== 'error' && (frame.chunk.choices ?? []).some((ch) => ch.finish_reason);
  } catch {
    return false;
  }
}

function nonEmpty(v: unknown): boolean {
  return typeof v === 'string' && v !== '';
}

/** Anthropic Messages events, always forwarded byte for byte. */
export class MessagesPassthrough extends Passthrough {
  private readonly usage = new MessagesUsageTally();

  constructor(opts: StreamOptions) {
    super(opts, 'anthropic');
  }

  protected forward(chunk: Uint8Array, frames: SseFrames): Uint8Array {
    for (let i = 0; i < frames.count && this.phase === 'open'; i++) this.observe(frames, i);
    return chunk;
  }

  protected onUpstreamEnd(partial: boolean): Uint8Array {
    return this.failWith(new GatewayError('upstream_bad_response', 'upstream stream ended before message_stop'), partial);
  }

  private observe(frames: SseFrames, i: number): void {
    const name = frames.event(i);
    switch (name) {
      case 'content_block_delta':
        this.token();
        return;
      case 'message_stop':
        this.phase = 'done';
        return;
      case 'error':
        this.phase = 'failed';
        return;
      case 'content_block_start':
        if (this.firstToken) return; // else parse: a tool call's start is its first token
        break;
      case 'message_start':
      case 'message_delta':
      case null:
        break; // parse below
      default:
        return; // ping, content_block_stop, future events: nothing to watch
    }
    let ev;
    try {
      ev = parseMessagesEvent(frames.data(i));
    } catch {
      return;
    }
    if (ev === null) return;
    if (ev.type === 'message_start') {
      this.opts.onModel?.(ev.message.model);
      if (ev.message.usage) this.addUsage(ev.message.usage);
    } else if (ev.type === 'message_delta') {
      if (ev.usage) this.addUsage(ev.usage);
    } else if (ev.type === 'content_block_delta') {
      this.token();
    } else if (ev.type === 'content_block_start') {
      if (ev.content_block.type === 'tool_use') this.token();
    } else if (ev.type === 'message_stop') {
      this.phase = 'done';
    } else if (ev.type === 'error') {
      this.phase = 'failed';
    }
  }

  private addUsage(u: Partial<MessagesUsage>): void {
    this.opts.onUsage(this.usage.add(u));
  }
}
