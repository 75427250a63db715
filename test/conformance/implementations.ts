// The Hono `runTest` pattern: one suite, called once per implementation of src/native's
// interfaces. When the addon is unavailable the native run is skipped under a name that says
// why (and a warning on stderr), never silently passed; AGW_NATIVE=1 turns that into a failure.
import { describe, it } from 'vitest';
import { implementations, type Implementation } from '../../src/native/index.js';

const { ts, native, nativeUnavailable } = implementations();

let warned = false;
function skipReason(): string {
  const reason = `native addon unavailable: ${nativeUnavailable ?? 'unknown reason'}`;
  if (!warned) {
    warned = true;
    console.warn(`[conformance] skipping native runs: ${reason}`);
  }
  return reason;
}

export function forEachImplementation(suite: (impl: Implementation) => void): void {
  describe('ts', () => suite(ts));
  if (native !== null) describe('native', () => suite(native));
  else describe.skip(`native (skipped: ${skipReason()})`, () => it('runs against the addon', () => {}));
}

/** Differential tests need both implementations side by side. */
export function withBoth(name: string, suite: (ts: Implementation, native: Implementation) => void): void {
  if (native !== null) describe(name, () => suite(ts, native));
  else describe.skip(`${name} (skipped: ${skipReason()})`, () => it('compares ts and native', () => {}));
}

/** Deterministic PRNG for generated inputs, so a failure reproduces from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
