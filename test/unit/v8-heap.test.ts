// heapAfterStart (src/v8-heap.ts) takes V8's gc() for its own use without handing it to anyone:
// no `gc` global in this context, none in contexts made afterwards (the flag is put back).
// quietCollector: what each quiet check does after a busy spell (the GCs, then malloc's free
// memory handed back), fed event-loop utilisations instead of waiting 3.5 s per check.
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { type Gc, heapAfterStart, quietCollector } from '../../src/v8-heap.js';

describe('heapAfterStart', () => {
  it('leaves no gc global behind, here or in contexts made later', () => {
    heapAfterStart();
    heapAfterStart(); // once per thread: a second call is a no-op
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});

function recorder() {
  const calls: string[] = [];
  // gc() with no argument is the full GC; Node 20 runs gc({ type: 'major' }) as a scavenge.
  const gc: Gc = (o) => calls.push(o === undefined ? 'full' : o.type);
  const release = () => calls.push('release');
  return { calls, gc, release };
}

describe('quietCollector', () => {
  it('after start (settled by heapAfterStart): a minor GC at each of the next three quiet checks, then nothing', () => {
    const { calls, gc, release } = recorder();
    const check = quietCollector(gc, release);
    for (let i = 0; i < 6; i++) check(0.001);
    expect(calls).toEqual(['minor', 'minor', 'minor']);
  });

  it('after a busy spell: a minor GC, then the full GC (gc() without options) and the release, then three minor GCs', () => {
    const { calls, gc, release } = recorder();
    const check = quietCollector(gc, release);
    check(0.5); // traffic
    expect(calls).toEqual([]);
    check(0.001);
    expect(calls).toEqual(['minor']);
    check(0.001);
    expect(calls).toEqual(['minor', 'full', 'release']);
    for (let i = 0; i < 6; i++) check(0);
    expect(calls).toEqual(['minor', 'full', 'release', 'minor', 'minor', 'minor']);
  });

  it('starts over after each busy spell, and a busy check between quiet ones restarts the count', () => {
    const { calls, gc, release } = recorder();
    const check = quietCollector(gc, release);
    check(0.5);
    check(0.01);
    check(0.3); // traffic again before the second quiet check
    check(0.01);
    expect(calls).toEqual(['minor', 'minor']);
    check(0.01);
    check(0.6); // traffic during the sampling checks stops them
    check(0.01);
    expect(calls).toEqual(['minor', 'minor', 'full', 'release', 'minor']);
  });

  it('without gc() (a worker thread) still hands malloc memory back once quiet', () => {
    const { calls, release } = recorder();
    const check = quietCollector(undefined, release);
    check(0.5);
    for (let i = 0; i < 6; i++) check(0);
    expect(calls).toEqual(['release']);
  });
});
