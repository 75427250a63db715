// heapAfterStart (src/v8-heap.ts) takes V8's gc() for its own use without handing it to anyone:
// no `gc` global in this context, none in contexts made afterwards (the flag is put back).
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { heapAfterStart } from '../../src/v8-heap.js';

describe('heapAfterStart', () => {
  it('leaves no gc global behind, here or in contexts made later', () => {
    heapAfterStart();
    heapAfterStart(); // once per thread: a second call is a no-op
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
    expect(runInNewContext('typeof gc')).toBe('undefined');
  });
});
