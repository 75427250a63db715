// Test-side view of SSE framer output, and a reference parser transliterated from the WHATWG
// "event stream interpretation" steps (whole stream at once, strings, no cleverness) that the
// differential tests hold both implementations to.
import {
  SSE_HAS_EVENT,
  SSE_HAS_ID,
  SSE_STRIDE,
  SseFrameTooLarge,
  type SseFrameBatch,
  type SseFramerOptions,
} from '../../src/native/index.js';
import type { Implementation } from '../../src/native/index.js';

/** Field values as latin1 strings: one char per byte, so comparisons are byte-exact. */
export interface Frame {
  event: string | null;
  data: string;
  id: string | null;
  retry: number;
}

export function decode(batch: SseFrameBatch): Frame[] {
  const b = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  const o = batch.offsets;
  const frames: Frame[] = [];
  for (let k = 0; k < batch.count * SSE_STRIDE; k += SSE_STRIDE) {
    const flags = o[k + 6]!;
    frames.push({
      event: flags & SSE_HAS_EVENT ? b.toString('latin1', o[k], o[k + 1]) : null,
      data: b.toString('latin1', o[k + 2], o[k + 3]),
      id: flags & SSE_HAS_ID ? b.toString('latin1', o[k + 4], o[k + 5]) : null,
      retry: o[k + 7]!,
    });
  }
  return frames;
}

export interface Run {
  frames: Frame[];
  pending: boolean;
  /** Index of the push that threw SseFrameTooLarge, or -1. */
  failedAt: number;
}

/** Feeds `chunks` to a fresh framer, collecting every frame, until the end or the first error. */
export function feed(impl: Implementation, chunks: readonly (Uint8Array | string)[], opts?: SseFramerOptions): Run {
  const framer = impl.createSseFramer(opts);
  const frames: Frame[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i]!;
    try {
      frames.push(...decode(framer.push(typeof c === 'string' ? Buffer.from(c, 'latin1') : c)));
    } catch (err) {
      if (!(err instanceof SseFrameTooLarge)) throw err;
      return { frames, pending: framer.end(), failedAt: i };
    }
  }
  return { frames, pending: framer.end(), failedAt: -1 };
}

export function splitAt(stream: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, stream.length]) {
    out.push(stream.subarray(prev, p));
    prev = p;
  }
  return out;
}

export interface Reference {
  frames: Frame[];
  pending: boolean;
  /** Largest frame by the framer's measure (bytes from one boundary to the next blank line, or to the end). */
  largestFrame: number;
}

export function referenceParse(stream: Uint8Array): Reference {
  let s = Buffer.from(stream).toString('latin1');
  if (s.startsWith('\xef\xbb\xbf')) s = s.slice(3);
  const frames: Frame[] = [];
  let data = '';
  let eventType = '';
  let lastId = '';
  let retry = -1;
  let boundary = 0;
  let largest = 0;
  let i = 0;
  for (;;) {
    const lf = s.indexOf('\n', i);
    const cr = s.indexOf('\r', i);
    const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
    if (end < 0) break; // an unterminated line is never processed
    const next = s[end] === '\r' && s[end + 1] === '\n' ? end + 2 : end + 1;
    const line = s.slice(i, end);
    if (line === '') {
      largest = Math.max(largest, end - boundary);
      boundary = next;
      if (data === '') eventType = '';
      else {
        frames.push({ event: eventType || null, data: data.slice(0, -1), id: lastId || null, retry });
        data = eventType = '';
        retry = -1;
      }
    } else if (line[0] !== ':') {
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (name === 'event') eventType = value;
      else if (name === 'data') data += value + '\n';
      else if (name === 'id' && !value.includes('\0')) lastId = value;
      else if (name === 'retry' && /^[0-9]+$/.test(value) && Number(value) <= 0x7fffffff) retry = Number(value);
    }
    i = next;
  }
  largest = Math.max(largest, s.length - boundary);
  return { frames, pending: s.length > boundary, largestFrame: largest };
}
