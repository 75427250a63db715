// The byte reader behind the Anthropic -> OpenAI fast path: which events it takes from their
// bytes, and the rule that makes splicing safe: a string it accepts is one JSON.stringify would
// write back byte for byte, so the spliced chunk is the parsed path's chunk.
import { describe, expect, it } from 'vitest';
import {
  BLOCK_STOP,
  INPUT_JSON_DELTA,
  MESSAGE_STOP,
  plainJsonString,
  RawEventReader,
  TEXT_BLOCK_START,
  TEXT_DELTA,
  THINKING_DELTA,
  UNKNOWN,
} from '../../../src/llm/stream/raw-event.js';

const reader = new RawEventReader();

function read(data: string): { kind: number; index: number; text: string } {
  // At an offset in a larger buffer, as in the framer's
  const buf = Buffer.from('event: x\ndata: ' + data + '\n\n', 'utf8');
  const start = buf.indexOf('data: ') + 6;
  const kind = reader.read(buf, start, buf.length - 2);
  expect(reader.kind).toBe(kind);
  const delta = kind === TEXT_DELTA || kind === THINKING_DELTA || kind === INPUT_JSON_DELTA;
  return { kind, index: reader.index, text: delta ? buf.toString('utf8', reader.start, reader.end) : '' };
}

const textDelta = (json: string, index = 0): string =>
  `{"type":"content_block_delta","index":${index},"delta":{"type":"text_delta","text":${json}}}`;

describe('RawEventReader', () => {
  it("reads Anthropic's deltas, text block starts, block stops and message stop from their bytes", () => {
    expect(read(textDelta('"Hello"'))).toEqual({ kind: TEXT_DELTA, index: 0, text: 'Hello' });
    expect(read(textDelta('" world"', 12))).toEqual({ kind: TEXT_DELTA, index: 12, text: ' world' });
    expect(read('{"type":"content_block_delta","index":1,"delta":{"type":"thinking_delta","thinking":"Let me"}}')).toEqual({
      kind: THINKING_DELTA,
      index: 1,
      text: 'Let me',
    });
    expect(
      read('{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\": \\"Pa"}}'),
    ).toEqual({ kind: INPUT_JSON_DELTA, index: 2, text: '{\\"city\\": \\"Pa' });
    expect(read('{"type":"content_block_stop","index":3}')).toMatchObject({ kind: BLOCK_STOP, index: 3 });
    expect(read('{"type":"message_stop"}')).toMatchObject({ kind: MESSAGE_STOP });
    expect(read('{"type":"content_block_start","index":4,"content_block":{"type":"text","text":""}}')).toMatchObject({
      kind: TEXT_BLOCK_START,
      index: 4,
    });
  });

  it('keeps escapes, quotes, backslashes and UTF-8 text as their JSON text', () => {
    expect(read(textDelta(JSON.stringify('say "hi"\\n')))).toMatchObject({ kind: TEXT_DELTA, text: 'say \\"hi\\"\\\\n' });
    expect(read(textDelta(JSON.stringify('a\nb\tc\r\b\f')))).toMatchObject({ kind: TEXT_DELTA, text: 'a\\nb\\tc\\r\\b\\f' });
    expect(read(textDelta(JSON.stringify('Grüße 世界 😀')))).toMatchObject({ kind: TEXT_DELTA, text: 'Grüße 世界 😀' });
  });

  it('leaves every other shape to the parser', () => {
    const unknown = [
      textDelta('""'), // empty: the parsed path writes nothing
      textDelta('"\\u00e9"'), // JSON.stringify would write é
      textDelta('"\\ud83d\\ude00"'),
      textDelta('"a\\/b"'),
      textDelta('"\\u0001"'),
      textDelta('"tab\there"'), // a raw control character is not JSON
      textDelta('"a"b"'), // more after the string
      textDelta('"ends in \\\\\\"'), // its closing quote is escaped
      textDelta('"x"', 7).replace('"index":7', '"index":07'),
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x","extra":1}}',
      '{"type":"content_block_delta","index":0,"delta":{"text":"x","type":"text_delta"}}',
      '{"type": "content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}',
      '{"index":0,"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"abc"}}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}} ',
      '{"type":"content_block_delta","index":1234567890,"delta":{"type":"text_delta","text":"x"}}',
      '{"type":"content_block_delta","index":,"delta":{"type":"text_delta","text":"x"}}',
      '{"type":"content_block_stop","index":0,"x":1}',
      '{"type":"content_block_stop","index":-1}',
      '{"type":"message_stop","x":1}',
      '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"already"}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"","citations":[]}}',
      '{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}',
      '{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}',
      '{"type":"content_block_start","index":00,"content_block":{"type":"text","text":""}}',
      '{"type": "ping"}',
      '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut',
    ];
    for (const data of unknown) expect(read(data).kind, data).toBe(UNKNOWN);
  });
});

describe('plainJsonString', () => {
  const accepts = (inner: Buffer): boolean => plainJsonString(inner, 0, inner.length);

  it('accepts what JSON.stringify writes for text without lone surrogates or controls it spells \\u', () => {
    for (const s of ['', 'plain', 'q"uote', 'back\\slash', 'line\nfeed', '\t\r\b\f', 'é 世界 😀', '\u2028\u2029', '\x7f', '</script>']) {
      expect(accepts(Buffer.from(JSON.stringify(s).slice(1, -1))), JSON.stringify(s)).toBe(true);
    }
  });

  it('accepts only strings JSON.stringify(JSON.parse(...)) writes back unchanged (random bytes)', () => {
    // The alphabet is the bytes that matter to JSON strings; a seeded generator keeps it repeatable.
    const alphabet = [
      0x22, 0x5c, 0x2f, 0x75, 0x62, 0x66, 0x6e, 0x72, 0x74, 0x30, 0x41, 0x61, 0x01, 0x0a, 0x1f, 0x20, 0x7f, 0xc3, 0xa9, 0xf0, 0x9f,
    ];
    let seed = 42;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    let accepted = 0;
    for (let k = 0; k < 20000; k++) {
      const inner = Buffer.from(Array.from({ length: 1 + next(8) }, () => alphabet[next(alphabet.length)]!));
      if (!accepts(inner)) continue;
      accepted++;
      const json = '"' + inner.toString('utf8') + '"';
      expect(JSON.stringify(JSON.parse(json) as string), json).toBe(json);
    }
    expect(accepted).toBeGreaterThan(1000);
  });

  it('refuses escapes JSON.stringify would write differently, raw quotes and controls, and a cut escape', () => {
    for (const inner of ['\\u0041', '\\/', '\\a', 'a"b', 'a\nb', '\x1f', 'end\\']) {
      expect(accepts(Buffer.from(inner)), JSON.stringify(inner)).toBe(false);
    }
  });
});
