// A worker thread (`--workers N`): its own uWS app and Node edge per bind port, fed the
// connections the main thread's acceptor vetted, and its own compiled snapshot of the config the
// main thread serves. Reloads arrive in two phases (prepare, commit) so every thread switches or
// none does. Rate-limit buckets live in the shared arena; metrics and recent requests go to the
// main thread, which serves them.
import { closeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from './config/errors.js';
import { Gateway } from './gateway.js';
import { log } from './observability/log.js';
import type { RecentRequest } from './observability/recent-requests.js';
import { BindServer } from './server/listen.js';
import { ConnectOverrides } from './upstream/connect-overrides.js';
import { SharedArena, useSharedArena } from './policies/shared-arena.js';
import type { FromWorker, ToWorker, WorkerInit } from './workers/protocol.js';

/** Recent requests are sent in batches, at most this often. */
const RECENT_FLUSH_MS = 50;

const init = workerData as WorkerInit;
const port = parentPort!;
const send = (m: FromWorker): void => port.postMessage(m);
useSharedArena(new SharedArena(init.arena));
const taken = new Int32Array(init.taken);

const gateway = new Gateway({
  file: init.file,
  inline: init.source,
  overrides: ConnectOverrides.fromEntries(init.overrides),
  watch: false,
  role: 'worker',
  portServer: (p, address, gw, settings) => new BindServer(p, address, gw, settings, true),
});

let batch: RecentRequest[] = [];
/** The admin server runs (on the main thread): recent requests go to it, series are kept here for it to sum. */
function forwardRecent(on: boolean): void {
  const recent = gateway.observability.recent;
  recent.enabled = on;
  gateway.observability.series.enabled = on;
  recent.forward = (r) => {
    if (batch.length === 0) setTimeout(flushRecent, RECENT_FLUSH_MS).unref();
    batch.push(r);
  };
}
function flushRecent(): void {
  const items = batch;
  batch = [];
  send({ t: 'recent', items });
}

async function onMessage(m: ToWorker): Promise<void> {
  switch (m.t) {
    case 'conn':
      Atomics.add(taken, 0, 1);
      if (!gateway.serveConnection(m.port, m.fd, m.kind, m.reason, m.target)) closeSync(m.fd);
      return;
    case 'prepare':
      try {
        await gateway.prepare(m.source);
        send({ t: 'prepared', seq: m.seq, error: null });
      } catch (e) {
        send({ t: 'prepared', seq: m.seq, error: e instanceof ConfigError ? e.message : (e as Error).message });
      }
      return;
    case 'commit':
      return gateway.commitPrepared();
    case 'abort':
      return gateway.abortPrepared();
    case 'metrics':
      send({ t: 'metrics', seq: m.seq, json: (await gateway.observability.metricsJson()) ?? [] });
      return;
    case 'runtime':
      send({ t: 'runtime', seq: m.seq, listeners: gateway.listeners(), live: gateway.live.describe() });
      return;
    case 'series':
      send({ t: 'series', seq: m.seq, raw: gateway.observability.series.raw(m.window, m.by) });
      return;
    case 'recent':
      return forwardRecent(m.on);
    case 'logLevel':
      log.level = m.level;
      return;
    case 'drain':
      await gateway.shutdown(m.graceMs);
      if (batch.length > 0) flushRecent();
      send({ t: 'drained' });
      process.exit(0);
  }
}

try {
  await gateway.start();
} catch (e) {
  send({ t: 'startFailed', error: e instanceof ConfigError ? e.message : (e as Error).message });
  process.exit(1);
}
forwardRecent(init.recent);
port.on('message', (m: ToWorker) => {
  onMessage(m).catch((err: unknown) => log.error({ err, worker: init.index }, `worker ${init.index}: ${m.t} failed`));
});
send({ t: 'ready' });
