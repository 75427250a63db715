import { describe, expect, it, vi } from 'vitest';
import { jsonLine, lineBatches, textLine } from '../../../src/observability/access-log.js';

describe('access log text lines (agentgateway layout)', () => {
  it('writes time, level, "request" and key=value pairs, skipping absent fields', () => {
    const line = textLine({ route: 'openai', 'http.status': 200, 'gen_ai.request.model': 'gpt-4o', error: undefined, duration: '3ms' });
    expect(line).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\tinfo\trequest route=openai http\.status=200 gen_ai\.request\.model=gpt-4o duration=3ms\n$/,
    );
  });

  it('quotes values with spaces, quotes, = or newlines so one request stays one line', () => {
    const line = textLine({
      error: 'upstream said "no"',
      model: 'evil\nhttp.status=200',
      eq: 'a=b',
      obj: [{ role: 'user', content: 'hi there' }],
    });
    expect(line.split('\n')).toHaveLength(2);
    expect(line).toContain('error="upstream said \\"no\\""');
    expect(line).toContain('model="evil\\nhttp.status=200"');
    expect(line).toContain('eq="a=b"');
    expect(line).toContain('obj="[{\\"role\\":\\"user\\",\\"content\\":\\"hi there\\"}]"');
  });
});

describe('access log JSON lines (the process logger shape, built without pino)', () => {
  it('level 30, ISO time, the fields in order, then msg "request"; absent fields skipped', () => {
    const line = jsonLine({ route: 'openai', 'http.status': 200, error: undefined, duration: '3ms' });
    expect(line).toMatch(
      /^\{"level":30,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z","route":"openai","http\.status":200,"duration":"3ms","msg":"request"\}\n$/,
    );
  });

  it('escapes what JSON must escape and keeps structured values structured', () => {
    const fields = {
      error: 'upstream said "no"',
      model: 'evil\nline',
      path: 'C:\\x',
      emoji: 'é😀\u0001',
      obj: [{ role: 'user', content: 'hi' }],
    };
    const line = jsonLine(fields);
    expect(line.split('\n')).toHaveLength(2);
    const { level, time, msg, ...rest } = JSON.parse(line);
    expect([level, typeof time, msg]).toEqual([30, 'string', 'request']);
    expect(rest).toEqual(fields);
  });
});

describe('access log batches (lines encoded into one buffer per write)', () => {
  it('writes every line once, in order, UTF-8 intact, in batches no larger than the batch size', () => {
    const out: Buffer[] = [];
    const lines = lineBatches((b) => out.push(Buffer.from(b)), 256);
    const sent = Array.from({ length: 40 }, (_, i) => `line ${i} ${i % 3 === 0 ? 'é😀 "quoted"' : 'plain'}\n`);
    for (const l of sent) lines.add(l);
    lines.flush();
    expect(Buffer.concat(out).toString()).toBe(sent.join(''));
    expect(out.length).toBeGreaterThan(2);
    for (const b of out) expect(b.length).toBeLessThanOrEqual(256);
  });

  it('a line larger than a batch goes out alone, after what was pending', () => {
    const out: string[] = [];
    const lines = lineBatches((b) => out.push(b.toString()), 64);
    lines.add('short\n');
    const long = `${'x'.repeat(100)}\n`;
    lines.add(long);
    lines.add('after\n');
    lines.flush();
    expect(out).toEqual(['short\n', long, 'after\n']);
  });

  it('a batch goes out by itself shortly after its first line, and nothing is written twice', () => {
    vi.useFakeTimers();
    try {
      const out: string[] = [];
      const lines = lineBatches((b) => out.push(b.toString()));
      lines.add('one\n');
      lines.add('two\n');
      expect(out).toEqual([]);
      vi.advanceTimersByTime(150);
      expect(out).toEqual(['one\ntwo\n']);
      lines.flush();
      expect(out).toEqual(['one\ntwo\n']);
    } finally {
      vi.useRealTimers();
    }
  });
});
