// The session table in the gateway's shared memory (`--workers N`): two tables over the same
// region stand for two worker threads; what one places or moves, the other sees.
import { describe, expect, it } from 'vitest';
import { SessionTable } from '../../../src/lb/affinity.js';
import { BalancerState } from '../../../src/lb/balancer.js';
import { LocalSessionStore, SharedSessionStore } from '../../../src/lb/session-store.js';
import { affinityHasher, AFFINITY_KEY_SEED } from '../../../src/native/index.js';
import { SharedArena } from '../../../src/policies/shared-arena.js';

const key = (s: string) => affinityHasher().hash(s, AFFINITY_KEY_SEED);
const settings = { ttlMs: 60_000, maxLoad: 0 };
const groups = [['a', 'b', 'c']];

function twoThreads(slots?: number) {
  const arena = SharedArena.create();
  const at = arena.region('affinity:test', SharedSessionStore.bytes(slots));
  const table = () => new SessionTable(groups, settings, new SharedSessionStore(arena, at, slots));
  return { one: table(), two: table() };
}

describe('shared session table', () => {
  it('a session moved on one thread is where the other thread sends it, after the eviction ends', () => {
    const { one, two } = twoThreads();
    const k = key('session-1');
    const b1 = new BalancerState([3]);
    const b2 = new BalancerState([3]);
    const home = one.choose(b1, k, 0, []).slot;
    b1.buckets[0]!.evict(home.index, 0, 1000);
    const moved = one.choose(b1, k, 10, []);
    expect(moved.result).toBe('moved');
    // thread two never saw the eviction (its own pick-2 state here): the session is still where one put it
    expect(two.choose(b2, k, 5000, [])).toMatchObject({ slot: moved.slot, result: 'hit' });
    expect(two.current(k, 5000)).toEqual(moved.slot);
  });

  it('per-thread tables (the Map) disagree in the same sequence', () => {
    const one = new SessionTable(groups, settings, new LocalSessionStore(100));
    const two = new SessionTable(groups, settings, new LocalSessionStore(100));
    const k = key('session-1');
    const b1 = new BalancerState([3]);
    const home = one.choose(b1, k, 0, []).slot;
    b1.buckets[0]!.evict(home.index, 0, 1000);
    const moved = one.choose(b1, k, 10, []);
    expect(two.choose(new BalancerState([3]), k, 5000, []).slot).not.toEqual(moved.slot);
  });

  it('expires entries, and replaces the least recently used when a key window is full', () => {
    const { one, two } = twoThreads(16);
    const b = new BalancerState([3]);
    one.choose(b, key('old'), 0, []);
    expect(two.current(key('old'), 60_001)).toBeNull();
    for (let i = 0; i < 40; i++) one.choose(b, key(`k${i}`), 100 + i, []);
    expect(one.size).toBe(16);
    expect(two.current(key('k39'), 200)).not.toBeNull();
    expect(two.current(key('k0'), 200)).toBeNull();
  });

  it('claims the Redis write once per ttl/4 across threads', () => {
    const { one, two } = twoThreads();
    const b = new BalancerState([3]);
    const k = key('pinned');
    one.choose(b, k, 0, []);
    expect(one.shouldShare(k, 1)).toBe(true);
    expect(two.shouldShare(k, 2)).toBe(false);
    expect(two.shouldShare(k, 15_002)).toBe(true);
  });
});
