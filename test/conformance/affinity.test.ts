import { describe, expect, it } from 'vitest';
import { affinityConformance } from './affinity.case.js';
import { forEachImplementation, prng, withBoth } from './implementations.js';

describe('affinity hash conformance', () => forEachImplementation(affinityConformance));

function randomString(rand: () => number, max: number): string {
  const n = Math.floor(rand() * max);
  let s = '';
  for (let i = 0; i < n; i++) {
    const r = rand();
    // mostly ASCII (one-byte strings in V8), some Latin-1, BMP and surrogates (two-byte strings)
    s += String.fromCharCode(
      r < 0.8 ? 32 + Math.floor(rand() * 95) : r < 0.9 ? 128 + Math.floor(rand() * 128) : Math.floor(rand() * 65536),
    );
  }
  return s;
}

withBoth('affinity hash, TS and native side by side', (ts, native) => {
  it('give the same hashes and the same rendezvous choices', () => {
    const rand = prng(21);
    for (let round = 0; round < 3000; round++) {
      const text = randomString(rand, round % 10 === 0 ? 20_000 : 300);
      const seed = Math.floor(rand() * 2 ** 32);
      const key = ts.affinity.hash(text, seed);
      expect(native.affinity.hash(text, seed), `round ${round}`).toBe(key);
      const n = 1 + Math.floor(rand() * 12);
      const hashes = Uint32Array.from({ length: n }, () => Math.floor(rand() * 2 ** 32));
      const eligible = Uint8Array.from({ length: n }, () => (rand() < 0.8 ? 1 : 0));
      const weights = Float64Array.from({ length: n }, () => (rand() < 0.1 ? 0 : rand() * 10));
      expect(native.affinity.rendezvous(key, hashes, eligible)).toBe(ts.affinity.rendezvous(key, hashes, eligible));
      expect(native.affinity.rendezvousWeighted(key, hashes, weights, eligible)).toBe(
        ts.affinity.rendezvousWeighted(key, hashes, weights, eligible),
      );
    }
  });
});
