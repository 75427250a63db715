// Token buckets with agentgateway's arithmetic, keyed local buckets, and the announced-reset
// parsing that sets eviction times after a 429.
import { describe, expect, it } from 'vitest';
import { LocalBuckets, takeAll } from '../../../src/policies/local-rate-limit.js';
import { announcedResetMs } from '../../../src/policies/retry-after.js';
import { TokenBucket } from '../../../src/policies/token-bucket.js';

const spec = { maxTokens: 3, tokensPerFill: 2, intervalMs: 1000 };

describe('TokenBucket', () => {
  it('starts full, fills in steps every interval, never above the maximum', () => {
    const b = new TokenBucket(spec, 0);
    expect(b.tokens).toBe(3);
    b.tokens = 0;
    b.refill(999);
    expect(b.tokens).toBe(0);
    b.refill(1000);
    expect(b.tokens).toBe(2);
    b.refill(5000); // four more fills, capped
    expect(b.tokens).toBe(3);
    expect(b.nextFillAt).toBe(6000);
  });

  it('debits after the fact floor at zero', () => {
    const b = new TokenBucket(spec, 0);
    b.debit(10, 10);
    expect(b.tokens).toBe(0);
  });
});

describe('takeAll', () => {
  it('takes from every bucket only when all have a token; reports the time to the next fill', () => {
    const a = new TokenBucket(spec, 0);
    const b = new TokenBucket({ ...spec, maxTokens: 1, tokensPerFill: 1 }, 0);
    const specs = [spec, { ...spec, maxTokens: 1, tokensPerFill: 1 }];
    const first = takeAll([a, b], specs, [1, 1], 100);
    expect(first.map((v) => v.allowed)).toEqual([true, true]);
    expect(first.map((v) => v.remaining)).toEqual([2, 0]);
    const second = takeAll([a, b], specs, [1, 1], 200);
    expect(second.map((v) => v.allowed)).toEqual([true, false]);
    expect(a.tokens).toBe(2); // nothing taken from the bucket that had room
    expect(second[1]!.resetMs).toBe(800);
  });

  it('a tokens bucket (take 0) only needs one token up front', () => {
    const a = new TokenBucket(spec, 0);
    takeAll([a], [spec], [0], 0);
    expect(a.tokens).toBe(3);
    a.tokens = 0;
    expect(takeAll([a], [spec], [0], 1)[0]!.allowed).toBe(false);
  });
});

describe('LocalBuckets', () => {
  it('one bucket per key', () => {
    const l = new LocalBuckets(spec);
    l.bucket('alice', 0).tokens = 0;
    expect(l.bucket('bob', 0).tokens).toBe(3);
    expect(l.bucket('alice', 0).tokens).toBe(0);
    expect(l.size).toBe(2);
  });
});

describe('announcedResetMs (a 429 says when to come back)', () => {
  const h = (o: Record<string, string>) => (n: string) => o[n];
  it('retry-after-ms, Retry-After seconds or date, x-ratelimit-reset seconds or epoch', () => {
    expect(announcedResetMs(h({ 'retry-after-ms': '1500' }))).toBe(1500);
    expect(announcedResetMs(h({ 'retry-after': '20' }))).toBe(20_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(announcedResetMs(h({ 'retry-after': 'Thu, 01 Jan 2026 00:01:00 GMT' }), now)).toBe(60_000);
    expect(announcedResetMs(h({ 'x-ratelimit-reset': '7' }))).toBe(7000);
    expect(announcedResetMs(h({ 'x-ratelimit-reset': String(now / 1000 + 30) }), now)).toBe(30_000);
  });

  it("the smallest of OpenAI's x-ratelimit-reset-* Go durations", () => {
    expect(announcedResetMs(h({ 'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-reset-tokens': '1.5s' }))).toBe(1500);
    expect(announcedResetMs(h({ 'x-ratelimit-reset-tokens-minute': '11.1' }))).toBe(11_100);
  });

  it('nothing usable: null', () => {
    expect(announcedResetMs(h({}))).toBeNull();
    expect(announcedResetMs(h({ 'retry-after': 'soon', 'x-ratelimit-reset-requests': '-1m' }))).toBeNull();
  });
});
