// How much memory V8 keeps (issue 18: idle RSS, peak under load, back down after it).
// v8-flags.ts (imported first by main.ts) calls heapAtStart() before any other module
// runs; heapAfterStart() runs once per thread when its gateway serves (Gateway.start).
//
// New space (young objects) is two semi-spaces that V8 doubles, up to 16 MB each, whenever a
// scavenge finds more survivors than they hold, and shrinks only at a GC that sees little
// allocation. Node's defaults left a started, idle gateway with 32 MB of new space (module
// loading and the config compile grew it) and a loaded one with 32 MB more than it needs; and
// nothing collects once traffic stops, so RSS stayed at its peak. Here:
//
// - Old space: V8 lets it grow to up to 4x what the last full GC kept before the next one, so
//   traffic that promotes short-lived objects (requests in flight at a scavenge) ran the heap up
//   to 180 MB. --heap-growing-percent (read at every full GC, so it applies from here on, in
//   every thread) makes the headroom 20% (V8 adds at least 8 MB): peak 178 -> 130 MB with CPU
//   per request unchanged (README "Memory"). A user's --heap-growing-percent wins.
// - Worker threads (isolates created after this module ran) get --max-semi-space-size, which V8
//   reads when it creates an isolate (the same as Worker resourceLimits.maxYoungGenerationSizeMb).
// - This thread's maximum was fixed when Node started (a flag set now does not resize it), but V8
//   reads --semi-space-growth-factor at every growth: 1 stops growth. Startup runs at the initial
//   size (1 MB); once serving, a GC observer lets new space grow to SEMI_SPACE_MB per semi-space
//   and no further. `node --max-semi-space-size=N` given by the user wins.
// - Once started, and after each busy spell once the thread has been quiet for QUIET_CHECKS
//   checks (a minor GC at each): a full GC and `release` (malloc_trim through the addon: memory
//   freed under load otherwise stays with glibc's malloc). That full GC does not shrink new
//   space: V8 does that only at a GC that sees a low allocation rate over the last ~5 s, or at a
//   memory-reducing one (measured: a minor and a full GC 1 s or 6 s after ready left new space
//   at 16 MB, with or without --optimize-for-size around them). What it does is arm V8's memory
//   reducer, which runs a memory-reducing GC 8 s after a full GC when allocation is low (seen
//   with --trace-gc as `Mark-Compact (reduce)`, committed heap 42 -> 24 MB): new space shrinks
//   to 1 MB per semi-space and emptied old-space pages go back. Startup loads every module before
//   v8-flags.ts runs (ES modules link first), which grows new space to 8 MB per semi-space: the
//   full GC at start is what brings it back, ~9 s after ready. Until 2026-12-08 the GC here was
//   `gc({ type: 'major' })`, which Node 20 runs as a scavenge (see Gc): no full GC, so the
//   reducer was never armed by it.
import { isMainThread } from 'node:worker_threads';
import { PerformanceObserver, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Largest semi-space (MB). Measured (README "Memory"): 4 MB keeps CPU per request within noise. */
const SEMI_SPACE_MB = userSemiSpaceMb() ?? 4;
/** How often a thread checks whether it went quiet. */
const CHECK_MS = 3500;
/** Event-loop utilisation above this over a check is traffic; below it, quiet. */
const BUSY_ELU = 0.02;
/** Quiet checks in a row before the full GC (7 s). */
const QUIET_CHECKS = 2;
/**
 * Minor GCs at the quiet checks after a full GC: quiet allocation samples for V8's memory reducer,
 * which the full GC armed and which runs its memory-reducing GC only once the allocation rate it
 * computes from recent GC samples is low; without them, the busy spell's samples kept it waiting
 * another 8 s in about one run of two (idle 96 MB at 15 s instead of 79).
 */
const SAMPLE_CHECKS = 3;

/** Old-space headroom over what the last full GC kept, in percent. */
const HEAP_GROWING_PERCENT = 20;

function userSemiSpaceMb(): number | undefined {
  for (const a of process.execArgv) {
    const m = /^--max[-_]semi[-_]space[-_]size=(\d+)$/.exec(a);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const userSet = userSemiSpaceMb() !== undefined;

/** Process start: old-space headroom; worker threads' new-space maximum, none here until heapAfterStart(). */
export function heapAtStart(): void {
  if (!process.execArgv.some((a) => /^--heap[-_]growing[-_]percent=/.test(a))) {
    setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  }
  if (userSet) return;
  setFlagsFromString(`--max-semi-space-size=${SEMI_SPACE_MB}`);
  if (isMainThread) setFlagsFromString('--semi-space-growth-factor=1');
}

let started = false;

/**
 * Once per thread, when its gateway serves: the new-space cap, a settling GC now and once quiet
 * after each busy spell. `dataPlane`
 * false: the main thread of `--workers N` (it hands connections over): the growth factor is
 * process-wide, and capping here would also stop the worker threads' new space growing.
 * `release` hands malloc's free memory back to the kernel (the addon's trimMalloc, given by
 * gateway.ts so that this module, which v8-flags.ts runs first, loads nothing else).
 */
export function heapAfterStart(dataPlane = true, release: () => unknown = () => undefined): void {
  if (started) return;
  started = true;
  if (isMainThread && !userSet) {
    if (dataPlane) capNewSpace(SEMI_SPACE_MB * 2 * 1024 * 1024);
    else setFlagsFromString('--semi-space-growth-factor=2');
  }
  const gc = exposeGc();
  // After the ready line is out (Gateway.start's caller logs it in the same turn).
  setImmediate(() => settle(gc, release));
  const check = quietCollector(gc, release);
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    check(performance.eventLoopUtilization(now, last).utilization);
    last = now;
  }, CHECK_MS).unref();
}

/**
 * V8's gc() for this thread, without a `gc` global: the flag is on only while a context is made.
 * A worker thread's new contexts do not get it (Node 20): there V8's own memory reducer is left to it.
 * `gc()` is a full GC; `gc({ type: 'minor' })` a scavenge. Not `gc({ type: 'major' })`: Node 20's
 * V8 (11.3) reads only `type: 'minor'` and `execution: 'async'`, and takes any other object as a
 * truthy argument, which means a scavenge (measured with --trace-gc).
 */
export type Gc = (options?: { type: 'minor' }) => void;

function exposeGc(): Gc | undefined {
  setFlagsFromString('--expose-gc');
  try {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? (gc as Gc) : undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/** Growth factor 2 below `bytes` of new space (both semi-spaces), 1 at it: checked after every GC. */
function capNewSpace(bytes: number): void {
  let factor = 0;
  const check = (): void => {
    const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const want = size >= bytes ? 1 : 2;
    if (want === factor) return;
    factor = want;
    setFlagsFromString(`--semi-space-growth-factor=${want}`);
  };
  check();
  new PerformanceObserver(check).observe({ entryTypes: ['gc'] });
}

/** A full GC (it also arms V8's memory reducer), then malloc's free memory back to the kernel. */
function settle(gc: Gc | undefined, release: () => unknown): void {
  gc?.();
  release();
}

/**
 * What each quiet check does, given the event-loop utilisation since the last one. After a busy
 * spell: a minor GC at each quiet check, then at the QUIET_CHECKS-th `settle` (a full GC and
 * `release`: what the full GC freed outside V8's heap, ArrayBuffer stores and native objects, and
 * what V8's compiler threads and uWS/undici's buffers left in glibc's arenas stays resident
 * otherwise), then a minor GC at each of the SAMPLE_CHECKS next quiet checks. The minor GCs give
 * V8 quiet allocation samples, before the full GC and for the memory reducer after it. Startup is
 * settled at once (heapAfterStart), so it does not count as a busy spell; its sampling checks
 * follow. Without `gc` (a worker thread) only `release` runs.
 */
export function quietCollector(gc: Gc | undefined, release: () => unknown): (elu: number) => void {
  let busy = false;
  let quiet = 0;
  let samples = SAMPLE_CHECKS; // heapAfterStart settles startup at once
  return (elu) => {
    if (elu > BUSY_ELU) {
      busy = true;
      quiet = 0;
      samples = 0;
      return;
    }
    if (!busy) {
      if (samples > 0) {
        samples--;
        gc?.({ type: 'minor' });
      }
      return;
    }
    if (++quiet < QUIET_CHECKS) return gc?.({ type: 'minor' });
    busy = false;
    quiet = 0;
    samples = SAMPLE_CHECKS;
    settle(gc, release);
  };
}
