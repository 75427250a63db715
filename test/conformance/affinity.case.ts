// Affinity-hash conformance: the hash is MurmurHash3 x86_32 of the UTF-16LE bytes (checked
// against a byte-wise reference written from the published algorithm, and its known vectors),
// and rendezvous choice spreads keys evenly (or by weight) and moves only the keys of an
// endpoint that leaves. Statistical checks use fixed inputs and tolerances of several standard
// deviations, so they are deterministic and still fail on a real bias.
import { expect, it } from 'vitest';
import { AFFINITY_ENDPOINT_SEED, type AffinityHasher, type Implementation } from '../../src/native/index.js';

const rotl = (x: number, r: number) => (x << r) | (x >>> (32 - r));

function fmix(h0: number): number {
  let h = h0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3_x86_32 over bytes, as published (4-byte blocks, 1-3 byte tail). */
export function murmurBytes(data: Uint8Array, seed: number): number {
  let h = seed | 0;
  const k1 = (k: number) => Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
  const blocks = data.length >> 2;
  for (let b = 0; b < blocks; b++) {
    const i = b * 4;
    h ^= k1(data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    h = (Math.imul(rotl(h, 13), 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const tail = blocks * 4;
  for (let i = data.length - 1; i >= tail; i--) k = (k << 8) | data[i]!;
  if (data.length > tail) h ^= k1(k);
  h ^= data.length;
  return fmix(h);
}

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const utf16 = (s: string) => new Uint8Array(Buffer.from(s, 'utf16le'));

function endpoints(a: AffinityHasher, n: number): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => a.hash(`provider-${i}`, AFFINITY_ENDPOINT_SEED));
}

export function affinityConformance(impl: Implementation): void {
  const a = impl.affinity;

  it('the byte-wise reference gives the published MurmurHash3 vectors', () => {
    expect(murmurBytes(ascii(''), 0)).toBe(0);
    expect(murmurBytes(ascii(''), 1)).toBe(0x514e28b7);
    expect(murmurBytes(ascii('test'), 0)).toBe(0xba6bd213);
    expect(murmurBytes(ascii('Hello, world!'), 0x9747b28c)).toBe(0x24884cba);
  });

  it('hashes a string as MurmurHash3 x86_32 of its UTF-16LE bytes', () => {
    const samples = ['', 'a', 'ab', 'abc', 'session-42', 'héllo wörld', '中文 and emoji 🦀', '\ud800 lone surrogate', 'x'.repeat(4097)];
    for (const s of samples) {
      for (const seed of [0, 1, 0x61677731, 0xffffffff])
        expect(a.hash(s, seed), `${JSON.stringify(s.slice(0, 20))} seed ${seed}`).toBe(murmurBytes(utf16(s), seed));
    }
  });

  it('chooses among eligible indexes only, and -1 when none is eligible', () => {
    const h = endpoints(a, 4);
    expect(a.rendezvous(7, h, new Uint8Array(4))).toBe(-1);
    expect(a.rendezvous(7, new Uint32Array(0), new Uint8Array(0))).toBe(-1);
    for (let key = 0; key < 200; key++) expect(a.rendezvous(key, h, Uint8Array.of(0, 1, 0, 0))).toBe(1);
    expect(a.rendezvousWeighted(7, h, Float64Array.of(0, 0, 0, 0), Uint8Array.of(1, 1, 1, 1))).toBe(-1);
    for (let key = 0; key < 200; key++)
      expect(a.rendezvousWeighted(key, h, Float64Array.of(1, 0, 1, 1), Uint8Array.of(1, 1, 0, 1))).not.toBe(1);
  });

  it('spreads keys evenly over equal endpoints', () => {
    const h = endpoints(a, 5);
    const all = new Uint8Array(5).fill(1);
    const counts = new Array<number>(5).fill(0);
    const n = 50_000;
    for (let i = 0; i < n; i++) counts[a.rendezvous(a.hash(`session ${i}`, 1), h, all)]!++;
    for (const c of counts) expect(Math.abs(c / n - 0.2), `share ${c / n}`).toBeLessThan(0.01);
  });

  it('moves only the keys of an endpoint that leaves, and only keys to one that joins', () => {
    const h = endpoints(a, 4);
    const four = Uint8Array.of(1, 1, 1, 1);
    const three = Uint8Array.of(1, 1, 0, 1);
    let moved = 0;
    let joined = 0;
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const key = a.hash(`conversation ${i}`, 9);
      const before = a.rendezvous(key, h, four);
      const after = a.rendezvous(key, h, three);
      if (before !== 2) expect(after, `key ${i}`).toBe(before);
      else moved++;
      // the other direction: endpoint 2 joining takes keys only onto itself
      if (after !== before) {
        expect(before).toBe(2);
        joined++;
      }
    }
    expect(Math.abs(moved / n - 0.25)).toBeLessThan(0.02);
    expect(joined).toBe(moved);
  });

  it('gives weighted endpoints shares proportional to their weights', () => {
    const h = endpoints(a, 3);
    const w = Float64Array.of(1, 2, 5);
    const all = Uint8Array.of(1, 1, 1);
    const counts = [0, 0, 0];
    const n = 40_000;
    for (let i = 0; i < n; i++) counts[a.rendezvousWeighted(a.hash(`s${i}`, 3), h, w, all)]!++;
    [1 / 8, 2 / 8, 5 / 8].forEach((share, i) => expect(Math.abs(counts[i]! / n - share), `endpoint ${i}`).toBeLessThan(0.015));
  });
}
