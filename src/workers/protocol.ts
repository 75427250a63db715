// Messages between the main thread (control plane: config, reload, admin, stats, the acceptor)
// and the worker threads (each a uWS app and a pipeline serving what the acceptor hands it).
import type { MetricsJson } from '../observability/index.js';
import type { RecentRequest } from '../observability/recent-requests.js';
import type { Dimension, RawSeries, WindowName } from '../observability/series.js';
import type { ConnectTarget } from '../upstream/connect-overrides.js';

/**
 * What a worker serves now, for the admin's /api/runtime (the main thread serves no requests):
 * requests in flight per bind port and the status of its live objects (its upstream pools).
 */
export interface ThreadRuntime {
  listeners: { port: number; inflight: number }[];
  live: { id: string; status: Record<string, unknown> | null }[];
}

/** `workerData` of a worker thread. */
export interface WorkerInit {
  index: number;
  /** Word 0: connections this worker took in (it counts; the main thread reads it if the worker dies). */
  taken: SharedArrayBuffer;
  /** The config file's path (relative paths in the config resolve against it). */
  file: string;
  /** The config text the main thread serves now. */
  source: string;
  overrides: [string, ConnectTarget][];
  /** The gateway's shared arena (rate-limit buckets). */
  arena: SharedArrayBuffer;
  /** Admin on: forward finished requests to the main thread's recent-requests ring, and keep the console's series. */
  recent: boolean;
}

/** A connection the acceptor vetted, for the worker's bind of `port` (see BindServer.adopt). */
export interface ConnMessage {
  t: 'conn';
  port: number;
  fd: number;
  kind: number;
  reason: number;
  target: string;
}

export type ToWorker =
  | ConnMessage
  | { t: 'prepare'; seq: number; source: string }
  | { t: 'commit' }
  | { t: 'abort' }
  | { t: 'metrics'; seq: number }
  | { t: 'runtime'; seq: number }
  | { t: 'series'; seq: number; window: WindowName; by: Dimension }
  | { t: 'recent'; on: boolean }
  | { t: 'logLevel'; level: string }
  | { t: 'drain'; graceMs: number };

export type FromWorker =
  | { t: 'ready' }
  | { t: 'startFailed'; error: string }
  | { t: 'prepared'; seq: number; error: string | null }
  | { t: 'metrics'; seq: number; json: MetricsJson }
  | ({ t: 'runtime'; seq: number } & ThreadRuntime)
  | { t: 'series'; seq: number; raw: RawSeries }
  | { t: 'recent'; items: RecentRequest[] }
  | { t: 'drained' };
