// The worker threads of a gateway run with `--workers N` (N > 1), as the main thread sees them:
// it starts them on the serving config, hands each the connections the acceptor vetted (round
// robin over the workers that are ready), runs reloads in two phases (every worker compiles,
// then every worker swaps, or none does), sums their metrics on a scrape, drains them on
// shutdown, and restarts one that dies while the others keep serving.
import { closeSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { WorkerFanout } from './fanout.js';
import type { MetricsJson, Observability } from '../observability/index.js';
import { log } from '../observability/log.js';
import type { Dimension, RawSeries, WindowName } from '../observability/series.js';
import type { SharedArena } from '../policies/shared-arena.js';
import type { ConnectionDispatch } from './dispatch-server.js';
import type { ConnMessage, FromWorker, ThreadRuntime, ToWorker, WorkerInit } from './protocol.js';

/** A scrape (or /api/runtime) waits this long for a worker's answer before going without it. */
const METRICS_WAIT_MS = 2_000;
/** First restart delay after a worker died; doubles per death within a minute, capped. */
const RESTART_MS = 100;
const RESTART_MAX_MS = 10_000;

interface Slot {
  index: number;
  worker: Worker;
  threadId: number;
  /** Serving the pool's current config and taking connections. */
  ready: boolean;
  /** The config text it serves (or starts on). */
  source: string;
  /** Replies it owes, by sequence number. */
  replies: Map<number, (m: FromWorker | null) => void>;
  deaths: number;
  lastDeath: number;
  /** Connections handed to it. */
  sent: number;
  /** Connections it took in: word 0, counted by the worker (shared memory). */
  taken: Int32Array;
  /** Connections sent but maybe not taken yet, by send number: a dead worker's go to another. */
  unacked: { n: number; m: ConnMessage }[];
}

export interface PoolOptions {
  count: number;
  file: string;
  overrides: WorkerInit['overrides'];
  arena: SharedArena;
}

export class WorkerPool implements WorkerFanout, ConnectionDispatch {
  private readonly slots: (Slot | null)[];
  private next = 0;
  private seq = 0;
  private serving = '';
  private preparing: string | null = null;
  /** The workers a prepare went to (the ones a commit or abort is for). */
  private prepared: Slot[] = [];
  private stopping = false;
  /** Connections handed over while no worker was ready (all restarting). */
  private queued: ConnMessage[] = [];
  private readonly exits = new Map<number, () => void>();
  /** Set through the admin API; a restarted worker gets it too. */
  private logLevel: string | null = null;
  /** Per worker index: restarts, and connections served by its previous threads. */
  private readonly restarts: number[];
  private readonly connections: number[];
  /** The main thread's observability (the gateway hands it in): summed metrics, recent requests. */
  private obs: Observability | null = null;

  constructor(private readonly opts: PoolOptions) {
    this.slots = new Array<Slot | null>(opts.count).fill(null);
    this.restarts = new Array<number>(opts.count).fill(0);
    this.connections = new Array<number>(opts.count).fill(0);
  }

  get size(): number {
    return this.opts.count;
  }

  async start(source: string): Promise<void> {
    this.serving = source;
    const started = this.slots.map((_, i) => this.spawn(i, 0, 0));
    await Promise.all(started);
    log.info(`${this.opts.count} worker threads serving`);
  }

  dispatch(port: number, fd: number, kind: number, reason: number, target: string): void {
    const m: ConnMessage = { t: 'conn', port, fd, kind, reason, target };
    const slot = this.pick();
    if (slot === null) {
      if (this.stopping) closeSync(fd);
      else this.queued.push(m);
      return;
    }
    slot.sent++;
    const taken = Atomics.load(slot.taken, 0);
    while (slot.unacked.length > 0 && slot.unacked[0]!.n <= taken) slot.unacked.shift();
    slot.unacked.push({ n: slot.sent, m });
    slot.worker.postMessage(m);
  }

  /** Round robin over the ready workers. */
  private pick(): Slot | null {
    const n = this.slots.length;
    for (let k = 0; k < n; k++) {
      const s = this.slots[(this.next + k) % n];
      if (s?.ready) {
        this.next = (this.next + k + 1) % n;
        return s;
      }
    }
    return null;
  }

  async prepare(source: string): Promise<void> {
    this.preparing = source;
    this.prepared = this.live().filter((s) => s.ready);
    const replies = await this.ask((seq) => ({ t: 'prepare', seq, source }), null);
    const failed = replies.find((r) => r === null || (r.t === 'prepared' && r.error !== null));
    if (failed === undefined) return;
    this.abort();
    throw new Error(
      failed === null
        ? 'a worker thread stopped during the reload'
        : `a worker thread rejected the config: ${(failed as { error: string }).error}`,
    );
  }

  commit(): void {
    if (this.preparing === null) return;
    this.serving = this.preparing;
    this.preparing = null;
    for (const s of this.prepared) {
      s.worker.postMessage({ t: 'commit' } satisfies ToWorker);
      s.source = this.serving;
    }
    this.prepared = [];
    // A worker that became ready during the prepare missed it: it catches up before serving on.
    for (const s of this.live()) {
      if (!s.ready || s.source === this.serving) continue;
      s.ready = false;
      this.onReady(s, () => {});
    }
  }

  abort(): void {
    this.preparing = null;
    for (const s of this.prepared) s.worker.postMessage({ t: 'abort' } satisfies ToWorker);
    this.prepared = [];
  }

  /** Every ready worker's metrics as JSON (a worker that does not answer in time is left out). */
  async metrics(): Promise<MetricsJson[]> {
    const replies = await this.ask((seq) => ({ t: 'metrics', seq }), METRICS_WAIT_MS);
    return replies.flatMap((r) => (r?.t === 'metrics' ? [r.json] : []));
  }

  /** What every ready worker serves now (in flight per port, live objects), for /api/runtime. */
  async runtime(): Promise<ThreadRuntime[]> {
    const replies = await this.ask((seq) => ({ t: 'runtime', seq }), METRICS_WAIT_MS);
    return replies.flatMap((r) => (r?.t === 'runtime' ? [{ listeners: r.listeners, live: r.live }] : []));
  }

  observe(obs: Observability): void {
    this.obs = obs;
    obs.sumWorkerMetrics(() => this.metrics());
  }

  /** Every ready worker's console series of one window and dimension, for the admin's /api/series to sum. */
  async series(window: WindowName, by: Dimension): Promise<RawSeries[]> {
    const replies = await this.ask((seq) => ({ t: 'series', seq, window, by }), METRICS_WAIT_MS);
    return replies.flatMap((r) => (r?.t === 'series' ? [r.raw] : []));
  }

  /** Turns forwarding of finished requests to the admin's recent-requests ring on or off. */
  setRecent(on: boolean): void {
    for (const s of this.live()) s.worker.postMessage({ t: 'recent', on } satisfies ToWorker);
  }

  setLogLevel(level: string): void {
    this.logLevel = level;
    for (const s of this.live()) s.worker.postMessage({ t: 'logLevel', level } satisfies ToWorker);
  }

  pending(): string[] {
    return this.slots.flatMap((s, i) => (s?.ready ? [] : [`worker ${i}`]));
  }

  /** What the admin API shows: one entry per worker. */
  describe(): { index: number; threadId: number | null; ready: boolean; restarts: number; connections: number }[] {
    return this.slots.map((s, i) => ({
      index: i,
      threadId: s?.threadId ?? null,
      ready: s?.ready ?? false,
      restarts: this.restarts[i]!,
      connections: this.connections[i]! + (s?.sent ?? 0),
    }));
  }

  /** Stops a worker at once, as a crash would (its open connections drop); it is restarted. */
  async terminate(index: number): Promise<boolean> {
    const s = this.slots[index];
    if (s == null) return false;
    s.ready = false;
    await s.worker.terminate();
    return true;
  }

  async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    for (const m of this.queued) closeSync(m.fd);
    this.queued = [];
    const live = this.live();
    const exited = live.map((s) => new Promise<void>((resolve) => this.exits.set(s.index, resolve)));
    for (const s of live) s.worker.postMessage({ t: 'drain', graceMs } satisfies ToWorker);
    const late = setTimeout(() => {
      for (const s of this.live()) void s.worker.terminate();
    }, graceMs + 2_000);
    await Promise.all(exited);
    clearTimeout(late);
  }

  private live(): Slot[] {
    return this.slots.filter((s): s is Slot => s !== null);
  }

  /** Sends each ready worker a request and collects one reply per worker (null: died or timed out). */
  private ask(make: (seq: number) => ToWorker, timeoutMs: number | null): Promise<(FromWorker | null)[]> {
    return Promise.all(
      this.live()
        .filter((s) => s.ready)
        .map((s) => {
          const seq = ++this.seq;
          return new Promise<FromWorker | null>((resolve) => {
            const t = timeoutMs === null ? null : setTimeout(() => done(null), timeoutMs);
            const done = (m: FromWorker | null) => {
              if (t !== null) clearTimeout(t);
              s.replies.delete(seq);
              resolve(m);
            };
            s.replies.set(seq, done);
            s.worker.postMessage(make(seq));
          });
        }),
    );
  }

  private spawn(index: number, deaths: number, lastDeath: number): Promise<void> {
    const source = this.serving;
    const taken = new Int32Array(new SharedArrayBuffer(4));
    const init: WorkerInit = {
      index,
      taken: taken.buffer as SharedArrayBuffer,
      file: this.opts.file,
      source,
      overrides: this.opts.overrides,
      arena: this.opts.arena.buffer,
      recent: this.obs?.recent.enabled ?? false,
    };
    const worker = new Worker(new URL('../worker.js', import.meta.url), { workerData: init });
    const slot: Slot = {
      index,
      worker,
      threadId: worker.threadId,
      ready: false,
      source,
      replies: new Map(),
      deaths,
      lastDeath,
      sent: 0,
      taken,
      unacked: [],
    };
    this.slots[index] = slot;
    return new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromWorker) => this.onMessage(slot, m, resolve, reject));
      worker.on('error', (err) => log.error({ err, worker: index }, `worker ${index} failed`));
      worker.on('exit', (code) => {
        this.onExit(slot, code);
        reject(new Error(`worker ${index} exited (code ${code}) before it was ready`));
      });
    });
  }

  private onMessage(slot: Slot, m: FromWorker, started: () => void, failed: (e: Error) => void): void {
    switch (m.t) {
      case 'ready':
        return this.onReady(slot, started);
      case 'startFailed':
        return failed(new Error(m.error));
      case 'prepared':
      case 'metrics':
      case 'runtime':
      case 'series':
        slot.replies.get(m.seq)?.(m);
        return;
      case 'recent':
        for (const r of m.items) this.obs?.recent.add(r);
        return;
      case 'drained':
        return;
    }
  }

  /** A worker serves: if a reload committed while it started, it catches up before taking connections. */
  private onReady(slot: Slot, started: () => void): void {
    if (slot.source !== this.serving && this.preparing === null) {
      const seq = ++this.seq;
      const source = this.serving;
      slot.replies.set(seq, (r) => {
        slot.replies.delete(seq);
        if (r?.t === 'prepared' && r.error === null) slot.worker.postMessage({ t: 'commit' } satisfies ToWorker);
        else log.error(`worker ${slot.index} could not load the serving config: ${r?.t === 'prepared' ? r.error : 'no answer'}`);
        slot.source = source;
        this.onReady(slot, started);
      });
      slot.worker.postMessage({ t: 'prepare', seq, source } satisfies ToWorker);
      return;
    }
    slot.ready = true;
    if (this.logLevel !== null) slot.worker.postMessage({ t: 'logLevel', level: this.logLevel } satisfies ToWorker);
    started();
    const queued = this.queued;
    this.queued = [];
    for (const m of queued) this.dispatch(m.port, m.fd, m.kind, m.reason, m.target);
  }

  private onExit(slot: Slot, code: number): void {
    if (this.slots[slot.index] !== slot) return;
    slot.ready = false;
    for (const reply of [...slot.replies.values()]) reply(null);
    // Connections it never took in still hold their first request unread: another worker serves them.
    const taken = Atomics.load(slot.taken, 0);
    const orphans = slot.unacked.filter((u) => u.n > taken).map((u) => u.m);
    slot.unacked = [];
    this.connections[slot.index]! += taken;
    slot.sent = 0;
    for (const m of orphans) this.dispatch(m.port, m.fd, m.kind, m.reason, m.target);
    // A lock it held in shared memory would stop every other worker.
    if (this.opts.arena.releaseDeadOwner(slot.threadId)) log.warn(`worker ${slot.index} died holding the shared-state lock: released`);
    if (this.stopping) {
      this.slots[slot.index] = null;
      this.exits.get(slot.index)?.();
      return;
    }
    this.restarts[slot.index]!++;
    const now = Date.now();
    const deaths = now - slot.lastDeath < 60_000 ? slot.deaths + 1 : 1;
    const wait = Math.min(RESTART_MAX_MS, RESTART_MS * 2 ** (deaths - 1));
    log.error(
      { worker: slot.index, code, threadId: slot.threadId },
      `worker ${slot.index} exited (code ${code}); restarting in ${wait} ms`,
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.spawn(slot.index, deaths, now).then(
        () => log.info(`worker ${slot.index} restarted`),
        (e: unknown) => log.error(`worker ${slot.index} could not restart: ${(e as Error).message}`),
      );
    }, wait).unref();
  }
}
