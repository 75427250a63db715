import { describe, expect, it } from 'vitest';
import { P2C_COLUMNS } from '../../src/native/index.js';
import { forEachImplementation, prng, withBoth } from './implementations.js';
import { pickTwoConformance } from './p2c.case.js';

describe('pick-2 conformance', () => forEachImplementation(pickTwoConformance));

withBoth('pick-2, TS and native side by side', (ts, native) => {
  it('make the same picks and reach the same state from the same seed and operations', () => {
    const rand = prng(2024);
    for (const size of [1, 2, 8, 64]) {
      const seed = Math.floor(rand() * 2 ** 32);
      const a = ts.createPickTwo(size, { seed });
      const b = native.createPickTwo(size, { seed });
      let now = 0;
      for (let op = 0; op < 5000; op++) {
        const i = Math.floor(rand() * size);
        const r = rand();
        if (r < 0.05) {
          const w = rand() < 0.2 ? 0 : Math.round(rand() * 10);
          a.setWeight(i, w);
          b.setWeight(i, w);
        } else if (r < 0.1) {
          const base = 1 + rand() * 500;
          expect(b.evict(i, now, base)).toBe(a.evict(i, now, base));
        } else if (r < 0.3) {
          a.start(i);
          b.start(i);
        } else if (r < 0.5) {
          const latency = rand() * 3;
          const ok = rand() < 0.8;
          a.finish(i, latency, ok);
          b.finish(i, latency, ok);
        } else {
          now += rand() * 50;
          expect(b.pick(now), `size ${size}, op ${op}`).toBe(a.pick(now));
          expect(b.activeCount(now)).toBe(a.activeCount(now));
        }
      }
      for (const col of P2C_COLUMNS) expect([...b.state[col]], `${col} (size ${size})`).toEqual([...a.state[col]]);
    }
  });
});
