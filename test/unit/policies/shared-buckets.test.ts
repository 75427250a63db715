// The shared-memory pieces behind `--workers N`: named regions of the arena, the lock, and the
// bucket table that local rate limits use when worker threads share them. (The cross-thread
// behaviour is in test/e2e/workers.test.ts, through the real gateway.)
import { describe, expect, it } from 'vitest';
import { threadId } from 'node:worker_threads';
import { hash64, SharedArena, type SharedLock } from '../../../src/policies/shared-arena.js';
import { SharedBucketTable } from '../../../src/policies/shared-buckets.js';
import { takeAll } from '../../../src/policies/local-rate-limit.js';

const spec = { maxTokens: 3, tokensPerFill: 3, intervalMs: 60_000 };

describe('SharedArena', () => {
  it('gives every caller of a name the same region, other names other regions, and -1 when full', () => {
    const arena = SharedArena.create(64 * 1024);
    const a = arena.region('a', 1000);
    expect(arena.region('a', 1000)).toBe(a);
    // A second view of the same buffer (another thread) finds the same region.
    expect(new SharedArena(arena.buffer).region('a', 1000)).toBe(a);
    const b = arena.region('b', 8);
    expect(b).not.toBe(a);
    expect(b % 8).toBe(0);
    expect(arena.region('c', 1 << 20)).toBe(-1);
  });

  it('the lock is re-entrant in a thread, and a dead owner can be released', () => {
    const arena = SharedArena.create(64 * 1024);
    expect(arena.locked(() => arena.locked(() => 42))).toBe(42);
    const words = new Int32Array(arena.buffer);
    words[0] = 7 + 1; // held by thread 7
    expect(arena.releaseDeadOwner(6)).toBe(false);
    expect(arena.releaseDeadOwner(7)).toBe(true);
    expect(arena.locked(() => 'free again')).toBe('free again');
  });

  it('each structure has its own lock word, on its own cache line, the same in every view; a dead owner releases them all', () => {
    const arena = SharedArena.create(64 * 1024);
    const words = new Int32Array(arena.buffer);
    // Which word a lock is: the one that holds this thread's id + 1 only while it runs.
    const me = threadId + 1;
    const wordOf = (lock: SharedLock): number => {
      const before = words.slice();
      return lock.locked(() => words.findIndex((w, i) => w === me && before[i] !== me));
    };
    const a = wordOf(arena.lock('a'));
    const b = wordOf(arena.lock('b'));
    expect(a).toBeGreaterThan(0);
    expect(b).not.toBe(a);
    expect((a * 4) % 64).toBe(0);
    expect((b * 4) % 64).toBe(0);
    expect(wordOf(new SharedArena(arena.buffer).lock('a'))).toBe(a);
    const lockA = arena.lock('a');
    expect(lockA.locked(() => lockA.locked(() => 1))).toBe(1);
    words[a] = 7 + 1;
    words[b] = 7 + 1;
    expect(arena.releaseDeadOwner(7)).toBe(true);
    expect([words[a], words[b]]).toEqual([0, 0]);
    expect(arena.lock('a').locked(() => 'free again')).toBe('free again');
  });

  it('hash64 is never (0, 0) and tells close names apart', () => {
    expect(hash64('')).not.toEqual([0, 0]);
    expect(hash64('route::localRateLimit[0]\u0000a')).not.toEqual(hash64('route::localRateLimit[0]\u0000b'));
  });
});

describe('SharedBucketTable', () => {
  const table = () => {
    const arena = SharedArena.create(SharedBucketTable.bytes() + 64 * 1024);
    return { arena, t: new SharedBucketTable(arena, arena.region('localRateLimit', SharedBucketTable.bytes())) };
  };

  it('a name is one bucket for every view of the table: takes through one are seen by the other', () => {
    const { arena, t } = table();
    const other = new SharedBucketTable(new SharedArena(arena.buffer), arena.region('localRateLimit', SharedBucketTable.bytes()));
    const verdicts = [1, 2, 3, 4].map((i) => takeAll([(i % 2 === 0 ? t : other).bucket(spec, 'k', 0)], [spec], [1], 0)[0]!.allowed);
    expect(verdicts).toEqual([true, true, true, false]);
    // Another name starts full.
    expect(t.bucket(spec, 'k2', 0).tokens).toBe(3);
  });

  it('refills like the thread-local bucket', () => {
    const { t } = table();
    for (let i = 0; i < 3; i++) takeAll([t.bucket(spec, 'k', 0)], [spec], [1], 0);
    expect(t.bucket(spec, 'k', 59_999).tokens).toBe(0);
    const b = t.bucket(spec, 'k', 60_000);
    b.refill(60_000);
    expect(b.tokens).toBe(3);
    expect(b.nextFillAt).toBe(120_000);
  });
});
