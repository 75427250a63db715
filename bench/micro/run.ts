// Runs every micro benchmark and prints one table (native vs TS per job and input), then the
// per-job verdict the facade's default follows: native where its geometric-mean speedup over
// the job's inputs is above 1. Also writes bench/results/micro.json.
// `npx tsx bench/micro/run.ts`; BENCH_TIME_MS and BENCH_ROUNDS trade time for steadiness.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { describeNative, PREFERRED, type NativeJob } from '../../src/native/index.js';
import { formatTable, impls, ROUNDS, TIME_MS, type Row } from './common.js';
import { affinityBench } from './affinity.bench.js';
import { headersBench } from './headers.bench.js';
import { p2cBench } from './p2c.bench.js';
import { sseBench } from './sse.bench.js';

/** Geometric mean of TS time / native time over a job's inputs (> 1: native is faster). */
function verdicts(rows: readonly Row[]): { job: NativeJob; speedup: number }[] {
  const jobs = [...new Set(rows.map((r) => r.job))];
  return jobs.flatMap((job) => {
    const ratios = rows.filter((r) => r.job === job && r.nativeNs !== null).map((r) => r.tsNs / r.nativeNs!);
    if (ratios.length === 0) return [];
    return [{ job, speedup: Math.exp(ratios.reduce((s, x) => s + Math.log(x), 0) / ratios.length) }];
  });
}

async function main(): Promise<void> {
  const { native, reason } = impls();
  if (native === null) console.warn(`native addon unavailable (${reason}): measuring TS only`);
  console.error(
    `${describeNative()}\n${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, node ${process.version}, median of ${ROUNDS} rounds of ${TIME_MS} ms per task`,
  );
  const rows: Row[] = [];
  for (const bench of [sseBench, headersBench, p2cBench, affinityBench]) rows.push(...(await bench()));
  console.log(formatTable(rows));

  const summary = verdicts(rows);
  console.log('\n| job | native vs TS (geometric mean) | faster | facade default |\n| --- | ---: | --- | --- |');
  for (const { job, speedup } of summary) {
    const faster = speedup > 1 ? 'native' : 'ts';
    const note = faster === PREFERRED[job] ? '' : ' (differs from this run: update PREFERRED in src/native/index.ts?)';
    console.log(`| ${job} | ${speedup.toFixed(2)}× | ${faster} | ${PREFERRED[job]}${note} |`);
  }
  mkdirSync(new URL('../results/', import.meta.url), { recursive: true });
  const file = new URL('../results/micro.json', import.meta.url);
  writeFileSync(
    file,
    JSON.stringify({ node: process.version, cpu: cpus()[0]?.model, timeMs: TIME_MS, rounds: ROUNDS, rows, summary }, null, 2),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
