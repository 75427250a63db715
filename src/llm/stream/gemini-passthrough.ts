// Native Gemini streams (a Google GenAI SDK client on a Gemini or Vertex provider): the
// upstream bytes go to the client exactly as they came, watched for the model (modelVersion),
// the first token, usage (usageMetadata, running totals) and completion. Gemini has no terminal
// event: a stream is complete once a candidate reported its finishReason; one that ends before
// that gets Google's error object as its last frame, never a silent clean end.
//
// Watching is kept cheap, as for the other pass-throughs: frames are JSON-parsed until the model
// and first token are known; after that only a frame holding a finishReason or an error key is
// parsed (one native byte search each), and the running usage of the others is read from the
// latest of them when it is needed (at the finish, or when the stream ends or fails).
import { GatewayError } from '../../errors.js';
import type { StreamOptions } from '../convert/types.js';
import { promptBlocked } from '../formats/gemini-finish.js';
import { GeminiUsageTally } from '../formats/usage.js';
import { parseGeminiFrame } from './events.js';
import { Passthrough } from './passthrough.js';
import type { SseFrames } from '../../http/sse-reader.js';
import { NO_OUTPUT } from './sse-writer.js';

const FINISH_KEY = Buffer.from('"finishReason"');
const ERROR_KEY = Buffer.from('"error"');
const USAGE_KEY = Buffer.from('"usageMetadata"');

export class GeminiPassthrough extends Passthrough {
  private readonly usage = new GeminiUsageTally();
  private modelSeen = false;
  private sawFinish = false;
  /**
   * Google sent its error object: the stream is over, but bytes after it (the rest of a CRLF
   * frame end) still go out verbatim, so the phase stays open until the upstream ends.
   */
  private sawError = false;
  /** The latest frame with usage not parsed yet (a copy: the framer reuses its buffer). */
  private pendingUsage: Buffer | null = null;

  constructor(opts: StreamOptions) {
    super(opts, 'google');
  }

  protected forward(chunk: Uint8Array, frames: SseFrames): Uint8Array {
    for (let i = 0; i < frames.count && !this.sawError; i++) this.observe(frames, i);
    return chunk;
  }

  protected onUpstreamEnd(partial: boolean): Uint8Array {
    this.flushUsage();
    if (this.sawError || (this.sawFinish && !partial)) {
      this.phase = 'done';
      return NO_OUTPUT;
    }
    return this.failWith(new GatewayError('upstream_bad_response', 'upstream stream ended before a finishReason'), partial);
  }

  override fail(err: GatewayError): Uint8Array {
    this.flushUsage();
    return super.fail(err);
  }

  private observe(frames: SseFrames, i: number): void {
    if (this.modelSeen && this.firstToken) {
      const data = frames.dataBytes(i);
      if (data.indexOf(FINISH_KEY) < 0 && data.indexOf(ERROR_KEY) < 0) {
        if (data.indexOf(USAGE_KEY) >= 0) this.pendingUsage = Buffer.from(data);
        return;
      }
    }
    this.pendingUsage = null; // this frame's usage is newer
    this.read(frames.data(i));
  }

  private read(data: string): void {
    let frame;
    try {
      frame = parseGeminiFrame(data);
    } catch {
      return; // not ours to judge: the client gets the upstream bytes as they are
    }
    if (frame.kind === 'error') {
      this.sawError = true;
      return;
    }
    const r = frame.chunk;
    if (!this.modelSeen && typeof r.modelVersion === 'string' && r.modelVersion !== '') {
      this.modelSeen = true;
      this.opts.onModel?.(r.modelVersion);
    }
    if (r.usageMetadata) this.opts.onUsage(this.usage.add(r.usageMetadata));
    for (const c of r.candidates ?? []) {
      if (!this.firstToken && (c.content?.parts ?? []).some((p) => (typeof p.text === 'string' && p.text !== '') || p.functionCall)) {
        this.token();
      }
      if (typeof c.finishReason === 'string' && c.finishReason !== 'FINISH_REASON_UNSPECIFIED') this.sawFinish = true;
    }
    if (promptBlocked(r)) this.sawFinish = true;
  }

  private flushUsage(): void {
    const pending = this.pendingUsage;
    if (pending === null) return;
    this.pendingUsage = null;
    this.read(pending.toString('utf8'));
  }
}
