// The Anthropic -> OpenAI fast path (deltas and stops translated from their bytes) against the
// parsed path it stands in for: for every stream and every way of cutting it into reads, the
// client bytes must be identical, and the fast path must really have been taken where it can.
import { anthropicEvent, messageStart } from '../../helpers/anthropic-events.js';
import { describe, expect, it } from 'vitest';
import type { StreamOptions } from '../../../src/llm/convert/types.js';
import { MessagesToChunks } from '../../../src/llm/stream/messages-to-chunks.js';
import type { SseFrames } from '../../../src/http/sse-reader.js';
import type { Usage } from '../../../src/llm/usage.js';
import { readOpenAiSse } from '../../golden/harness.js';
import { anthropicStream } from '../../../bench/load/mock-anthropic-stream.js';

/** Counts the frames the fast path translated. */
class Fast extends MessagesToChunks {
  hits = 0;
  protected override onRawFrame(frames: SseFrames, i: number): boolean {
    const taken = super.onRawFrame(frames, i);
    if (taken) this.hits++;
    return taken;
  }
}

/** The parsed path alone: what the gateway wrote before the fast path. */
class Parsed extends MessagesToChunks {
  protected override onRawFrame(): boolean {
    return false;
  }
}

const ev = anthropicEvent;
const start = messageStart;
const textStart = (index = 0): string => ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
const text = (t: string, index = 0): string => ev('content_block_delta', { index, delta: { type: 'text_delta', text: t } });
const stop = (index = 0): string => ev('content_block_stop', { index });
const end = (reason = 'end_turn'): string =>
  ev('message_delta', { delta: { stop_reason: reason, stop_sequence: null }, usage: { output_tokens: 9 } }) + ev('message_stop', {});

interface Run {
  out: Buffer;
  usage: Usage[];
  model: string[];
  firstToken: number;
  hits: number;
}

function run(Kind: typeof Fast | typeof Parsed, reads: readonly Buffer[], includeUsage: boolean): Run {
  const r: Run = { out: Buffer.alloc(0), usage: [], model: [], firstToken: 0, hits: 0 };
  const opts: StreamOptions = {
    includeUsage,
    onUsage: (u) => r.usage.push(u),
    onModel: (m) => r.model.push(m),
    onFirstToken: () => r.firstToken++,
  };
  const t = new Kind(opts, () => 1741569952);
  const parts = reads.map((c) => Buffer.from(t.push(c)));
  parts.push(Buffer.from(t.end()));
  r.out = Buffer.concat(parts);
  if (t instanceof Fast) r.hits = t.hits;
  return r;
}

/** The stream whole, one event per read, in 7-byte reads, and cut in two at every byte. */
function cuts(stream: string): Buffer[][] {
  const all = Buffer.from(stream, 'utf8');
  const ways: Buffer[][] = [[all], stream.split(/(?<=\n\n)/).map((e) => Buffer.from(e, 'utf8'))];
  const small: Buffer[] = [];
  for (let i = 0; i < all.length; i += 7) small.push(all.subarray(i, i + 7));
  ways.push(small);
  for (let i = 1; i < all.length; i++) ways.push([all.subarray(0, i), all.subarray(i)]);
  return ways;
}

/** Asserts fast == parsed for every cut and usage setting; returns the fast path's hits on the whole stream. */
function sameAsParsed(stream: string): number {
  let hits = -1;
  for (const includeUsage of [false, true]) {
    for (const reads of cuts(stream)) {
      const fast = run(Fast, reads, includeUsage);
      const parsed = run(Parsed, reads, includeUsage);
      expect(fast.out.toString('utf8')).toBe(parsed.out.toString('utf8'));
      expect(fast.out.equals(parsed.out)).toBe(true);
      expect({ usage: fast.usage, model: fast.model, firstToken: fast.firstToken }).toEqual({
        usage: parsed.usage,
        model: parsed.model,
        firstToken: parsed.firstToken,
      });
      if (hits < 0) hits = fast.hits;
    }
  }
  return hits;
}

describe('MessagesToChunks fast path', () => {
  it('writes the same bytes as the parsed path for text with quotes, backslashes, escapes and emoji', () => {
    const texts = ['Hello', ' "quoted"', ' back\\slash', ' line\nbreak\ttab', ' Grüße 世界', ' 😀👍🏽', ' </script>', ' \u2028'];
    const stream = start() + textStart() + texts.map((t) => text(t)).join('') + stop() + end();
    // the block start, every delta, the block stop and the message stop
    expect(sameAsParsed(stream)).toBe(texts.length + 3);
    const chunks = readOpenAiSse(run(Fast, [Buffer.from(stream)], false).out);
    const content = chunks.map((c) =>
      c === '[DONE]' ? '' : ((c as { choices: [{ delta: { content?: string } }] }).choices[0].delta.content ?? ''),
    );
    expect(content.join('')).toBe(texts.join(''));
  });

  it('falls back to the parsed path for \\u escapes, \\/ and other shapes, with the same output', () => {
    const escaped = (json: string): string =>
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${json}}}\n\n`;
    const spaced =
      'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "spaced"}}\n\n';
    const stream =
      start() +
      textStart() +
      escaped('"caf\\u00e9"') +
      escaped('"\\ud83d\\ude00"') +
      escaped('"a\\/b"') +
      escaped('"\\u0007bell"') +
      spaced +
      text('') +
      text('plain') +
      'event: ping\ndata: {"type": "ping"}\n\n' +
      stop() +
      end();
    // only the block start, 'plain', the block stop and the message stop
    expect(sameAsParsed(stream)).toBe(4);
    const chunks = readOpenAiSse(run(Fast, [Buffer.from(stream)], false).out);
    const content = chunks.map((c) =>
      c === '[DONE]' ? '' : ((c as { choices: [{ delta: { content?: string } }] }).choices[0].delta.content ?? ''),
    );
    expect(content.join('')).toBe('café😀a/b\u0007bellspacedplain');
  });

  it('writes the same bytes for thinking, signatures, tool calls and several blocks', () => {
    const stream =
      start({ input_tokens: 40, cache_read_input_tokens: 1024, output_tokens: 1 }) +
      ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }) +
      ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Let me "think"\n' } }) +
      ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'EqQBCgIYAhIM' } }) +
      stop(0) +
      textStart(1) +
      text('Checking.', 1) +
      stop(1) +
      ev('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } }) +
      ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '' } }) +
      ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"city": "Pa' } }) +
      ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: 'ris\\n"}' } }) +
      stop(2) +
      ev('content_block_start', { index: 3, content_block: { type: 'tool_use', id: 'toolu_2', name: 'now', input: {} } }) +
      stop(3) +
      end('tool_use');
    // thinking delta, the text block start, 4 stops, the text delta, 2 argument deltas, the message stop
    expect(sameAsParsed(stream)).toBe(10);
  });

  it('leaves deltas of blocks it does not know as text to the parsed path', () => {
    const stream =
      start() +
      text('no block start') +
      ev('content_block_start', { index: 1, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } }) +
      ev('content_block_delta', { index: 1, delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' } }) +
      text('into a tool block', 1) +
      stop(1) +
      end();
    // the stop and the message stop only
    expect(sameAsParsed(stream)).toBe(2);
  });

  it('keeps the failure rules: a delta before message_start, an error event, a truncated stream', () => {
    expect(sameAsParsed(textStart() + text('early'))).toBe(0);
    expect(sameAsParsed(ev('message_stop', {}))).toBe(0);
    const error = ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } });
    expect(sameAsParsed(start() + textStart() + text('a') + error + text('after'))).toBe(2);
    expect(sameAsParsed(start() + textStart() + text('a') + 'event: content_block_delta\ndata: {"type":"content_block_delta","ind')).toBe(
      2,
    );
    expect(sameAsParsed(start() + textStart() + text('a') + end() + text('after the end'))).toBe(3);
  });

  it("translates the bench mock's stream on the fast path: all but message_start and message_delta", () => {
    expect(sameAsParsed(anthropicStream())).toBe(1 + 18 + 2);
  });
});
