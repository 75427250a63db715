import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../../src/policies/retry-after.js';
import { DEFAULT_MAX_RETRY_AFTER_MS, retryWaitMs, type RetrySettings } from '../../../src/policies/retry.js';

const h = (o: Record<string, string>) => (n: string) => o[n];

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads retry-after-ms first, then Retry-After seconds or an HTTP date', () => {
    expect(retryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(h({ 'retry-after': ' 3 ' }))).toBe(3000);
    expect(retryAfterMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' }), now)).toBe(5000);
  });
  it('ignores what it cannot read, and dates in the past', () => {
    expect(retryAfterMs(h({}))).toBeNull();
    expect(retryAfterMs(h({ 'retry-after': '1.5' }))).toBeNull();
    expect(retryAfterMs(h({ 'retry-after': 'soon' }))).toBeNull();
    expect(retryAfterMs(h({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), now)).toBeNull();
    expect(retryAfterMs(h({ 'x-ratelimit-reset': '7' }))).toBeNull();
  });
});

describe('retryWaitMs', () => {
  const p: RetrySettings = {
    retries: 1,
    backoffMs: 100,
    maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
    codes: new Set([429]),
    condition: null,
  };
  it('waits the backoff when nothing longer is asked', () => {
    expect(retryWaitMs(p, null, Number.POSITIVE_INFINITY)).toBe(100);
    expect(retryWaitMs(p, 50, Number.POSITIVE_INFINITY)).toBe(100);
  });
  it('waits what the upstream asked, up to the cap', () => {
    expect(retryWaitMs(p, 2000, Number.POSITIVE_INFINITY)).toBe(2000);
    expect(retryWaitMs(p, 10_000, Number.POSITIVE_INFINITY)).toBe(10_000);
    expect(retryWaitMs(p, 10_001, Number.POSITIVE_INFINITY)).toBeNull();
  });
  it('does not retry when the wait would outlast the request', () => {
    expect(retryWaitMs(p, 2000, 1999)).toBeNull();
    expect(retryWaitMs(p, 2000, 2001)).toBe(2000);
  });
});
