// Reads the common Anthropic stream events from their bytes, without JSON.parse: a stream is
// mostly content_block_delta events, and parsing each into objects only for the translation to
// JSON-encode its one string again was most of the translated lane's cost per event.
//
// Only the exact shape Anthropic writes is recognised, e.g.
//   {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}
//   {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
//   {"type":"content_block_stop","index":0}        {"type":"message_stop"}
// and a delta's string is taken as its JSON text (still escaped) only when JSON.stringify of the
// parsed value would write the same bytes: characters other than `"`, `\` and controls, and the
// escapes JSON.stringify itself writes (\" \\ \b \f \n \r \t). Anything else (other key orders,
// spaces, \u or \/ escapes, other event types) reads as UNKNOWN and the caller parses the event,
// so the output never depends on which way an event was read.

export const UNKNOWN = 0;
export const TEXT_DELTA = 1;
export const THINKING_DELTA = 2;
export const INPUT_JSON_DELTA = 3;
export const BLOCK_STOP = 4;
export const MESSAGE_STOP = 5;
/** A text block's start with no text yet: `{"type":"content_block_start","index":N,"content_block":{"type":"text","text":""}}`. */
export const TEXT_BLOCK_START = 6;

/** A literal to compare with: its bytes, and as little-endian 32-bit words (a DataView compares four bytes at a time, three times faster than a byte loop). */
interface Literal {
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
}

function literal(s: string): Literal {
  const bytes = Buffer.from(s, 'latin1');
  const words = new Int32Array(bytes.length >> 2);
  for (let w = 0; w < words.length; w++) words[w] = bytes.readInt32LE(w * 4);
  return { bytes, words };
}

const TYPE = literal('{"type":"');
const BLOCK_DELTA = literal('content_block_delta","index":');
const BLOCK_STOP_AT = literal('content_block_stop","index":');
const BLOCK_START_AT = literal('content_block_start","index":');
const EMPTY_TEXT_BLOCK = literal(',"content_block":{"type":"text","text":""}}');
const MESSAGE_STOP_TAIL = literal('message_stop"}');
const DELTAS: readonly (readonly [number, Literal])[] = [
  [TEXT_DELTA, literal(',"delta":{"type":"text_delta","text":"')],
  [THINKING_DELTA, literal(',"delta":{"type":"thinking_delta","thinking":"')],
  [INPUT_JSON_DELTA, literal(',"delta":{"type":"input_json_delta","partial_json":"')],
];
/** The end of a delta event: the string's closing quote, the delta object, the event. */
const DELTA_END = literal('"}}');

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE_BRACE = 0x7d;
/** The escapes JSON.stringify writes, by the letter after the backslash. */
const CANONICAL_ESCAPE = new Uint8Array(128);
for (const c of '"\\bfnrt') CANONICAL_ESCAPE[c.charCodeAt(0)] = 1;

const NO_BYTES = new Uint8Array(8);

/**
 * Reads events from a framer's buffer. After read(): the kind, the block index, and the delta's
 * JSON text at [start, end) of the buffer.
 */
export class RawEventReader {
  kind = UNKNOWN;
  index = 0;
  start = 0;
  end = 0;
  private buf: Uint8Array = NO_BYTES;
  private view: DataView<ArrayBufferLike> = new DataView(NO_BYTES.buffer);

  /** Reads the event data at buf[start, end); returns its kind, UNKNOWN when it must be parsed. */
  read(buf: Uint8Array, start: number, end: number): number {
    if (buf !== this.buf) {
      // The framer keeps one buffer until it has to grow it: one view per buffer.
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    this.kind = UNKNOWN;
    if (!this.at(start, end, TYPE)) return UNKNOWN;
    const p = start + TYPE.bytes.length;
    if (this.at(p, end, BLOCK_DELTA)) return (this.kind = this.delta(p + BLOCK_DELTA.bytes.length, end));
    if (this.at(p, end, BLOCK_STOP_AT)) {
      const q = this.readIndex(p + BLOCK_STOP_AT.bytes.length, end);
      return (this.kind = q === end - 1 && buf[q] === CLOSE_BRACE ? BLOCK_STOP : UNKNOWN);
    }
    if (end - p === MESSAGE_STOP_TAIL.bytes.length && this.at(p, end, MESSAGE_STOP_TAIL)) return (this.kind = MESSAGE_STOP);
    if (this.at(p, end, BLOCK_START_AT)) {
      const q = this.readIndex(p + BLOCK_START_AT.bytes.length, end);
      const text = q > 0 && end - q === EMPTY_TEXT_BLOCK.bytes.length && this.at(q, end, EMPTY_TEXT_BLOCK);
      return (this.kind = text ? TEXT_BLOCK_START : UNKNOWN);
    }
    return UNKNOWN;
  }

  private delta(p: number, end: number): number {
    p = this.readIndex(p, end);
    if (p < 0) return UNKNOWN;
    for (const [kind, key] of DELTAS) {
      if (!this.at(p, end, key)) continue;
      const s = p + key.bytes.length;
      const e = end - DELTA_END.bytes.length;
      // An empty string is left to the parser (it emits nothing); so is a string that is not plain.
      if (e <= s || !this.at(e, end, DELTA_END) || !plainJsonString(this.buf, s, e)) return UNKNOWN;
      this.start = s;
      this.end = e;
      return kind;
    }
    return UNKNOWN;
  }

  /** A JSON array index (digits, no leading zero) into this.index; the position after it, or -1. */
  private readIndex(p: number, end: number): number {
    const buf = this.buf;
    const first = p;
    let n = 0;
    while (p < end && p - first < 9) {
      const c = buf[p]! - 0x30;
      if (c < 0 || c > 9) break;
      n = n * 10 + c;
      p++;
    }
    if (p === first || (buf[first] === 0x30 && p - first > 1)) return -1;
    this.index = n;
    return p;
  }

  /** True when buf[p, end) starts with the literal. */
  private at(p: number, end: number, lit: Literal): boolean {
    const bytes = lit.bytes;
    if (end - p < bytes.length) return false;
    const words = lit.words;
    const view = this.view;
    let j = 0;
    for (let w = 0; w < words.length; w++, j += 4) if (view.getInt32(p + j, true) !== words[w]) return false;
    const buf = this.buf;
    for (; j < bytes.length; j++) if (buf[p + j] !== bytes[j]) return false;
    return true;
  }
}

/**
 * True when buf[s, e) is the inside of a JSON string that JSON.stringify(JSON.parse(...)) would
 * write back unchanged: no raw `"` or control character, only canonical escapes, none cut off.
 */
export function plainJsonString(buf: Uint8Array, s: number, e: number): boolean {
  for (let p = s; p < e; p++) {
    const c = buf[p]!;
    if (c === BACKSLASH) {
      p++;
      if (p >= e) return false;
      const x = buf[p]!;
      if (x >= 128 || CANONICAL_ESCAPE[x] === 0) return false;
    } else if (c < 0x20 || c === QUOTE) {
      return false;
    }
  }
  return true;
}
