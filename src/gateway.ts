// Wiring: config file -> compile -> snapshot store -> one server per bind port.
import { loadConfigFile, parseConfig, type LoadedConfig } from './config/load.js';
import { observeUpstreamConnect, startObservability, stopObservability } from './observability/index.js';
import { configureLogging, log } from './observability/log.js';
import type { Downstream } from './pipeline/downstream.js';
import { GatewayError } from './pipeline/errors.js';
import { handle } from './pipeline/handle.js';
import { sendEarlyError } from './pipeline/respond.js';
import { compile } from './runtime/compile.js';
import { SnapshotStore } from './runtime/store.js';
import { BindServer, type RequestSink } from './server/listen.js';
import type { ConnectOverrides } from './upstream/connect-overrides.js';
import { DEFAULT_POOL_SETTINGS, PoolRegistry } from './upstream/pools.js';

export interface GatewayOptions {
  /** Config file path, or inline YAML/JSON when `inline` is set. */
  file: string;
  inline?: string;
  overrides: ConnectOverrides;
  env?: NodeJS.ProcessEnv;
}

export class Gateway implements RequestSink {
  private readonly pools: PoolRegistry;
  private store: SnapshotStore | null = null;
  private readonly servers = new Map<number, BindServer>();
  private version = 0;

  constructor(private readonly opts: GatewayOptions) {
    this.pools = new PoolRegistry(opts.overrides, DEFAULT_POOL_SETTINGS, observeUpstreamConnect);
  }

  load(): LoadedConfig {
    const env = this.opts.env ?? process.env;
    return this.opts.inline !== undefined ? parseConfig(this.opts.inline, this.opts.file, env) : loadConfigFile(this.opts.file, env);
  }

  /** Loads, compiles and binds every port; throws on a bad config or a port that cannot be bound. */
  async start(): Promise<void> {
    const loaded = this.load();
    configureLogging(loaded.config.config?.logging ?? {});
    for (const n of loaded.notices) log.warn(n);
    const { snapshot, warnings } = compile(loaded, this.pools, ++this.version);
    for (const w of warnings) log.warn(w);
    // Metrics, tracing and the access log are up before the first request can arrive.
    await startObservability(snapshot.observability, loaded.config.config?.statsAddr);
    this.store = new SnapshotStore(snapshot);
    for (const port of snapshot.binds.keys()) {
      const server = new BindServer(port, this);
      await server.listen();
      this.servers.set(port, server);
    }
  }

  get snapshot() {
    return this.store!.current;
  }

  ports(): number[] {
    return [...this.servers.values()].map((s) => s.boundPort);
  }

  maxBodyBytes(): number {
    return this.store!.current.maxBodyBytes;
  }

  handle(port: number, down: Downstream): void {
    const snapshot = this.store!.current;
    const bind = snapshot.binds.get(port);
    if (bind === undefined) {
      sendEarlyError(down, new GatewayError(404, 'not_found_error', `port ${port} has no listeners`, 'downstream'));
      return;
    }
    handle(down, snapshot, bind);
  }

  reject(down: Downstream, status: number, message: string): void {
    sendEarlyError(down, new GatewayError(status, 'invalid_request_error', message, 'downstream'));
  }

  /** Stops accepting, lets in-flight requests finish (bounded), then closes everything. */
  async shutdown(graceMs: number): Promise<void> {
    const servers = [...this.servers.values()];
    for (const s of servers) s.stopAccepting();
    const inflight = servers.reduce((n, s) => n + s.inflight, 0);
    if (inflight > 0) log.info({ inflight }, 'draining in-flight requests');
    await Promise.all(servers.map((s) => s.idle(graceMs)));
    for (const s of servers) s.close();
    // After the drain, so the spans of drained requests are flushed too.
    await Promise.all([this.pools.closeAll(), stopObservability()]);
  }
}
