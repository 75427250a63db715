// Allocation by function, garbage included: a preload that samples the V8 heap with the objects
// young and old collections freed kept in the profile (HeapProfiler.startSampling with
// includeObjectsCollectedBy{Minor,Major}GC), where --heap-prof only keeps what is still alive.
// GC time per request follows the bytes a request allocates, so this finds what to cut.
//   HEAP_OUT=/tmp/alloc.json node --import ./bench/load/alloc-sampler.mjs dist/main.js -f <config>
//   kill -USR1 <pid>   # after the warmup: start sampling (one sample per 4 KiB allocated)
//   kill -USR2 <pid>   # after the load: write the profile (Chrome DevTools .heapprofile JSON)
//   node bench/load/alloc-summary.mjs /tmp/alloc.json <requests>   # bytes per request by function
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const s = new Session();
s.connect();
const post = (m, p) => new Promise((r, j) => s.post(m, p, (e, v) => (e ? j(e) : r(v))));
await post('HeapProfiler.enable');
process.on('SIGUSR1', async () => {
  await post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  process.stderr.write('sampling started\n');
});
process.on('SIGUSR2', async () => {
  const { profile } = await post('HeapProfiler.stopSampling');
  writeFileSync(process.env.HEAP_OUT, JSON.stringify(profile));
  process.stderr.write('sampling written\n');
});
