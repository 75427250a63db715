import { describe, expect, it } from 'vitest';
import { formatTraceParent, newSpanId, newTraceId, parseTraceParent } from '../../../src/observability/traceparent.js';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('parses the spec example', () => {
    expect(parseTraceParent(`00-${TRACE}-${SPAN}-01`)).toEqual({ traceId: TRACE, spanId: SPAN, flags: 1 });
    expect(parseTraceParent(`00-${TRACE}-${SPAN}-00`)?.flags).toBe(0);
  });

  it('accepts a future version with extra fields, rejects version ff and extra data on 00', () => {
    expect(parseTraceParent(`01-${TRACE}-${SPAN}-01-what-the-future-holds`)?.traceId).toBe(TRACE);
    expect(parseTraceParent(`ff-${TRACE}-${SPAN}-01`)).toBeUndefined();
    expect(parseTraceParent(`00-${TRACE}-${SPAN}-01-extra`)).toBeUndefined();
  });

  it.each([
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN}-01`],
    ['all-zero span id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['upper-case hex', `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ['short trace id', `00-${TRACE.slice(1)}-${SPAN}-01`],
    ['wrong separators', `00_${TRACE}_${SPAN}_01`],
    ['empty', ''],
  ])('rejects %s', (_what, value) => {
    expect(parseTraceParent(value)).toBeUndefined();
  });

  it('formats and makes well-formed, distinct ids', () => {
    const t = newTraceId();
    const s = newSpanId();
    expect(t).toMatch(/^[0-9a-f]{32}$/);
    expect(s).toMatch(/^[0-9a-f]{16}$/);
    expect(parseTraceParent(formatTraceParent(t, s, true))).toEqual({ traceId: t, spanId: s, flags: 1 });
    const many = new Set(Array.from({ length: 2000 }, () => newSpanId()));
    expect(many.size).toBe(2000);
  });
});
