// Pick-2 conformance: weighted draws, health- and latency-aware choice, eviction rules,
// seeding and the shared state views. Statistical checks use a fixed seed and tolerances of
// several standard deviations, so they are deterministic and still fail on a real bias.
import { expect, it } from 'vitest';
import { liveBucket } from '../../src/lb/buckets.js';
import type { Implementation, PickTwo } from '../../src/native/index.js';

function shares(p: PickTwo, picks: number, now = 0): number[] {
  const counts = new Array<number>(p.size).fill(0);
  for (let k = 0; k < picks; k++) counts[p.pick(now)]! += 1;
  return counts.map((c) => c / picks);
}

export function pickTwoConformance(impl: Implementation): void {
  const make = (size: number, seed = 1) => impl.createPickTwo(size, { seed });

  it('respects weights within 1% over 50k picks when endpoints are equally good', () => {
    const p = make(4);
    [1, 2, 3, 4].forEach((w, i) => p.setWeight(i, w));
    shares(p, 50_000).forEach((s, i) => expect(Math.abs(s - (i + 1) / 10), `endpoint ${i}: ${s}`).toBeLessThan(0.01));
  });

  it('never picks a zero-weight endpoint, and returns -1 when nothing has weight', () => {
    const p = make(3);
    p.setWeight(1, 0);
    expect(shares(p, 5000)[1]).toBe(0);
    p.setWeight(0, 0);
    p.setWeight(2, 0);
    expect(p.pick(0)).toBe(-1);
    expect(make(0).pick(0)).toBe(-1);
    p.setWeight(2, 5);
    expect(p.pick(0)).toBe(2);
  });

  it('sends an evicted endpoint traffic only when every endpoint is evicted', () => {
    const p = make(3);
    expect(p.evict(0, 0, 1000)).toBe(true);
    expect(shares(p, 5000, 10)[0]).toBe(0);
    p.evict(1, 0, 1000);
    expect(shares(p, 5000, 10)).toEqual([0, 0, 1]);
    p.evict(2, 0, 500);
    const all = shares(p, 5000, 10);
    expect(all.every((s) => s > 0.25)).toBe(true);
    expect(shares(p, 5000, 500)).toEqual([0, 0, 1]); // 2's eviction ended first
    expect(shares(p, 5000, 1000).every((s) => s > 0.25)).toBe(true);
  });

  it('follows the clock both ways (evicted at now < evictedUntil only)', () => {
    const p = make(2);
    p.evict(0, 1000, 100);
    expect(p.isEvicted(0, 1099)).toBe(true);
    expect(p.isEvicted(0, 1100)).toBe(false);
    expect(shares(p, 2000, 1200)[0]).toBeGreaterThan(0.4);
    expect(shares(p, 2000, 1050)[0]).toBe(0);
  });

  it('gives a failing endpoint about 1/n² of the traffic (chosen only when drawn twice)', () => {
    const p = make(4);
    for (let k = 0; k < 10; k++) p.finish(0, 0, false);
    const s = shares(p, 40_000)[0]!;
    expect(s).toBeGreaterThan(0.05);
    expect(s).toBeLessThan(0.075);
  });

  it('shifts traffic away from a slow endpoint, and from one with requests piling up', () => {
    const slow = make(2);
    for (let k = 0; k < 5; k++) {
      slow.finish(0, 2.0, true);
      slow.finish(1, 0.05, true);
    }
    const s = shares(slow, 40_000)[0]!;
    expect(s).toBeGreaterThan(0.23);
    expect(s).toBeLessThan(0.27);

    const busy = make(2);
    busy.finish(0, 0.5, true);
    busy.finish(1, 0.5, true);
    for (let k = 0; k < 20; k++) busy.start(0);
    expect(shares(busy, 40_000)[0]).toBeLessThan(0.27);
    for (let k = 0; k < 20; k++) {
      busy.finish(0, 0.5, true);
      busy.finish(1, 0.5, true); // same latency history, so only pending told them apart
    }
    expect(busy.state.pending[0]).toBe(0);
    expect(Math.abs(shares(busy, 40_000)[0]! - 0.5)).toBeLessThan(0.02);
  });

  it('updates the EWMAs with alpha 0.3 and exposes them as live views', () => {
    const p = make(2);
    const { pending, latency, health, weight } = p.state;
    expect([...health]).toEqual([1, 1]);
    expect([...weight]).toEqual([1, 1]);
    p.start(1);
    p.start(1);
    expect(pending[1]).toBe(2);
    p.finish(1, 1.0, false);
    expect(pending[1]).toBe(1);
    expect(latency[1]).toBeCloseTo(0.3, 12);
    expect(health[1]).toBeCloseTo(0.7, 12);
    p.finish(1, 1.0, true);
    p.finish(1, 1.0, true); // pending never goes below zero
    expect(pending[1]).toBe(0);
    expect(latency[1]).toBeCloseTo(0.657, 12);
    expect(health[1]).toBeCloseTo(0.853, 12);
  });

  it('grows the eviction with each ejection, ignores re-eviction, and resets on recovery', () => {
    const p = make(1);
    const { evictedUntil, timesEjected } = p.state;
    for (let k = 0; k < 3; k++) p.finish(0, 0.1, false); // health 0.343
    expect(p.evict(0, 0, 100)).toBe(true);
    expect(p.evict(0, 50, 100)).toBe(false);
    expect(evictedUntil[0]).toBe(100);
    expect(p.evict(0, 100, 100)).toBe(true);
    expect(evictedUntil[0]).toBe(300);
    expect(p.evict(0, 300, 100)).toBe(true);
    expect(evictedUntil[0]).toBe(600);
    expect(timesEjected[0]).toBe(3);
    for (let k = 0; k < 5; k++) p.finish(0, 0.1, true); // health 0.89: not yet recovered
    expect(timesEjected[0]).toBe(3);
    p.finish(0, 0.1, true);
    expect(timesEjected[0]).toBe(0);
    p.evict(0, 600, 100);
    expect(evictedUntil[0]).toBe(700);
  });

  it('is reproducible from its seed', () => {
    const seq = (seed: number) => {
      const p = make(8, seed);
      p.setWeight(3, 4);
      return Array.from({ length: 200 }, () => p.pick(0));
    };
    expect(seq(7)).toEqual(seq(7));
    expect(seq(7)).not.toEqual(seq(8));
  });

  it('rejects bad indexes and values with RangeError', () => {
    const p = make(2);
    for (const i of [-1, 2, 1.5, NaN]) {
      expect(() => p.start(i)).toThrow(RangeError);
      expect(() => p.isEvicted(i, 0)).toThrow(RangeError);
    }
    for (const w of [-1, NaN, Infinity]) expect(() => p.setWeight(0, w)).toThrow(RangeError);
    expect(() => p.finish(0, -0.5, true)).toThrow(RangeError);
    expect(() => p.finish(0, NaN, true)).toThrow(RangeError);
    expect(() => p.evict(0, 0, 0)).toThrow(RangeError);
    expect(() => impl.createPickTwo(-1)).toThrow(RangeError);
    expect(() => impl.createPickTwo(2.5)).toThrow(RangeError);
  });

  it('counts active endpoints, and liveBucket skips fully evicted priority buckets', () => {
    const primary = make(2);
    const fallback = make(2, 2);
    expect(primary.activeCount(0)).toBe(2);
    expect(liveBucket([primary, fallback], 0)).toBe(0);
    primary.evict(0, 0, 1000);
    expect(liveBucket([primary, fallback], 0)).toBe(0);
    primary.evict(1, 0, 1000);
    expect(primary.activeCount(0)).toBe(0);
    expect(liveBucket([primary, fallback], 0)).toBe(1);
    fallback.evict(0, 0, 1000);
    fallback.evict(1, 0, 1000);
    expect(liveBucket([primary, fallback], 0)).toBe(0);
    expect(liveBucket([primary, fallback], 1000)).toBe(0);
    expect(liveBucket([], 0)).toBe(-1);
  });
}
