// Where a process's memory goes: preloaded into a gateway (`node --import ./bench/load/memory-probe.mjs
// dist/main.js ...`), on SIGUSR2 it writes to the file AGW_MEMORY_PROBE_OUT (one JSON line per
// signal): process.memoryUsage() (heap, external, array buffers), V8's heap spaces, heap and code
// statistics, /proc's RssAnon/RssFile and the resident pages of /proc/self/smaps by kind (files,
// the main malloc arena `[heap]`, other malloc arenas, other anonymous memory: V8's pages, thread
// stacks, large malloc blocks), and the packages loaded so far with how many of their files and
// how many bytes of source.
//
// AGW_MEMORY_PROBE (words): `gc` collects first (the process run with --expose-gc), so the heap
// figures are live objects, not garbage; `nopackages` leaves out the package list and its
// loader-thread hook (a thread of its own, whose memory would count). Steps: when the file
// `${AGW_MEMORY_PROBE_OUT}.steps` exists at a signal, each of its comma-separated steps runs in
// turn and a line is written after each: `read` (nothing), `trim` (glibc's malloc_trim through
// the native addon), `minor`/`major` (a GC: `gc()` for the full one, Node 20 takes
// `gc({ type: 'major' })` for a scavenge), `snapshot` (a heap snapshot to `${out}.heapsnapshot`). Diagnostic only (bench/load/memory-lane.ts measures RSS
// without it).
import { appendFileSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import Module, { createRequire, register } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

const out = process.env.AGW_MEMORY_PROBE_OUT;
const words = (process.env.AGW_MEMORY_PROBE ?? '').split(/[\s,]+/);
const files = new Set();
const PKG = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

if (!words.includes('nopackages')) {
  // ES modules: a resolve hook on the loader thread posts each resolved URL back.
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url) => files.add(url.startsWith('file:') ? fileURLToPath(url) : url));
  port1.unref();
  register('./memory-probe-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
}

function packages() {
  for (const f of Object.keys(Module._cache)) files.add(f);
  const by = new Map();
  for (const f of files) {
    if (f.startsWith('node:')) continue;
    const m = PKG.exec(f);
    const name = m ? m[1] : f.includes('/dist/') ? '(gateway dist)' : '(other)';
    let size = 0;
    try {
      size = statSync(f).size;
    } catch {}
    const e = by.get(name) ?? { files: 0, kb: 0 };
    e.files++;
    e.kb += size / 1024;
    by.set(name, e);
  }
  return [...by].sort((a, b) => b[1].kb - a[1].kb).map(([name, e]) => ({ name, files: e.files, kb: Math.round(e.kb) }));
}

function status() {
  const s = readFileSync('/proc/self/status', 'utf8');
  const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(s)?.[1] ?? NaN);
  return { VmRSS: kb('VmRSS') >> 10, VmHWM: kb('VmHWM') >> 10, RssAnon: kb('RssAnon') >> 10, RssFile: kb('RssFile') >> 10 };
}

const ARENA = 64 * 1024 * 1024; // glibc's HEAP_MAX_SIZE on 64-bit: a thread arena's reservation, aligned to its size

/**
 * Resident MB per kind of mapping. A thread arena is an anonymous read-write mapping at a 64 MiB
 * boundary whose rest of the 64 MiB is reserved (---p) right after it.
 */
function smaps() {
  const maps = [];
  let cur;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3], path: head[4], rss: 0 };
      maps.push(cur);
    } else if (cur && line.startsWith('Rss:')) cur.rss = Number(/(\d+)/.exec(line)[1]);
  }
  const kinds = { file: 0, mallocMain: 0, mallocArenas: 0, stack: 0, otherAnon: 0 };
  for (const [i, m] of maps.entries()) {
    let kind = 'otherAnon';
    if (m.path.startsWith('/')) kind = 'file';
    else if (m.path === '[heap]') kind = 'mallocMain';
    else if (m.path.startsWith('[stack')) kind = 'stack';
    else if (m.path === '' && m.perms.startsWith('rw') && m.start % BigInt(ARENA) === 0n) {
      const next = maps[i + 1];
      const size = m.end - m.start + (next && next.start === m.end && next.perms.startsWith('---') ? next.end - next.start : 0n);
      if (size === BigInt(ARENA)) kind = 'mallocArenas';
    }
    kinds[kind] += m.rss;
  }
  return Object.fromEntries(Object.entries(kinds).map(([k, kb]) => [k, Math.round(kb / 102.4) / 10]));
}

const mb = (n) => Math.round((n / 1048576) * 10) / 10;

/** V8's gc() without a `gc` global (as src/v8-heap.ts takes it). */
function takeGc() {
  v8.setFlagsFromString('--expose-gc');
  try {
    return runInNewContext('typeof gc === "function" ? gc : undefined');
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

let gc;
let addon;

function step(name) {
  if (name === 'read') return {};
  if (name === 'snapshot') return { snapshot: v8.writeHeapSnapshot(`${out}.heapsnapshot`) };
  if (name === 'trim') {
    addon ??= createRequire(import.meta.url)('../../native/agentgateway_native.node');
    return { trimmed: typeof addon.trimMalloc === 'function' ? addon.trimMalloc() : 'no trimMalloc in this addon' };
  }
  gc ??= takeGc();
  const t0 = performance.now();
  if (name === 'minor') gc({ type: 'minor' });
  else if (name === 'major') gc();
  return { gcMs: Math.round((performance.now() - t0) * 10) / 10 };
}

function write(label, extra) {
  const mu = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: mb(s.space_size), used: mb(s.space_used_size) }]),
  );
  const heap = v8.getHeapStatistics();
  const code = v8.getHeapCodeStatistics();
  const line = {
    at: new Date().toISOString(),
    label,
    ...extra,
    proc: status(),
    smaps: smaps(),
    memoryUsage: Object.fromEntries(Object.entries(mu).map(([k, v]) => [k, mb(v)])),
    heap: { physical: mb(heap.total_physical_size), malloced: mb(heap.malloced_memory), peakMalloced: mb(heap.peak_malloced_memory) },
    spaces,
    code: { bytecodeAndMetadata: mb(code.bytecode_and_metadata_size), code: mb(code.code_and_metadata_size) },
    ...(words.includes('nopackages') ? {} : { packages: packages() }),
  };
  if (out) appendFileSync(out, `${JSON.stringify(line)}\n`);
}

process.on('SIGUSR2', () => {
  if (words.includes('gc') && typeof globalThis.gc === 'function') globalThis.gc();
  const stepsFile = `${out}.steps`;
  if (out === undefined || !existsSync(stepsFile)) return write('read', {});
  const steps = readFileSync(stepsFile, 'utf8').trim().split(',');
  rmSync(stepsFile);
  for (const s of steps) write(s, step(s));
});
