// Session affinity over a backend's provider groups: placement by rendezvous hash, stickiness,
// moves on eviction and failover, per-request spills on load and retries, expiry.
import { describe, expect, it } from 'vitest';
import { SessionTable, WeightedTargets, type AffinityDecision } from '../../../src/lb/affinity.js';
import { BalancerState, type Slot } from '../../../src/lb/balancer.js';
import { LocalSessionStore } from '../../../src/lb/session-store.js';
import { affinityHasher, AFFINITY_KEY_SEED } from '../../../src/native/index.js';

const key = (s: string) => affinityHasher().hash(s, AFFINITY_KEY_SEED);
const settings = { ttlMs: 60_000, maxLoad: 1.5 };

function setup(groups: string[][], s = settings) {
  const b = new BalancerState(groups.map((g) => g.length));
  return { b, t: new SessionTable(groups, s) };
}

/** Picks and completes at once (no load), as sequential turns of sessions do. */
function turn(t: SessionTable, b: BalancerState, k: number, now = 0, tried: Slot[] = []): AffinityDecision {
  return t.choose(b, k, now, tried);
}

describe('session affinity', () => {
  it('places a new session by the hash and keeps it there', () => {
    const { b, t } = setup([['a', 'b', 'c']]);
    const first = turn(t, b, key('s1'));
    expect(first.result).toBe('new');
    for (let i = 0; i < 5; i++) expect(turn(t, b, key('s1'), i)).toMatchObject({ slot: first.slot, result: 'hit' });
    // another table over the same providers (a second replica) places it alike
    expect(setup([['a', 'b', 'c']]).t.choose(b, key('s1'), 0, []).slot).toEqual(first.slot);
  });

  it('spreads sessions evenly and moves only the removed provider share', () => {
    const three = setup([['a', 'b', 'c']]);
    const two = setup([['a', 'c']]);
    const counts = [0, 0, 0];
    let moved = 0;
    const n = 3000;
    for (let i = 0; i < n; i++) {
      const k = key(`session ${i}`);
      const before = turn(three.t, three.b, k).slot.index;
      counts[before]!++;
      const name = three.t.nameOf({ bucket: 0, index: before });
      const after = two.t.nameOf(turn(two.t, two.b, k).slot);
      if (name !== 'b') expect(after).toBe(name);
      else moved++;
    }
    for (const c of counts) expect(Math.abs(c / n - 1 / 3)).toBeLessThan(0.04);
    expect(moved).toBe(counts[1]);
  });

  it('moves a session off an evicted provider for good, with the reason', () => {
    const { b, t } = setup([['a', 'b', 'c']]);
    const k = key('s2');
    const home = turn(t, b, k).slot;
    b.buckets[0]!.evict(home.index, 0, 1000);
    const d = turn(t, b, k, 10);
    expect(d).toMatchObject({ result: 'moved', reason: 'evicted', from: home });
    expect(d.slot.index).not.toBe(home.index);
    // the eviction ends: the session stays where its cache now is
    expect(turn(t, b, k, 5000)).toMatchObject({ slot: d.slot, result: 'hit' });
    // every replica that saw the eviction moved it to the same place (next in rendezvous order)
    const other = setup([['a', 'b', 'c']]);
    other.b.buckets[0]!.evict(home.index, 0, 1000);
    expect(turn(other.t, other.b, k, 10).slot).toEqual(d.slot);
  });

  it('follows priority groups: to the fallback group when the first is evicted, back when it returns', () => {
    const { b, t } = setup([['a', 'b'], ['z']]);
    const k = key('s3');
    expect(turn(t, b, k).slot.bucket).toBe(0);
    b.buckets[0]!.evict(0, 0, 1000);
    b.buckets[0]!.evict(1, 0, 1000);
    expect(turn(t, b, k, 10)).toMatchObject({ slot: { bucket: 1, index: 0 }, result: 'moved', reason: 'priority' });
    expect(turn(t, b, k, 2000)).toMatchObject({ result: 'moved', reason: 'priority', slot: { bucket: 0 } });
  });

  it('spills a request off an overloaded provider without moving the session', () => {
    const { b, t } = setup([['a', 'b', 'c']]);
    const k = key('s4');
    const home = turn(t, b, k).slot;
    for (let i = 0; i < 4; i++) b.started(home); // 4 in flight there, none elsewhere
    const d = turn(t, b, k, 1);
    expect(d).toMatchObject({ result: 'spilled', reason: 'overloaded', from: home });
    expect(d.slot.index).not.toBe(home.index);
    for (let i = 0; i < 4; i++) b.finished(home, 0.01, true, 2, null, {});
    expect(turn(t, b, k, 3)).toMatchObject({ slot: home, result: 'hit' });
  });

  it('lets a session keep its provider under a little concurrency (the bound has one request of slack)', () => {
    const { b, t } = setup([['a', 'b', 'c']]);
    const k = key('s5');
    const home = turn(t, b, k).slot;
    b.started(home);
    expect(turn(t, b, k, 1)).toMatchObject({ slot: home, result: 'hit' });
  });

  it('never bounds load with maxLoad 0', () => {
    const { b, t } = setup([['a', 'b', 'c']], { ttlMs: 60_000, maxLoad: 0 });
    const k = key('s6');
    const home = turn(t, b, k).slot;
    for (let i = 0; i < 50; i++) b.started(home);
    expect(turn(t, b, k, 1)).toMatchObject({ slot: home, result: 'hit' });
  });

  it('sends a retry elsewhere without moving the session, unless its provider was evicted', () => {
    const { b, t } = setup([['a', 'b', 'c']]);
    const k = key('s7');
    const home = turn(t, b, k).slot;
    const retry = turn(t, b, k, 1, [home]);
    expect(retry).toMatchObject({ result: 'spilled', reason: 'retry', from: home });
    expect(turn(t, b, k, 2)).toMatchObject({ slot: home, result: 'hit' });
    b.buckets[0]!.evict(home.index, 3, 1000);
    expect(turn(t, b, k, 4, [home])).toMatchObject({ result: 'moved', reason: 'evicted' });
  });

  it('forgets a session after ttl without use', () => {
    const { b, t } = setup([['a', 'b', 'c']], { ttlMs: 100, maxLoad: 1.5 });
    const k = key('s8');
    turn(t, b, k, 0);
    expect(turn(t, b, k, 90).result).toBe('hit');
    expect(turn(t, b, k, 191).result).toBe('new');
  });

  it('bounds the table, dropping the oldest sessions first', () => {
    const b = new BalancerState([2]);
    const t = new SessionTable([['a', 'b']], settings, new LocalSessionStore(10));
    for (let i = 0; i < 25; i++) turn(t, b, key(`k${i}`), i);
    expect(t.size).toBe(10);
    expect(t.current(key('k24'), 30)).not.toBeNull();
    expect(t.current(key('k0'), 30)).toBeNull();
  });

  it('adopts a pin from a shared store only for a session it does not know', () => {
    const { b, t } = setup([['a', 'b', 'c']]);
    const k = key('s9');
    t.adopt(k, t.slotOf('c')!, 0);
    expect(turn(t, b, k, 1)).toMatchObject({ slot: { bucket: 0, index: 2 }, result: 'hit' });
    t.adopt(k, t.slotOf('a')!, 2);
    expect(t.current(k, 3)).toEqual({ bucket: 0, index: 2 });
    expect(t.slotOf('nope')).toBeNull();
  });

  it('weighted targets: stable per key, shares by weight', () => {
    const w = new WeightedTargets(['small', 'large'], [1, 3]);
    let large = 0;
    for (let i = 0; i < 4000; i++) {
      const k = key(`u${i}`);
      const p = w.pick(k);
      expect(w.pick(k)).toBe(p);
      if (p === 1) large++;
    }
    expect(Math.abs(large / 4000 - 0.75)).toBeLessThan(0.03);
  });
});
