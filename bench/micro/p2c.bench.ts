// Pick-2, native vs TS, for 2, 8 and 64 endpoints with mixed weights, one endpoint evicted and
// per-endpoint latencies: a request's whole balancer lifecycle (pick, start, finish) and pick
// alone. Before timing, both implementations must make the same picks from the same seed.
import type { Implementation, PickTwo } from '../../src/native/index.js';
import { check, impls, nsPerUnit, runIfMain, type Row, type Task } from './common.js';

const BATCH = 1000;
const NOW = 1_000_000;

function setup(impl: Implementation, size: number): PickTwo {
  const p = impl.createPickTwo(size, { seed: 12345 });
  for (let i = 0; i < size; i++) p.setWeight(i, 1 + (i % 4));
  if (size > 2) p.evict(size - 1, NOW, 3_600_000);
  for (let i = 0; i < size; i++) p.finish(i, 0.2 + (i % 5) * 0.1, true);
  return p;
}

function lifecycle(p: PickTwo, latencies: Float64Array): void {
  for (let k = 0; k < BATCH; k++) {
    const i = p.pick(NOW);
    check(i >= 0 && i < p.size, 'pick in range');
    p.start(i);
    p.finish(i, latencies[k]!, k % 100 !== 0);
  }
  check(
    p.state.pending.every((x) => x === 0),
    'pending drained',
  );
}

function picks(p: PickTwo): number {
  let sum = 0;
  for (let k = 0; k < BATCH; k++) sum += p.pick(NOW);
  check(sum >= 0, 'picks in range');
  return sum;
}

export async function p2cBench(): Promise<Row[]> {
  const { ts, native } = impls();
  const latencies = Float64Array.from({ length: BATCH }, (_, k) => 0.1 + ((k * 37) % 100) / 100);
  const tasks: Record<string, Task> = {};
  const sizes = [2, 8, 64];
  for (const size of sizes) {
    if (native) {
      const a = setup(ts, size);
      const b = setup(native, size);
      for (let k = 0; k < 200; k++) check(a.pick(NOW) === b.pick(NOW), `same picks for ${size} endpoints`);
    }
    for (const impl of native ? [ts, native] : [ts]) {
      const p = setup(impl, size);
      tasks[`${impl.name} lifecycle ${size}`] = { fn: () => lifecycle(p, latencies), units: BATCH };
      const q = setup(impl, size);
      tasks[`${impl.name} pick ${size}`] = { fn: () => picks(q), units: BATCH };
    }
  }
  const ns = await nsPerUnit(tasks);
  return sizes.flatMap((size): Row[] => [
    {
      job: 'p2c',
      input: `${size} endpoints: pick + start + finish`,
      unit: 'request',
      tsNs: ns[`ts lifecycle ${size}`]!,
      nativeNs: ns[`native lifecycle ${size}`] ?? null,
    },
    {
      job: 'p2c',
      input: `${size} endpoints: pick only`,
      unit: 'pick',
      tsNs: ns[`ts pick ${size}`]!,
      nativeNs: ns[`native pick ${size}`] ?? null,
    },
  ]);
}

runIfMain(import.meta.url, p2cBench);
