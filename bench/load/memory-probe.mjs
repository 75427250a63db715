// Where a process's memory goes: preloaded into a gateway (`node --import ./bench/load/memory-probe.mjs
// dist/main.js ...`), on SIGUSR2 it writes to the file AGW_MEMORY_PROBE_OUT (one JSON line per
// signal): process.memoryUsage() (heap, external, array buffers), V8's heap spaces and code
// statistics, RssAnon/RssFile from /proc, and the packages loaded so far with how many of
// their files and how many bytes of source. `--gc` in AGW_MEMORY_PROBE (and the process run
// with --expose-gc) collects first, so the heap figures are live objects, not garbage.
// Diagnostic only (bench/load/memory-lane.ts measures RSS without it).
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import Module, { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

const out = process.env.AGW_MEMORY_PROBE_OUT;
const files = new Set();
const PKG = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

// ES modules: a resolve hook on the loader thread posts each resolved URL back.
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => files.add(url.startsWith('file:') ? fileURLToPath(url) : url));
port1.unref();
register('./memory-probe-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });

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

const mb = (n) => Math.round((n / 1048576) * 10) / 10;

process.on('SIGUSR2', () => {
  if ((process.env.AGW_MEMORY_PROBE ?? '').includes('gc') && typeof globalThis.gc === 'function') globalThis.gc();
  const mu = process.memoryUsage();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: mb(s.space_size), used: mb(s.space_used_size) }]),
  );
  const code = v8.getHeapCodeStatistics();
  const line = {
    at: new Date().toISOString(),
    proc: status(),
    memoryUsage: Object.fromEntries(Object.entries(mu).map(([k, v]) => [k, mb(v)])),
    spaces,
    code: { bytecodeAndMetadata: mb(code.bytecode_and_metadata_size), code: mb(code.code_and_metadata_size) },
    packages: packages(),
  };
  if (out) appendFileSync(out, `${JSON.stringify(line)}\n`);
});
