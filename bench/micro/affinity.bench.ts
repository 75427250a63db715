// Session-affinity hashing, native vs TS: a session key hashed from a prompt prefix (the 16 KiB
// default bound, and a short header value), and a rendezvous choice over 4 and 64 providers.
// Before timing, both implementations must give the same hashes and the same choices.
import type { Implementation } from '../../src/native/index.js';
import { check, impls, nsPerUnit, runIfMain, type Row, type Task } from './common.js';

const BATCH = 1000;
// Flattened (a sliced string reads slower), as the gateway's prefix text, made by join(), is.
const PREFIX: string = JSON.parse(JSON.stringify('You are a coding agent. Follow the style guide. '.repeat(400).slice(0, 16_384)));
const HEADER = 'session-4f1c2a9e-7d3b';

function providers(n: number, impl: Implementation): Uint32Array {
  return Uint32Array.from({ length: n }, (_, i) => impl.affinity.hash(`provider-${i}`, 0x9747b28c));
}

export async function affinityBench(): Promise<Row[]> {
  const { ts, native } = impls();
  const sizes = [4, 64];
  if (native) {
    for (const text of [PREFIX, HEADER, 'é∑ unicode 🚀']) check(ts.affinity.hash(text, 7) === native.affinity.hash(text, 7), 'same hashes');
    for (const n of sizes) {
      const h = providers(n, ts);
      const all = new Uint8Array(n).fill(1);
      for (let k = 0; k < 500; k++)
        check(ts.affinity.rendezvous(k * 2654435761, h, all) === native.affinity.rendezvous(k * 2654435761, h, all), 'same choices');
    }
  }
  const tasks: Record<string, Task> = {};
  for (const impl of native ? [ts, native] : [ts]) {
    const a = impl.affinity;
    tasks[`${impl.name} prefix`] = { fn: () => check(a.hash(PREFIX, 1) >= 0, 'hash'), units: 1 };
    tasks[`${impl.name} header`] = {
      fn: () => {
        let x = 0;
        for (let k = 0; k < BATCH; k++) x = (x ^ a.hash(HEADER, k)) >>> 0;
        check(x >= 0, 'hash');
      },
      units: BATCH,
    };
    for (const n of sizes) {
      const h = providers(n, impl);
      const all = new Uint8Array(n).fill(1);
      tasks[`${impl.name} rendezvous ${n}`] = {
        fn: () => {
          let s = 0;
          for (let k = 0; k < BATCH; k++) s += a.rendezvous(k * 2654435761, h, all);
          check(s >= 0, 'choices in range');
        },
        units: BATCH,
      };
    }
  }
  const ns = await nsPerUnit(tasks);
  const row = (input: string, unit: string, key: string): Row => ({
    job: 'affinity',
    input,
    unit,
    tsNs: ns[`ts ${key}`]!,
    nativeNs: ns[`native ${key}`] ?? null,
  });
  return [
    row('16 KiB prompt prefix: key hash', 'key', 'prefix'),
    row('21-char header value: key hash', 'key', 'header'),
    ...sizes.map((n) => row(`rendezvous over ${n} providers`, 'choice', `rendezvous ${n}`)),
  ];
}

runIfMain(import.meta.url, affinityBench);
