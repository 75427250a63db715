// What a well-formed answer, error and stream look like in each client dialect, checked from
// the bytes the client received (independently of the gateway's own encoders).
import type { Dialect } from './faults.js';

export interface SseFrame {
  event: string | undefined;
  data: string;
}

/** Complete SSE frames of a body (a trailing partial frame is dropped). */
export function sseFrames(text: string): SseFrame[] {
  const frames: SseFrame[] = [];
  const parts = text.split(/\r?\n\r?\n/);
  parts.pop(); // the text after the last blank line is not a complete frame
  for (const part of parts) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of part.split(/\r?\n/)) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (event !== undefined || data.length > 0) frames.push({ event, data: data.join('\n') });
  }
  return frames;
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** An error object in the dialect; `id` is the JSON-RPC id the A2A answer must echo. */
export function isErrorBody(dialect: Dialect, v: unknown, id: number): boolean {
  if (!isObj(v)) return false;
  if (dialect === 'openai')
    return isObj(v.error) && typeof v.error.message === 'string' && typeof v.error.type === 'string' && v.type === undefined;
  if (dialect === 'anthropic')
    return v.type === 'error' && isObj(v.error) && typeof v.error.type === 'string' && typeof v.error.message === 'string';
  return v.jsonrpc === '2.0' && v.id === id && isObj(v.error) && typeof v.error.code === 'number' && v.result === undefined;
}

/** A complete non-streamed answer in the dialect. */
export function isAnswerBody(dialect: Dialect, v: unknown, id: number): boolean {
  if (!isObj(v)) return false;
  if (dialect === 'openai') return v.object === 'chat.completion' && typeof v.choices?.[0]?.message?.content === 'string';
  if (dialect === 'anthropic') return v.type === 'message' && v.role === 'assistant' && Array.isArray(v.content);
  return v.jsonrpc === '2.0' && v.id === id && isObj(v.result) && v.error === undefined;
}

export function jsonBody(text: string): unknown {
  return parse(text);
}

export type StreamShape = 'complete' | 'error-ended' | 'unfinished' | 'foreign';

/**
 * How a stream in the dialect ended: with its terminal event (`[DONE]`, `message_stop`, an A2A
 * result with final: true), with an error event and nothing after it, without either, or with
 * a frame that does not belong to the dialect at all.
 */
export function streamShape(dialect: Dialect, frames: readonly SseFrame[], id: number): StreamShape {
  if (frames.length === 0) return 'unfinished';
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    const last = i === frames.length - 1;
    const kind = frameKind(dialect, f, id);
    if (kind === 'foreign') return 'foreign';
    if (kind === 'error') return last ? 'error-ended' : 'foreign';
    if (kind === 'terminal') return last ? 'complete' : 'foreign';
  }
  return 'unfinished';
}

type FrameKind = 'event' | 'terminal' | 'error' | 'foreign';

function frameKind(dialect: Dialect, f: SseFrame, id: number): FrameKind {
  if (dialect === 'openai') {
    if (f.event !== undefined && f.event !== 'error') return 'foreign';
    if (f.data === '[DONE]') return 'terminal';
    const v = parse(f.data);
    if (isErrorBody('openai', v, id)) return 'error';
    return isObj(v) && v.object === 'chat.completion.chunk' ? 'event' : 'foreign';
  }
  const v = parse(f.data);
  if (dialect === 'anthropic') {
    if (!isObj(v) || v.type !== f.event) return 'foreign';
    if (f.event === 'error') return isErrorBody('anthropic', v, id) ? 'error' : 'foreign';
    return f.event === 'message_stop' ? 'terminal' : 'event';
  }
  if (isErrorBody('a2a', v, id)) return 'error';
  if (!isObj(v) || v.jsonrpc !== '2.0' || v.id !== id || !isObj(v.result)) return 'foreign';
  return v.result.final === true ? 'terminal' : 'event';
}
