// One undici Pool per upstream target, shared by every route that sends there and carried
// across config reloads by the target's key, so a reload never drops warm connections.
import { buildConnector, Pool } from 'undici';
import type { ConnectOverrides } from './connect-overrides.js';
import { tlsConnectOptions, type UpstreamTarget } from './target.js';

export interface PoolSettings {
  /** Connections per target; requests queue beyond it rather than churning sockets. */
  connections: number;
  connectTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_POOL_SETTINGS: PoolSettings = {
  connections: 256,
  connectTimeoutMs: 10_000,
  keepAliveTimeoutMs: 30_000,
};

/** Told how long each new upstream connection took (TCP, plus TLS when `tls`); for metrics. */
export type ConnectObserver = (seconds: number, tls: boolean) => void;

export class PoolRegistry {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly overrides: ConnectOverrides,
    private readonly settings: PoolSettings = DEFAULT_POOL_SETTINGS,
    private readonly onConnect: ConnectObserver | null = null,
  ) {}

  get(target: UpstreamTarget): Pool {
    let pool = this.pools.get(target.key);
    if (pool === undefined) {
      pool = this.create(target);
      this.pools.set(target.key, pool);
    }
    return pool;
  }

  /** Closes (after draining in-flight requests) every pool whose key is not in `live`. */
  retain(live: ReadonlySet<string>): void {
    for (const [key, pool] of this.pools) {
      if (live.has(key)) continue;
      this.pools.delete(key);
      pool.close().catch(() => {});
    }
  }

  keys(): string[] {
    return [...this.pools.keys()];
  }

  async closeAll(): Promise<void> {
    const all = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(all.map((p) => p.close()));
  }

  private create(target: UpstreamTarget): Pool {
    const base = buildConnector({
      timeout: this.settings.connectTimeoutMs,
      ...(target.tls ? tlsConnectOptions(target.tls) : {}),
    });
    const override = this.overrides.lookup(target.host, target.port);
    // The override changes where we dial, never the name TLS verifies (`host` keeps it).
    const connect: buildConnector.connector = override
      ? (opts, cb) => base({ ...opts, hostname: override.host, port: String(override.port) }, cb)
      : base;
    return new Pool(target.origin, {
      connections: this.settings.connections,
      pipelining: 1,
      keepAliveTimeout: this.settings.keepAliveTimeoutMs,
      connect: this.onConnect === null ? connect : timed(connect, this.onConnect, target.tls !== undefined),
    });
  }
}

/** Connections are rare next to requests (pools keep them alive), so timing each costs nothing. */
function timed(connect: buildConnector.connector, observe: ConnectObserver, tls: boolean): buildConnector.connector {
  return (opts, cb) => {
    const t0 = process.hrtime.bigint();
    connect(opts, (err, socket) => {
      if (err === null) observe(Number(process.hrtime.bigint() - t0) / 1e9, tls);
      (cb as (e: Error | null, s: typeof socket) => void)(err, socket);
    });
  };
}
