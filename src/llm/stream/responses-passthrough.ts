// Responses API streams from a provider that speaks it (OpenAI, Azure): the bytes go to the
// client as they came; the framer watches them for the model (`response.created`), the first
// token (the first `*.delta` event: text, refusal, reasoning or function-call arguments) and the
// usage of the terminal event (`response.completed`, `response.incomplete`, `response.failed`,
// whose `response.usage` is the request's). Only those few frames are JSON-parsed.
import { GatewayError } from '../../errors.js';
import type { SseFrames } from '../../http/sse-reader.js';
import type { StreamOptions } from '../convert/types.js';
import { responsesErrorEvent, TERMINAL_EVENTS } from '../formats/responses.js';
import { usageFromResponses } from '../formats/usage.js';
import { Passthrough } from './passthrough.js';

type Obj = Record<string, unknown>;

export class ResponsesPassthrough extends Passthrough {
  private modelSeen = false;
  /** The next sequence_number (events are numbered from 0), for an error event of our own. */
  private events = 0;

  constructor(opts: StreamOptions) {
    super(opts, 'openai');
  }

  protected forward(chunk: Uint8Array, frames: SseFrames): Uint8Array {
    for (let i = 0; i < frames.count && this.phase === 'open'; i++) this.observe(frames, i);
    return chunk;
  }

  protected onUpstreamEnd(partial: boolean): Uint8Array {
    return this.failWith(new GatewayError('upstream_bad_response', 'upstream stream ended before response.completed'), partial);
  }

  protected override failWith(err: GatewayError, partial: boolean): Uint8Array {
    this.phase = 'failed';
    const event = responsesErrorEvent(this.events, err);
    return Buffer.from(partial && this.verbatim ? `\n\n${event}` : event);
  }

  private observe(frames: SseFrames, i: number): void {
    this.events++;
    let name = frames.event(i);
    let ev: Obj | null = null;
    if (name === null) {
      // No `event:` line: the type is in the data.
      ev = parse(frames.data(i));
      name = typeof ev?.type === 'string' ? ev.type : '';
    }
    if (name.endsWith('.delta')) {
      this.token();
      return;
    }
    if (name === 'error') {
      this.phase = 'failed';
      return;
    }
    const terminal = TERMINAL_EVENTS.has(name);
    if (!terminal && (this.modelSeen || (name !== 'response.created' && name !== 'response.in_progress'))) return;
    ev ??= parse(frames.data(i));
    const response = ev?.response;
    if (typeof response !== 'object' || response === null) return;
    const r = response as Obj;
    if (!this.modelSeen && typeof r.model === 'string' && r.model !== '') {
      this.modelSeen = true;
      this.opts.onModel?.(r.model);
    }
    if (!terminal) return;
    if (typeof r.usage === 'object' && r.usage !== null) this.opts.onUsage(usageFromResponses(r.usage as Obj));
    this.phase = 'done';
  }
}

function parse(data: string): Obj | null {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
  } catch {
    return null; // not ours to judge: the client gets the upstream bytes as they are
  }
}
