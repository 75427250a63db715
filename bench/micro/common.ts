// Shared plumbing for the micro benchmarks: both implementations from the facade, a tinybench
// run that reports ns per unit of work, and the output checks every benchmark performs (a
// benchmark that measures wrong output measures nothing).
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';
import { implementations, type Implementation, type NativeJob } from '../../src/native/index.js';

export interface Row {
  job: NativeJob;
  input: string;
  /** What one "op" is, e.g. "event", "request", "pick". */
  unit: string;
  tsNs: number;
  nativeNs: number | null;
  /** Extra native variants measured for a design decision (name -> ns per unit). */
  variants?: Record<string, number>;
}

/** Time budget per task and round; `BENCH_TIME_MS=2000` for steadier numbers. */
export const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 500);
/** Each task runs this many rounds, interleaved with the others; the median is reported. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

export function impls(): { ts: Implementation; native: Implementation | null; reason?: string } {
  const { ts, native, nativeUnavailable } = implementations();
  return { ts, native, reason: nativeUnavailable };
}

export interface Task {
  fn: () => void;
  /** Units of work per call, so results come out per event / request / pick. */
  units: number;
}

/**
 * Runs the tasks ROUNDS times (a VM's noise and GC state drift within one pass; interleaved
 * rounds spread that over both implementations) and returns the median ns per unit by task
 * name. Task errors (failed output checks) abort the run.
 */
export async function nsPerUnit(tasks: Record<string, Task>): Promise<Record<string, number>> {
  const samples: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const bench = new Bench({ time: TIME_MS, warmupTime: Math.min(200, TIME_MS), throws: true });
    for (const [name, t] of Object.entries(tasks)) bench.add(name, t.fn);
    await bench.run();
    for (const task of bench.tasks) {
      const r = task.result;
      if (r.state !== 'completed') throw new Error(`benchmark task ${task.name} did not complete (${r.state})`);
      (samples[task.name] ??= []).push((r.period * 1e6) / tasks[task.name]!.units);
    }
  }
  const out: Record<string, number> = {};
  for (const [name, xs] of Object.entries(samples)) out[name] = xs.sort((a, b) => a - b)[xs.length >> 1]!;
  return out;
}

export function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`benchmark output check failed: ${what}`);
}

/** Runs `main` when the file is executed directly (`npx tsx bench/micro/sse.bench.ts`). */
export function runIfMain(moduleUrl: string, main: () => Promise<Row[]>): void {
  if (process.argv[1] === undefined || pathToFileURL(process.argv[1]).href !== moduleUrl) return;
  main().then(
    (rows) => console.log(formatTable(rows)),
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}

const fmt = (ns: number): string => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);

export function formatTable(rows: readonly Row[]): string {
  const lines = ['| job | input | per | TS | native | native vs TS |', '| --- | --- | --- | ---: | ---: | ---: |'];
  for (const r of rows) {
    const native = r.nativeNs === null ? 'n/a' : fmt(r.nativeNs);
    const ratio = r.nativeNs === null ? 'n/a' : `${(r.tsNs / r.nativeNs).toFixed(2)}×`;
    lines.push(`| ${r.job} | ${r.input} | ${r.unit} | ${fmt(r.tsNs)} | ${native} | ${ratio} |`);
    for (const [name, ns] of Object.entries(r.variants ?? {})) {
      lines.push(`| ${r.job} | ${r.input}: ${name} | ${r.unit} | | ${fmt(ns)} | ${(r.tsNs / ns).toFixed(2)}× |`);
    }
  }
  return lines.join('\n');
}
