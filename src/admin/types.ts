// What the admin server needs from the gateway. Gateway (src/gateway.ts) implements it; the
// admin side depends on this shape only, so it can be tested against anything that has it.
import type { LoadedConfig } from '../config/load.js';
import type { RecentRequests } from '../observability/recent-requests.js';
import type { TrafficSeries } from '../observability/series.js';
import type { LiveEntryInfo } from '../runtime/live-state.js';
import type { ValidationResult } from '../runtime/reload-diff.js';
import type { ReloadResult, ReloadStatus, ReloadTrigger } from '../runtime/reload-status.js';
import type { Snapshot } from '../runtime/snapshot.js';
import type { Dimension, RawSeries, WindowName } from '../observability/series.js';

export interface AdminGateway {
  /** Config file path (or `<inline>`). */
  readonly file: string;
  /** False for `-c` inline configs: there is no file to rewrite. */
  readonly fromFile: boolean;
  readonly snapshot: Snapshot;
  /** The validated config the serving snapshot came from. */
  readonly config: LoadedConfig;
  /** Files the serving config references (watched). */
  readonly files: readonly string[];
  readonly live: { describe(): LiveEntryInfo[] };
  readonly reloadStatus: ReloadStatus;
  listeners(): { port: number; listening: boolean; inflight: number }[];
  /** What readiness still waits for (empty once every listener is up). */
  pending(): string[];
  reload(trigger: ReloadTrigger): Promise<ReloadResult | null>;
  validate(text: string): Promise<ValidationResult>;
  /** The gateway's observability: the console's recent requests and traffic series. */
  readonly observability: { readonly recent: RecentRequests; readonly series: TrafficSeries };
  /** The worker threads (`--workers N`, N > 1); null in single-thread mode. */
  readonly workers: AdminWorkers | null;
  /** Why one thread serves the data plane (`--workers 1`, or a config that cannot have workers); null with workers. */
  readonly oneThread: string | null;
}

export interface AdminWorkers {
  describe(): { index: number; threadId: number | null; ready: boolean; restarts: number; connections: number }[];
  /** Stops a worker at once, as a crash would; the gateway restarts it. */
  terminate(index: number): Promise<boolean>;
  /** The admin API changed the log level: the workers' loggers follow. */
  setLogLevel(level: string): void;
  /** What each worker serves now (the main thread serves no requests): see runtime-view.ts. */
  runtime(): Promise<ThreadRuntime[]>;
  /** Each worker's console series (the main thread serves no requests): /api/series sums them. */
  series(window: WindowName, by: Dimension): Promise<RawSeries[]>;
}

/** One worker's in-flight requests per bind port and the status of its live objects. */
export interface ThreadRuntime {
  listeners: { port: number; inflight: number }[];
  live: LiveEntryInfo[];
}
