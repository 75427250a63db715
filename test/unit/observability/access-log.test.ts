import { describe, expect, it } from 'vitest';
import { jsonLine, textLine } from '../../../src/observability/access-log.js';

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
