// Why the addon cannot win header rewriting and pick-2 (issue 18): both already cross the
// boundary once per unit of work (a whole header block as one NUL-joined string; pick-2 state in
// memory shared with Rust), so what is left is the price of crossing itself. This measures that
// floor next to the whole TS job:
// - the cheapest addon call there is (PickTwo#activeCount over 2 endpoints: call, unwrap, a
//   2-element loop) against TS's whole pick + start + finish;
// - only the JS side of the header crossing (joining 40 strings with NUL, before Rust has read a
//   byte) against TS's whole rewrite of the same 20-header request.
// When the floor alone costs as much as TS's whole job, no batching can make native faster.
//   npx tsx bench/micro/boundary.ts
import { compileHeaderRules } from '../../src/native/index.js';
import { check, impls, nsPerUnit, runIfMain, type Row } from './common.js';

const BATCH = 1000;
const NOW = 1_000_000;

const REQUEST = Array.from({ length: 20 }, (_, i) => [`x-header-${i}`, `value-${i}-0123456789abcdef`]).flat();

async function boundary(): Promise<Row[]> {
  const { ts, native, reason } = impls();
  if (native === null) throw new Error(`the addon is needed to measure its boundary (${reason})`);
  const [tsP, nativeP] = [ts.createPickTwo(2, { seed: 1 }), native.createPickTwo(2, { seed: 1 })];
  for (const p of [tsP, nativeP]) for (let i = 0; i < 2; i++) p.setWeight(i, 1);
  const rules = compileHeaderRules({ direction: 'request', set: { 'x-gateway': 'agentgateway' } });
  let sink = 0;
  const ns = await nsPerUnit({
    'ts pick+start+finish': {
      fn: () => {
        for (let k = 0; k < BATCH; k++) {
          const i = tsP.pick(NOW);
          tsP.start(i);
          tsP.finish(i, 0.5, true);
        }
      },
      units: BATCH,
    },
    'native cheapest call': {
      fn: () => {
        for (let k = 0; k < BATCH; k++) sink += nativeP.activeCount(NOW);
      },
      units: BATCH,
    },
    'ts header rewrite': { fn: () => void (sink += ts.headers.strings(REQUEST, rules).length), units: 1 },
    'native header rewrite': { fn: () => void (sink += native.headers.strings(REQUEST, rules).length), units: 1 },
    'join 40 strings with NUL (JS side of the crossing)': { fn: () => void (sink += REQUEST.join('\0').length), units: 1 },
  });
  check(sink > 0, 'work was done');
  return [
    {
      job: 'p2c',
      input: 'TS whole lifecycle vs the cheapest native call',
      unit: 'request',
      tsNs: ns['ts pick+start+finish']!,
      nativeNs: ns['native cheapest call']!,
    },
    {
      job: 'headers',
      input: 'TS whole rewrite vs native whole rewrite',
      unit: 'request',
      tsNs: ns['ts header rewrite']!,
      nativeNs: ns['native header rewrite']!,
    },
    {
      job: 'headers',
      input: 'TS whole rewrite vs only joining the strings to cross',
      unit: 'request',
      tsNs: ns['ts header rewrite']!,
      nativeNs: ns['join 40 strings with NUL (JS side of the crossing)']!,
    },
  ];
}

runIfMain(import.meta.url, boundary);
