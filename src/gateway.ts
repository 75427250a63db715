// Wiring: config file -> compile -> snapshot store -> one server per bind port, and hot reload
// (watch, recompile, open/close ports, swap) that never takes the serving config down.
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AdminWorkers } from './admin/types.js';
import { startStatsServer, statsAddress } from './admin/stats-server.js';
import type { WorkerFanout } from './workers/fanout.js';
import { ConfigError } from './config/errors.js';
import { loadConfigFile, parseConfig, type LoadedConfig } from './config/load.js';
import { FileWatcher } from './config/watch.js';
import { Observability } from './observability/index.js';
import { configureLogging, log } from './observability/log.js';
import type { Downstream } from './pipeline/downstream.js';
import { trimMalloc } from './native/index.js';
import { GatewayError, ModuleNotLoaded } from './errors.js';
import { handle, refuse } from './pipeline/handle.js';
import { type CompileContext, compile, withModules } from './runtime/compile.js';
import { LiveState, type Scope } from './runtime/live-state.js';
import { configDiff } from './config/diff.js';
import { reloadStatus as globalReloadStatus, type ReloadResult, type ReloadStatus, type ReloadTrigger } from './runtime/reload-status.js';
import { fingerprint, problemsOf, startupChanges, type ValidationResult } from './runtime/reload-diff.js';
import type { BindRt, Snapshot } from './runtime/snapshot.js';
import { SnapshotStore } from './runtime/store.js';
import { listenAddress, type HttpEdgeSettings } from './config/http-edge.js';
import { BindServer, type PortServer, prepareEdge, type RequestSink } from './server/listen.js';
import type { ConnectOverrides } from './upstream/connect-overrides.js';
import { DEFAULT_POOL_SETTINGS, PoolFactory } from './upstream/pools.js';
import { heapAfterStart } from './v8-heap.js';

/** Longest a retired pool waits for requests on older snapshots (a stream can outlive any reload). */
const RETIRE_MAX_MS = 15 * 60_000;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

export interface GatewayOptions {
  /** Config file path, or inline YAML/JSON when `inline` is set. */
  file: string;
  inline?: string;
  overrides: ConnectOverrides;
  env?: NodeJS.ProcessEnv;
  /** Watch the file and what it references, reloading on change (default true for files). */
  watch?: boolean;
  /** Time in-flight requests on a removed port get before it closes (default 10 s). */
  drainMs?: number;
  reloadStatus?: ReloadStatus;
  /** How a bind port is served (default: a BindServer listening on it). */
  portServer?: (port: number, address: string, gateway: Gateway, settings: HttpEdgeSettings) => PortServer;
  /** Worker threads serving the data plane for this (main) thread (`--workers N`, N > 1). */
  workers?: WorkerFanout & AdminWorkers;
  /** Why the data plane runs on this one thread instead (`--workers 1`, a config that cannot have workers). */
  oneThread?: string;
  /** 'worker': the data plane of a worker thread (metrics summed by the main thread, no watching). */
  role?: 'gateway' | 'worker';
}

/** What a compile attempt produced, before anything is swapped. */
interface Attempt {
  loaded: LoadedConfig;
  snapshot: Snapshot;
  warnings: string[];
  files: Set<string>;
  scope: Scope;
}

export class Gateway implements RequestSink {
  /** Metrics, tracer, access log, recent requests and series of this gateway (a worker thread's own). */
  readonly observability = new Observability();
  private readonly pools: PoolFactory;
  /** Pools and other live state, carried across reloads by stable id. */
  readonly live = new LiveState();
  readonly reloadStatus: ReloadStatus;
  private store: SnapshotStore | null = null;
  private readonly servers = new Map<number, PortServer>();
  private readonly unboundPorts = new Map<number, BindRt>();
  /** The stats listener (Prometheus), null when off or its port was taken. */
  private statsServer: Server | null = null;
  /** A worker thread's reload in two phases: what `prepare` compiled, until commit or abort. */
  private prepared: Attempt | null = null;
  private version = 0;
  /** The config the serving snapshot was compiled from. */
  private loaded: LoadedConfig | null = null;
  /** Config text and referenced files of the serving snapshot (skip no-op reloads). */
  private servingPrint = '';
  /** Files the serving config references. */
  private servingFiles: string[] = [];
  private watcher: FileWatcher | null = null;
  /** Reloads run one at a time, in order. */
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Snapshots replaced by a reload whose requests may still be running. */
  private older: Snapshot[] = [];
  /** `config.backend` as read at startup (a `config:` setting: a change needs a restart). */
  private startupBackend: CompileContext['backendDefaults'];

  constructor(private readonly opts: GatewayOptions) {
    this.pools = new PoolFactory(opts.overrides, DEFAULT_POOL_SETTINGS, this.observability.observeUpstreamConnect);
    // The main thread sums the workers' metrics and takes their recent requests.
    opts.workers?.observe(this.observability);
    this.reloadStatus = opts.reloadStatus ?? globalReloadStatus;
  }

  get workers(): (WorkerFanout & AdminWorkers) | null {
    return this.opts.workers ?? null;
  }

  get oneThread(): string | null {
    return this.opts.oneThread ?? null;
  }

  get file(): string {
    return this.opts.file;
  }

  /** True when the config came from a file the admin API may rewrite (not `-c`). */
  get fromFile(): boolean {
    return this.opts.inline === undefined;
  }

  load(text?: string): LoadedConfig {
    const env = this.opts.env ?? process.env;
    const source = text ?? this.opts.inline;
    return source !== undefined ? parseConfig(source, this.opts.file, env) : loadConfigFile(this.opts.file, env);
  }

  /**
   * Loads, compiles and binds every port; throws on a bad config or a port that cannot be
   * bound. `beforeListen` runs once the config is known to be good (management listeners).
   */
  async start(beforeListen?: (loaded: LoadedConfig) => Promise<void>): Promise<void> {
    const started = Date.now();
    const loaded = this.load();
    this.startupBackend = { value: loaded.config.config?.backend };
    configureLogging(loaded.config.config?.logging ?? {});
    const worker = this.opts.role === 'worker';
    if (!worker) for (const n of loaded.notices) log.warn(n);
    const attempt = await this.compileAttempt(loaded);
    if (!worker) for (const w of attempt.warnings) log.warn(w);
    await beforeListen?.(loaded);
    await storesReady(attempt.snapshot);
    // Metrics, tracing and the access log are up before the first request can arrive.
    // A worker thread collects metrics; the main thread serves them, summed with every worker's.
    const statsAddr = statsAddress(loaded.config.config?.statsAddr);
    const registry = this.observability.start(attempt.snapshot.observability, statsAddr !== null, this.opts.role);
    if (statsAddr !== null && this.opts.role !== 'worker') this.statsServer = await startStatsServer(statsAddr, registry!);
    try {
      // uWS first: it reads its head limit from the process environment once, when loaded.
      await prepareEdge(attempt.snapshot.edge);
      await this.opts.workers?.start(loaded.source);
      await this.openPorts(attempt.snapshot, loaded);
    } catch (e) {
      attempt.scope.abort();
      throw e;
    }
    this.store = new SnapshotStore(attempt.snapshot);
    this.adopt(attempt, null);
    this.record({ ok: true, trigger: 'startup', started, warnings: [...loaded.notices, ...attempt.warnings] });
    if (this.fromFile && this.opts.watch !== false) this.startWatching();
    heapAfterStart(this.opts.workers === undefined, trimMalloc);
  }

  get snapshot(): Snapshot {
    return this.store!.current;
  }

  /** The validated config serving now (env substituted). */
  get config(): LoadedConfig {
    return this.loaded!;
  }

  /** Files the serving config references (watched together with the config file). */
  get files(): readonly string[] {
    return this.servingFiles;
  }

  ports(): number[] {
    return [...this.servers.values()].map((s) => s.boundPort);
  }

  /** Per bind port: whether it is accepting and how many requests are in flight. */
  listeners(): { port: number; listening: boolean; inflight: number }[] {
    return [...this.servers.values()].map((s) => ({ port: s.port, listening: !s.draining, inflight: s.inflight }));
  }

  /** What readiness waits for: nothing once every bind of the serving snapshot listens. */
  pending(): string[] {
    if (this.store === null) return ['listeners'];
    const ports = [...this.snapshot.binds.keys()].filter((p) => this.servers.get(p)?.draining !== false).map((p) => `listener :${p}`);
    return [...ports, ...(this.opts.workers?.pending() ?? [])];
  }

  maxBodyBytes(): number {
    return this.store!.current.maxBodyBytes;
  }

  edgeSettings(): HttpEdgeSettings {
    return this.store!.current.edge;
  }

  recordsRemoteAddress(): boolean {
    return this.observability.recordsClientAddress();
  }

  handle(port: number, down: Downstream): void {
    // The one read of the snapshot for this request: it keeps it until it ends.
    const snapshot = this.store!.current;
    const bind = snapshot.binds.get(port);
    if (bind === undefined) {
      refuse(
        down,
        snapshot,
        this.unbound(port),
        this.observability,
        new GatewayError('listener_not_found', `port ${port} has no listeners`),
      );
      return;
    }
    handle(down, snapshot, bind, this.observability);
  }

  /**
   * A worker thread: serves a connection the main thread's acceptor handed over for `port`.
   * False when this thread has no open bind there (the caller closes the descriptor).
   */
  serveConnection(port: number, fd: number, kind: number, reason: number, target: string): boolean {
    const server = this.servers.get(port);
    if (server?.adopt === undefined || server.draining) return false;
    server.adopt(fd, kind, reason, target);
    return true;
  }

  reject(port: number, down: Downstream, err: GatewayError): void {
    const snapshot = this.store!.current;
    refuse(down, snapshot, snapshot.binds.get(port) ?? this.unbound(port), this.observability, err);
  }

  /** A port the serving snapshot no longer has (it drains): what its refusals are observed under. */
  private unbound(port: number): BindRt {
    let b = this.unboundPorts.get(port);
    if (b === undefined) this.unboundPorts.set(port, (b = { port, address: null, listeners: [] }));
    return b;
  }

  /**
   * Re-reads the file and, if it or a file it references changed, compiles and swaps in the
   * new snapshot. Returns null when nothing changed. A bad config leaves the old one serving.
   */
  reload(trigger: ReloadTrigger): Promise<ReloadResult | null> {
    const run = this.queue.then(() => this.reloadNow(trigger));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Parses and compiles `text` as the config file would be, without applying anything. */
  async validate(text: string): Promise<ValidationResult> {
    const scratch = new LiveState();
    try {
      const loaded = this.load(text);
      const { warnings } = await withModules(() => scratch.attempt((live) => compile(loaded, this.pools, 0, { live })));
      return { ok: true, warnings: [...loaded.notices, ...warnings] };
    } catch (e) {
      return { ok: false, ...problemsOf(e, this.opts.file), warnings: [] };
    } finally {
      void scratch.closeAll();
    }
  }

  /** Stops accepting, lets in-flight requests finish (bounded), then closes everything. */
  async shutdown(graceMs: number): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    const servers = [...this.servers.values()];
    for (const s of servers) s.stopAccepting();
    const inflight = servers.reduce((n, s) => n + s.inflight, 0);
    if (inflight > 0) log.info({ inflight }, 'draining in-flight requests');
    await Promise.all([...servers.map((s) => s.idle(graceMs)), this.opts.workers?.shutdown(graceMs)]);
    for (const s of servers) s.close();
    // After the drain, so the spans of drained requests are flushed too.
    const stats = this.statsServer;
    await Promise.all([this.live.closeAll(), this.observability.stop(), new Promise<void>((r) => (stats ? stats.close(() => r()) : r()))]);
  }

  private async reloadNow(trigger: ReloadTrigger): Promise<ReloadResult | null> {
    if (this.stopped) return null;
    const started = Date.now();
    let text: string;
    try {
      text = readFileSync(this.opts.file, 'utf8');
    } catch (e) {
      return this.fail(
        trigger,
        started,
        new ConfigError(this.opts.file, [{ path: '', line: 0, col: 0, message: `cannot read config: ${(e as Error).message}` }]),
      );
    }
    if (this.reloadStatus.current.synchronized && fingerprint(text, this.servingFiles) === this.servingPrint) return null;
    let attempt: Attempt;
    try {
      attempt = await this.compileAttempt(this.load(text));
    } catch (e) {
      return this.fail(trigger, started, e);
    }
    const workers = this.opts.workers;
    try {
      // The workers compile the same text; any failure leaves every thread on the old config.
      await workers?.prepare(attempt.loaded.source);
    } catch (e) {
      attempt.scope.abort();
      return this.fail(trigger, started, e);
    }
    try {
      await this.openPorts(attempt.snapshot, attempt.loaded);
    } catch (e) {
      attempt.scope.abort();
      workers?.abort();
      return this.fail(trigger, started, e);
    }
    workers?.commit();
    return this.apply(attempt, trigger, started);
  }

  /** A worker thread's first reload phase: compile `text` and open its new ports, without serving them. */
  async prepare(text: string): Promise<void> {
    this.abortPrepared();
    const attempt = await this.compileAttempt(this.load(text));
    try {
      await this.openPorts(attempt.snapshot, attempt.loaded);
    } catch (e) {
      attempt.scope.abort();
      throw e;
    }
    this.prepared = attempt;
  }

  /** A worker thread's second phase: serve what `prepare` compiled. */
  commitPrepared(): void {
    const attempt = this.prepared;
    this.prepared = null;
    if (attempt !== null && !this.stopped) this.apply(attempt, 'file', Date.now());
  }

  /** Drops what `prepare` compiled, and the ports it opened that the serving config lacks. */
  abortPrepared(): void {
    const attempt = this.prepared;
    this.prepared = null;
    if (attempt === null) return;
    attempt.scope.abort();
    this.closeRemovedPorts(this.snapshot);
  }

  /** Swaps in a compiled attempt whose ports are open. */
  private apply(attempt: Attempt, trigger: ReloadTrigger, started: number): ReloadResult {
    const previous = this.loaded!;
    const serving = this.store!.current;
    this.store!.swap(attempt.snapshot);
    for (const s of this.servers.values()) s.configure(attempt.snapshot.edge);
    this.observability.apply(attempt.snapshot.observability);
    this.adopt(attempt, serving);
    this.closeRemovedPorts(attempt.snapshot);
    const warnings = [...attempt.loaded.notices, ...attempt.warnings, ...startupChanges(previous.config, attempt.loaded.config)];
    // A worker thread's reload is the main thread's, which says so once.
    const say = this.opts.role === 'worker' ? log.debug.bind(log) : log.info.bind(log);
    if (this.opts.role !== 'worker') for (const w of warnings) log.warn(w);
    say({ version: attempt.snapshot.version, trigger, ports: this.ports() }, `config reloaded (version ${attempt.snapshot.version})`);
    return this.record({ ok: true, trigger, started, warnings, diff: configDiff(previous.config, attempt.loaded.config) });
  }

  /** Compiles, loading the optional libraries the config needs first (withModules). */
  private compileAttempt(loaded: LoadedConfig): Promise<Attempt> {
    return withModules(() => this.compileOnce(loaded));
  }

  /** Compiles with the live-state registry; the scope is open until the caller commits or aborts. */
  private compileOnce(loaded: LoadedConfig): Attempt {
    const files = new Set<string>();
    const scope = this.live.begin();
    try {
      const { snapshot, warnings } = compile(loaded, this.pools, this.version + 1, {
        live: scope,
        files,
        backendDefaults: this.startupBackend,
        openStores: true,
        observability: this.observability,
      });
      return { loaded, snapshot, warnings, files, scope };
    } catch (e) {
      scope.abort();
      if (e instanceof ModuleNotLoaded) throw e;
      // Watch what the bad config references too, so creating a missing file recovers.
      this.watcher?.watch([this.opts.file, ...this.servingFiles, ...files]);
      throw e;
    }
  }

  /**
   * The attempt's snapshot is serving: keep its live state, watch its files. What it no longer
   * uses is disposed once the requests still running on older snapshots are done (their retries
   * go out on the old pools), or after RETIRE_MAX_MS at the latest.
   */
  private adopt(a: Attempt, previous: Snapshot | null): void {
    if (previous !== null) this.older.push(previous);
    this.older = this.older.filter((s) => s.use.requests > 0);
    const idle = this.older.length === 0 ? null : Promise.all(this.older.map((s) => s.use.idle())).then(() => undefined);
    a.scope.commit(idle === null ? null : Promise.race([idle, delay(RETIRE_MAX_MS)]));
    this.version = a.snapshot.version;
    this.loaded = a.loaded;
    this.servingFiles = [...a.files];
    this.watcher?.watch([this.opts.file, ...this.servingFiles]);
    this.servingPrint = fingerprint(a.loaded.source, this.servingFiles);
  }

  private startWatching(): void {
    this.watcher = new FileWatcher({
      onChange: (changed) => {
        log.debug({ changed }, 'config files changed');
        void this.reload('file');
      },
      onError: (dir, e) => log.warn(`cannot watch ${dir} for config changes: ${e.message}`),
    });
    this.watcher.watch([this.opts.file, ...this.servingFiles]);
  }

  /** Opens ports the snapshot has and we do not; on failure closes those it opened and throws. */
  private async openPorts(snapshot: Snapshot, loaded: LoadedConfig): Promise<void> {
    const opened: PortServer[] = [];
    const env = this.opts.env ?? process.env;
    for (const [port, bind] of snapshot.binds) {
      if (this.servers.has(port)) continue;
      const address = listenAddress(bind.address ?? undefined, loaded.config.config?.enableIpv6, env);
      const server = this.opts.portServer?.(port, address, this, snapshot.edge) ?? new BindServer(port, address, this, snapshot.edge);
      try {
        await server.listen();
      } catch (e) {
        for (const s of opened) s.close();
        throw e;
      }
      opened.push(server);
    }
    for (const s of opened) this.servers.set(s.port, s);
  }

  /** Ports the new snapshot dropped: stop accepting, let their requests finish, close. */
  private closeRemovedPorts(snapshot: Snapshot): void {
    for (const [port, server] of this.servers) {
      if (snapshot.binds.has(port)) continue;
      this.servers.delete(port);
      server.stopAccepting();
      log.info(`port ${port} removed from the config: closing after its ${server.inflight} in-flight request(s)`);
      void server.idle(this.opts.drainMs ?? 10_000).then(() => server.close());
    }
  }

  private fail(trigger: ReloadTrigger, started: number, e: unknown): ReloadResult {
    const { error, problems } = problemsOf(e, this.opts.file);
    log.error(`config reload failed; still serving version ${this.version}:\n${error}`);
    return this.record({ ok: false, trigger, started, warnings: [], error, problems });
  }

  private record(r: Omit<ReloadResult, 'at' | 'file' | 'version' | 'durationMs'> & { started: number }): ReloadResult {
    const { started, ...rest } = r;
    const result: ReloadResult = {
      ...rest,
      at: new Date().toISOString(),
      file: this.opts.file,
      version: this.version,
      durationMs: Date.now() - started,
    };
    this.reloadStatus.record(result);
    // The main thread counts reloads; a worker's are the same reloads.
    if (this.opts.role !== 'worker') this.observability.recordConfigReload(result.ok);
    return result;
  }
}

/** A Redis keys store gets a few seconds to connect before traffic arrives (then it keeps trying). */
async function storesReady(snapshot: Snapshot): Promise<void> {
  const store = snapshot.keys?.store as { ready?: (ms: number) => Promise<void>; where: string } | undefined;
  if (store?.ready === undefined) return;
  await store
    .ready(5000)
    .catch((e: unknown) => log.warn(`keys store: ${(e as Error).message}; requests with virtual keys get 503 until it answers`));
}
