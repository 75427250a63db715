// SseOutput hands out views of a shared slab: a view must keep its bytes however many pushes
// (of any stream) come after it, across slab refills, and text of any size and script must come
// out as its UTF-8.
import { describe, expect, it } from 'vitest';
import { SseOutput } from '../../../src/llm/stream/sse-writer.js';

describe('SseOutput', () => {
  it('never changes bytes it handed out, across streams and slab refills', () => {
    const outs = [new SseOutput(), new SseOutput(), new SseOutput()];
    const kept: { bytes: Uint8Array; want: string }[] = [];
    for (let i = 0; i < 3000; i++) {
      const out = outs[i % outs.length]!;
      const payload = JSON.stringify({ n: i, text: 'x'.repeat(i % 700), unicode: i % 5 === 0 ? 'Grüße 世界 😀' : '' });
      out.data(payload);
      if (i % 3 === 0) out.event('ping', '{}');
      const want = 'data: ' + payload + '\n\n' + (i % 3 === 0 ? 'event: ping\ndata: {}\n\n' : '');
      kept.push({ bytes: out.take(), want });
    }
    for (const k of kept) expect(Buffer.from(k.bytes).toString('utf8')).toBe(k.want);
  });

  it('encodes outputs larger than a slab share on their own, and nothing as an empty array', () => {
    const out = new SseOutput();
    expect(out.take()).toHaveLength(0);
    const big = '€'.repeat(40_000);
    out.data(big);
    const bytes = out.take();
    expect(Buffer.from(bytes).toString('utf8')).toBe('data: ' + big + '\n\n');
    expect(bytes.length).toBe(Buffer.byteLength('data: ' + big + '\n\n'));
    expect(out.empty).toBe(true);
  });
});
