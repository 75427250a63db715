// Pure-TS twin of native/src/affinity.rs: MurmurHash3 x86_32 over a string's UTF-16LE bytes,
// read two code units (one 32-bit little-endian block) at a time straight from the string, and
// rendezvous choice with murmur's fmix32. Same integer arithmetic as the Rust side, so both
// give the same numbers (test/conformance/affinity.test.ts).
import type { AffinityHasher } from '../native/types.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

export function murmurUtf16(text: string, seed: number): number {
  let h = seed | 0;
  const n = text.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    // A 2-byte tail: murmur folds it in without the rotation of h.
    let k = text.charCodeAt(i);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= n * 2; // the length in bytes
  return fmix32(h);
}

export function fmix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TWO_32 = 4294967296;

export const tsAffinity: AffinityHasher = {
  hash: murmurUtf16,
  rendezvous(key, hashes, eligible) {
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < hashes.length; i++) {
      if (eligible[i] === 0) continue;
      const s = fmix32(key ^ hashes[i]!);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    }
    return best;
  },
  rendezvousWeighted(key, hashes, weights, eligible) {
    let best = -1;
    let bestScore = -1;
    for (let i = 0; i < hashes.length; i++) {
      const w = weights[i]!;
      if (eligible[i] === 0 || !(w > 0)) continue;
      const u = (fmix32(key ^ hashes[i]!) + 0.5) / TWO_32;
      const s = w / -Math.log(u);
      if (s > bestScore) {
        best = i;
        bestScore = s;
      }
    }
    return best;
  },
};
