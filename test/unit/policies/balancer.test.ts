// Provider groups: pick-2 inside the first group with a provider in rotation, eviction by
// agentgateway's thresholds, failover to the next group only once every provider of the
// current one is evicted, and back when the eviction ends.
import { describe, expect, it } from 'vitest';
import { BalancerState } from '../../../src/lb/balancer.js';

const none = {};

describe('BalancerState', () => {
  it('uses the first group while it has a provider in rotation, then fails over, then returns', () => {
    const s = new BalancerState([1, 2]);
    expect(s.pick(0).bucket).toBe(0);
    const out = s.finished({ bucket: 0, index: 0 }, 0.01, false, 0, 1000, none);
    expect(out.evictedForMs).toBe(1000);
    for (let t = 1; t < 1000; t += 97) expect(s.pick(t).bucket).toBe(1);
    expect(s.pick(1000)).toEqual({ bucket: 0, index: 0 });
  });

  it('consecutiveFailures: evicts at the Nth unhealthy response in a row; a success resets the count', () => {
    const s = new BalancerState([2]);
    const slot = { bucket: 0, index: 1 };
    const rule = { consecutiveFailures: 3 };
    expect(s.finished(slot, 0, false, 0, 500, rule).evictedForMs).toBeNull();
    expect(s.finished(slot, 0, true, 0, 500, rule).evictedForMs).toBeNull();
    expect(s.finished(slot, 0, false, 0, 500, rule).evictedForMs).toBeNull();
    expect(s.finished(slot, 0, false, 0, 500, rule).evictedForMs).toBeNull();
    expect(s.finished(slot, 0, false, 0, 500, rule).evictedForMs).toBe(500);
    expect(s.isEvicted(slot, 499)).toBe(true);
  });

  it('healthThreshold compares the health EWMA before the response', () => {
    const s = new BalancerState([1]);
    const slot = { bucket: 0, index: 0 };
    const rule = { healthThreshold: 0.5 };
    expect(s.finished(slot, 0, false, 0, 100, rule).evictedForMs).toBeNull(); // 1.0 before
    expect(s.finished(slot, 0, false, 0, 100, rule).evictedForMs).toBeNull(); // 0.7 before
    expect(s.finished(slot, 0, false, 0, 100, rule).evictedForMs).toBe(100); // 0.49 before
  });

  it('a repeat offender is evicted longer each time; an announced reset is kept as announced', () => {
    const s = new BalancerState([1]);
    const slot = { bucket: 0, index: 0 };
    expect(s.finished(slot, 0, false, 0, 100, none).evictedForMs).toBe(100);
    expect(s.finished(slot, 0, false, 200, 100, none).evictedForMs).toBe(200);
    expect(s.finished(slot, 0, false, 500, s.baseFor(slot, 900), none).evictedForMs).toBe(900);
  });

  it('a slow provider loses most picks to a fast one in its group', () => {
    const s = new BalancerState([2]);
    for (let i = 0; i < 5; i++) {
      s.finished({ bucket: 0, index: 0 }, 0.005, true, 0, null, none);
      s.finished({ bucket: 0, index: 1 }, 0.5, true, 0, null, none);
    }
    let fast = 0;
    for (let i = 0; i < 1000; i++) if (s.pick(i).index === 0) fast++;
    expect(fast).toBeGreaterThan(650); // pick-2: the slow one wins only when drawn twice (~1/4 of picks)
  });
});
