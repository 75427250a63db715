import { describe, expect, it } from 'vitest';
import { textLine } from '../../../src/observability/access-log.js';

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
