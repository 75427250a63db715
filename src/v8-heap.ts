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
// - After a busy spell (startup counts as one), once the thread has been quiet for QUIET_CHECKS
//   checks, one full GC: V8 shrinks new space at a GC that sees low allocation (measured: not
//   within ~5 s of the last busy GC, at once after), and returns emptied pages. Startup loads every
//   module before v8-flags.ts runs (ES modules link first), which grows new space to 8 MB per
//   semi-space: this GC, ~7 s after start, is what brings it back.
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
/** Quiet checks in a row before the full GC (7 s): V8 shrinks new space only once allocation has been low for a while. */
const QUIET_CHECKS = 2;

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
 * Once per thread, when its gateway serves: the new-space cap, the GC once quiet. `dataPlane`
 * false: the main thread of `--workers N` (it hands connections over): the growth factor is
 * process-wide, and capping here would also stop the worker threads' new space growing.
 */
export function heapAfterStart(dataPlane = true): void {
  if (started) return;
  started = true;
  if (isMainThread && !userSet) {
    if (dataPlane) capNewSpace(SEMI_SPACE_MB * 2 * 1024 * 1024);
    else setFlagsFromString('--semi-space-growth-factor=2');
  }
  const gc = exposeGc();
  if (gc !== undefined) collectWhenQuiet(gc);
}

/**
 * V8's gc() for this thread, without a `gc` global: the flag is on only while a context is made.
 * A worker thread's new contexts do not get it (Node 20): there V8's own memory reducer is left to it.
 */
type Gc = (options: { type: 'minor' | 'major' }) => void;

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

/**
 * After a busy spell (startup counts as one): a minor GC at each quiet check, then a full GC at
 * the QUIET_CHECKS-th. V8 sizes new space by the allocation rate between GCs: with no GC since the
 * busy spell it sees none and keeps new space as it was, so the minor GCs give it a quiet sample
 * first (measured with --trace-gc: a lone full GC 7 s after start left new space at 16 MB).
 */
function collectWhenQuiet(gc: Gc): void {
  let last: EventLoopUtilization = performance.eventLoopUtilization();
  let busy = true;
  let quiet = 0;
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const elu = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    if (elu > BUSY_ELU) {
      busy = true;
      quiet = 0;
      return;
    }
    if (!busy) return;
    if (++quiet < QUIET_CHECKS) return gc({ type: 'minor' });
    busy = false;
    quiet = 0;
    gc({ type: 'major' });
  }, CHECK_MS).unref();
}
