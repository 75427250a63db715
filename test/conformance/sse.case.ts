// SSE framer conformance: the WHATWG EventSource parsing rules (html.spec.whatwg.org,
// "Interpreting an event stream"), the chunking guarantees and the frame size limit. Called
// once per implementation by sse.test.ts.
import { expect, it } from 'vitest';
import { SseFrameTooLarge, type Implementation } from '../../src/native/index.js';
import { feed, splitAt, type Frame } from './sse-frames.js';

const msg = (data: string, extra: Partial<Frame> = {}): Frame => ({ event: null, data, id: null, retry: -1, ...extra });

export function sseConformance(impl: Implementation): void {
  const frames = (...chunks: string[]): Frame[] => feed(impl, chunks).frames;

  it('dispatches a data frame on a blank line, and only then', () => {
    expect(frames('data: hello\n')).toEqual([]);
    expect(frames('data: hello\n\n')).toEqual([msg('hello')]);
  });

  it('accepts LF, CRLF and CR line ends, mixed in one stream', () => {
    expect(frames('data: a\r\n\r\ndata: b\r\rdata: c\n\ndata: d\r\n\n')).toEqual([msg('a'), msg('b'), msg('c'), msg('d')]);
  });

  it('joins multi-line data with LF (spec example: YHOO +2 10)', () => {
    expect(frames('data: YHOO\ndata: +2\ndata: 10\n\n')).toEqual([msg('YHOO\n+2\n10')]);
  });

  it('follows the spec example with comments, ids and an unterminated last event', () => {
    const r = feed(impl, [': test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n']);
    expect(r.frames).toEqual([msg('first event', { id: '1' }), msg('second event')]);
    expect(r.pending).toBe(true);
  });

  it('treats `data` without a colon and `data:` as empty values (spec example)', () => {
    const r = feed(impl, ['data\n\ndata\ndata\n\ndata:']);
    expect(r.frames).toEqual([msg(''), msg('\n')]);
    expect(r.pending).toBe(true);
  });

  it('strips exactly one space after the colon (spec example)', () => {
    expect(frames('data:test\n\ndata: test\n\ndata:  two\n\n')).toEqual([msg('test'), msg('test'), msg(' two')]);
  });

  it('ignores comments, unknown fields and wrongly cased field names', () => {
    expect(frames(':comment\nfoo: bar\nData: x\nDATA: y\ndata: z\n: more\n\n')).toEqual([msg('z')]);
  });

  it('sets the event type per frame, and an empty one means the default type', () => {
    expect(frames('event: add\ndata: 1\n\ndata: 2\n\nevent: a\nevent:\ndata: 3\n\n')).toEqual([
      msg('1', { event: 'add' }),
      msg('2'),
      msg('3'),
    ]);
  });

  it('does not dispatch a frame without data, and resets its event type', () => {
    expect(frames('event: ping\n\ndata: x\n\nevent: e\nid: 4\n\n')).toEqual([msg('x')]);
  });

  it('keeps the last event id across frames until an id field changes it', () => {
    expect(frames('id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: 2\n\ndata: d\n\n')).toEqual([
      msg('a', { id: '1' }),
      msg('b', { id: '1' }),
      msg('c'),
      msg('d', { id: '2' }),
    ]);
  });

  it('ignores an id containing NUL', () => {
    expect(frames('id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n')).toEqual([msg('a', { id: '1' }), msg('b', { id: '1' })]);
  });

  it('reports retry only for ASCII-digit values, carried to the next emitted frame', () => {
    expect(frames('retry: 1500\ndata: a\n\ndata: b\n\nretry: 12a\nretry: -1\nretry:\ndata: c\n\n')).toEqual([
      msg('a', { retry: 1500 }),
      msg('b'),
      msg('c'),
    ]);
    expect(frames('retry: 300\n\ndata: x\n\n')).toEqual([msg('x', { retry: 300 })]);
    expect(frames('retry: 99999999999\ndata: x\n\n')).toEqual([msg('x')]);
  });

  it('strips a leading BOM, even split, and only at the very start', () => {
    expect(frames('\xef\xbb\xbfdata: a\n\n')).toEqual([msg('a')]);
    expect(frames('\xef', '\xbb', '\xbfdata: a\n\n')).toEqual([msg('a')]);
    expect(frames('data: a\n\n\xef\xbb\xbfdata: b\n\n')).toEqual([msg('a')]);
    expect(frames('\xef\xbbdata: a\n\n')).toEqual([]);
  });

  it('gives the same frames for every split point of a stream', () => {
    const stream = Buffer.from(
      '\xef\xbb\xbfevent: a\r\ndata: 1\rdata:2\n: c\r\nid: 7\nretry: 30\r\n\r\ndata\n\ndata: \xc3\xa9\r\r',
      'latin1',
    );
    const want = feed(impl, [stream]).frames;
    expect(want).toHaveLength(3);
    for (let cut = 0; cut <= stream.length; cut++) {
      expect(feed(impl, splitAt(stream, [cut])).frames, `cut at ${cut}`).toEqual(want);
    }
    expect(feed(impl, splitAt(stream, [...stream.keys()])).frames, 'byte by byte').toEqual(want);
  });

  it('does not count a CRLF split across chunks as two line ends', () => {
    expect(frames('data: a\r', '\ndata: b\r', '\n\r', '\n')).toEqual([msg('a\nb')]);
  });

  it('keeps multi-byte UTF-8 intact across chunk boundaries', () => {
    const text = 'héllo → 世界 🎉';
    const bytes = Buffer.from(`data: ${text}\n\n`);
    const run = feed(impl, splitAt(bytes, [8, 9, 15, 16, 22]));
    expect(Buffer.from(run.frames[0]!.data, 'latin1').toString('utf8')).toBe(text);
  });

  it('handles frames far larger than its initial buffers, and many frames per chunk', () => {
    const big = 'x'.repeat(100_000);
    expect(frames(`data: ${big}\n\n`)).toEqual([msg(big)]);
    const many = Array.from({ length: 500 }, (_, i) => `id: ${i}\ndata: ${i}\ndata: +\n\n`).join('');
    const got = frames(many);
    expect(got).toHaveLength(500);
    expect(got[499]).toEqual(msg('499\n+', { id: '499' }));
  });

  it('end() tells a truncated stream from a clean one and resets for a new stream', () => {
    const framer = impl.createSseFramer();
    framer.push(Buffer.from('id: 9\ndata: a\n\ndata: par'));
    expect(framer.end()).toBe(true);
    expect(framer.push(Buffer.from('\xef\xbb\xbfdata: b\n\n', 'latin1')).count).toBe(1);
    expect(framer.end()).toBe(false);
    expect(feed(impl, ['data: a\r\n\r']).pending).toBe(false);
    expect(feed(impl, ['data: a\n\n: trailing comment\n']).pending).toBe(true);
  });

  it('fails a frame over maxFrameBytes however the stream is chunked', () => {
    const stream = Buffer.from('data: 12345\n\ndata: 0123456789ABCDEF\n\ndata: z\n\n');
    const limit = { maxFrameBytes: 20 };
    const whole = feed(impl, [stream], limit);
    expect(whole.failedAt).toBe(0);
    for (let cut = 0; cut <= stream.length; cut++) {
      const r = feed(impl, splitAt(stream, [cut]), limit);
      expect(r.failedAt, `cut at ${cut}`).toBeGreaterThanOrEqual(0);
      expect(r.pending).toBe(true);
      expect(r.frames.every((f) => f.data === '12345')).toBe(true);
    }
    expect(feed(impl, ['data: 0123456789ABC\n\n'], limit).failedAt).toBe(-1); // exactly 20 bytes
  });

  it('stays failed after an oversize frame until end(), without buffering more', () => {
    const framer = impl.createSseFramer({ maxFrameBytes: 16 });
    expect(() => framer.push(Buffer.from(': this comment line never ends'))).toThrow(SseFrameTooLarge);
    expect(() => framer.push(Buffer.from('\n\ndata: ok\n\n'))).toThrow(SseFrameTooLarge);
    expect(framer.end()).toBe(true);
    expect(framer.push(Buffer.from('data: ok\n\n')).count).toBe(1);
  });

  it('rejects an invalid maxFrameBytes', () => {
    expect(() => impl.createSseFramer({ maxFrameBytes: 0 })).toThrow(RangeError);
    expect(() => impl.createSseFramer({ maxFrameBytes: 1.5 })).toThrow(RangeError);
  });
}
