// Random byte streams, split at random points, fed to the reference parser, the TS framer and
// the addon: all must agree frame for frame. Streams are built from SSE syntax fragments so
// that the interesting cases (split CRLF, BOM, NUL in ids, empty fields) occur often.
import { describe, expect, it } from 'vitest';
import { forEachImplementation, prng, withBoth } from './implementations.js';
import { feed, referenceParse, splitAt } from './sse-frames.js';

const FRAGMENTS = [
  'data',
  'data:',
  'data: ',
  'event:',
  'event: ',
  'id:',
  'id: ',
  'retry:',
  'retry: ',
  ':',
  ' ',
  '\t',
  '\n',
  '\r',
  '\r\n',
  '\n\n',
  '\r\n\r\n',
  'x',
  'hello',
  '{"a":[1,2]}',
  '123',
  '007',
  '\0',
  '\xef\xbb\xbf',
  '\xc3\xa9',
  '\xe4\xb8\x96',
  'Data:',
  'message',
  '[DONE]',
  // whole lines, so that complete frames, retries and ids are common too
  'data: x\n',
  'data: {"k":1}\n\n',
  'retry: 250\n',
  'id: 5\n',
  'event: e\n',
];

function randomStream(rand: () => number): Uint8Array {
  const parts: string[] = [];
  if (rand() < 0.2) parts.push('\xef\xbb\xbf');
  const n = Math.floor(rand() * 120);
  for (let i = 0; i < n; i++) parts.push(FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)]!);
  return Buffer.from(parts.join(''), 'latin1');
}

function randomCuts(rand: () => number, length: number): number[] {
  const k = Math.floor(rand() * 8);
  return Array.from({ length: k }, () => Math.floor(rand() * (length + 1)));
}

const CASES = 1500;

describe('SSE framer against the reference parser', () => {
  forEachImplementation((impl) => {
    it(`matches the WHATWG reference on ${CASES} random chunked streams`, () => {
      const rand = prng(20240601);
      for (let c = 0; c < CASES; c++) {
        const stream = randomStream(rand);
        const want = referenceParse(stream);
        const got = feed(impl, splitAt(stream, randomCuts(rand, stream.length)));
        expect(
          { frames: got.frames, pending: got.pending },
          `case ${c}: ${JSON.stringify(Buffer.from(stream).toString('latin1'))}`,
        ).toEqual({
          frames: want.frames,
          pending: want.pending,
        });
      }
    });

    it('fails exactly when the reference finds a frame over the limit', () => {
      const rand = prng(777);
      for (let c = 0; c < CASES; c++) {
        const stream = randomStream(rand);
        const limit = 5 + Math.floor(rand() * 200);
        const got = feed(impl, splitAt(stream, randomCuts(rand, stream.length)), { maxFrameBytes: limit });
        const want = referenceParse(stream);
        expect(got.failedAt >= 0, `case ${c} (limit ${limit})`).toBe(want.largestFrame > limit);
        if (got.failedAt < 0) expect(got.frames).toEqual(want.frames);
        else expect(want.frames.slice(0, got.frames.length)).toEqual(got.frames);
      }
    });
  });
});

withBoth('SSE framer, TS and native side by side', (ts, native) => {
  it('emit the same frames push by push, errors included', () => {
    const rand = prng(4242);
    for (let c = 0; c < CASES; c++) {
      const stream = randomStream(rand);
      const chunks = splitAt(stream, randomCuts(rand, stream.length));
      const opts = rand() < 0.5 ? { maxFrameBytes: 5 + Math.floor(rand() * 80) } : undefined;
      expect(feed(native, chunks, opts), `case ${c}`).toEqual(feed(ts, chunks, opts));
    }
  });
});
