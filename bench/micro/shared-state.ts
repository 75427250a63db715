// What per-gateway state costs with worker threads (`--workers N`): the same operations on the
// per-thread structures (one thread, `--workers 1`) and on the SharedArrayBuffer ones (the arena
// and its spin lock), per request:
// - pick-2 lifecycle of an AI backend's group of 8 (pick, started, finished): TsPickTwo in the
//   thread's memory vs its columns in the arena (updates under the lock, picks lock-free);
// - a local rate limit: find the client's bucket among 1,000 keys and debit it (Map vs the
//   shared open-addressed table, under the lock);
// - session affinity: choose() for one of 1,000 sessions (Map vs the shared session table).
// Then the shared pick-2 lifecycle and bucket take run on 2 threads at once against the same
// arena (lock contention), next to one thread alone.
//
//   npx tsx bench/micro/shared-state.ts     (writes bench/results/<time>-shared-state.md)
import { mkdirSync, writeFileSync } from 'node:fs';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { SessionTable } from '../../src/lb/affinity.js';
import { BalancerState, type Slot } from '../../src/lb/balancer.js';
import { LocalSessionStore, SharedSessionStore } from '../../src/lb/session-store.js';
import { AFFINITY_KEY_SEED, affinityHasher } from '../../src/native/index.js';
import { SharedArena } from '../../src/policies/shared-arena.js';
import { SharedBucketTable } from '../../src/policies/shared-buckets.js';
import { type BucketSpec, TokenBucket } from '../../src/policies/token-bucket.js';
import { check, nsPerUnit, type Task } from './common.js';

const BATCH = 1000;
const GROUP = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7'];
const SPEC: BucketSpec = { maxTokens: 1e12, tokensPerFill: 1, intervalMs: 60_000 };
const KEYS = Array.from({ length: 1000 }, (_, i) => `client-${i}`);

function p2cLifecycle(b: BalancerState, t0: number): () => void {
  let now = t0;
  return () => {
    for (let k = 0; k < BATCH; k++) {
      const s = b.pick(now);
      b.started(s);
      b.finished(s, 0.1 + (k % 7) * 0.05, k % 50 !== 0, now, null, {});
      now += 0.01;
    }
  };
}

function bucketTake(find: (key: string, now: number) => TokenBucket, lock: <T>(fn: () => T) => T): () => void {
  return () => {
    const now = Date.now();
    for (let k = 0; k < BATCH; k++) lock(() => find(KEYS[k % KEYS.length]!, now).debit(1, now));
  };
}

function sessions(t: SessionTable, b: BalancerState): () => void {
  const keys = KEYS.map((k) => affinityHasher().hash(k, AFFINITY_KEY_SEED));
  const tried: Slot[] = [];
  return () => {
    const now = Date.now();
    for (let k = 0; k < BATCH; k++) check(t.choose(b, keys[k % keys.length]!, now, tried).slot.index >= 0, 'a provider');
  };
}

function sharedParts(arena: SharedArena) {
  const balancer = new BalancerState([GROUP.length], { memory: arena, name: 'bench-p2c' });
  const buckets = new SharedBucketTable(arena, arena.region('bench-buckets', SharedBucketTable.bytes()), 'bench-buckets');
  const at = arena.region('bench-sessions', SharedSessionStore.bytes());
  const table = new SessionTable([GROUP], { ttlMs: 60_000, maxLoad: 0 }, new SharedSessionStore(arena, at));
  return { balancer, buckets, table };
}

async function singleThread(): Promise<string[]> {
  const arena = SharedArena.create();
  const shared = sharedParts(arena);
  const map = new Map<string, TokenBucket>();
  const localFind = (key: string, now: number) => {
    let b = map.get(key);
    if (b === undefined) map.set(key, (b = new TokenBucket(SPEC, now)));
    return b;
  };
  const none = <T>(fn: () => T): T => fn();
  const local = new BalancerState([GROUP.length]);
  const tasks: Record<string, Task> = {
    'p2c per thread': { fn: p2cLifecycle(local, 1e6), units: BATCH },
    'p2c shared': { fn: p2cLifecycle(shared.balancer, 1e6), units: BATCH },
    'bucket per thread': { fn: bucketTake(localFind, none), units: BATCH },
    'bucket shared': {
      fn: bucketTake(
        (k, n) => shared.buckets.bucket(SPEC, k, n),
        (fn) => shared.buckets.locked(fn),
      ),
      units: BATCH,
    },
    'affinity per thread': {
      fn: sessions(new SessionTable([GROUP], { ttlMs: 60_000, maxLoad: 0 }, new LocalSessionStore(100_000)), local),
      units: BATCH,
    },
    'affinity shared': { fn: sessions(shared.table, shared.balancer), units: BATCH },
  };
  const ns = await nsPerUnit(tasks);
  const row = (what: string, a: string, b: string) =>
    `| ${what} | ${ns[a]!.toFixed(0)} | ${ns[b]!.toFixed(0)} | +${(ns[b]! - ns[a]!).toFixed(0)} | ${(ns[b]! / ns[a]!).toFixed(2)}x |`;
  return [
    '| per request | per thread ns | shared ns | added ns | shared / per thread |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('pick-2 of 8: pick + started + finished', 'p2c per thread', 'p2c shared'),
    row('local rate limit: find bucket (1,000 keys) + debit', 'bucket per thread', 'bucket shared'),
    row('session affinity: choose (1,000 sessions, 8 providers)', 'affinity per thread', 'affinity shared'),
  ];
}

/** ns per op of `job` run for `ms` on each of `threads` threads against one arena. */
async function contended(threads: number, job: 'p2c' | 'bucket', ms: number): Promise<number> {
  const arena = SharedArena.create();
  sharedParts(arena);
  const runs = Array.from(
    { length: threads },
    () =>
      new Promise<number>((resolve, reject) => {
        // tsx's loader is registered in the worker first (workers do not inherit it).
        const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(import.meta.url)}); })`;
        const w = new Worker(boot, { eval: true, workerData: { buffer: arena.buffer, job, ms } });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  );
  const perOp = await Promise.all(runs);
  return perOp.reduce((a, b) => a + b, 0) / perOp.length;
}

function workerMain(): void {
  const { buffer, job, ms } = workerData as { buffer: SharedArrayBuffer; job: 'p2c' | 'bucket'; ms: number };
  const arena = new SharedArena(buffer);
  const parts = sharedParts(arena);
  const fn =
    job === 'p2c'
      ? p2cLifecycle(parts.balancer, 1e6)
      : bucketTake(
          (k, n) => parts.buckets.bucket(SPEC, k, n),
          (f) => parts.buckets.locked(f),
        );
  for (let i = 0; i < 200; i++) fn();
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    fn();
    ops += BATCH;
  }
  parentPort!.postMessage(((performance.now() - start) * 1e6) / ops);
}

async function main(): Promise<void> {
  const single = await singleThread();
  const lines = ['| shared op, per request | 1 thread ns | 2 threads at once, ns each | 2 / 1 |', '| --- | ---: | ---: | ---: |'];
  for (const job of ['p2c', 'bucket'] as const) {
    const one = [];
    const two = [];
    for (let r = 0; r < 3; r++) {
      one.push(await contended(1, job, 1000));
      two.push(await contended(2, job, 1000));
    }
    const med = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
    lines.push(
      `| ${job === 'p2c' ? 'pick-2 lifecycle' : 'bucket find + debit'} | ${med(one).toFixed(0)} | ${med(two).toFixed(0)} | ${(med(two) / med(one)).toFixed(2)}x |`,
    );
  }
  const out = [
    `# Shared-state cost (${new Date().toISOString()}, Node ${process.version}, load average ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`,
    '',
    ...single,
    '',
    ...lines,
    '',
  ].join('\n');
  console.log(out);
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}-shared-state.md`;
  writeFileSync(file, out);
  console.log(`wrote ${file}`);
}

if (isMainThread) await main();
else workerMain();
