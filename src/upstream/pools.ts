// One undici Pool per upstream target, shared by every route that sends there. Pools are
// kept across config reloads by the runtime's live-state registry (src/runtime/live-state.ts),
// keyed by the target, so a reload never drops warm connections; this file only makes them.
import { Agent, buildConnector, fetch as undiciFetch, Pool } from 'undici';
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

export class PoolFactory {
  constructor(
    private readonly overrides: ConnectOverrides,
    private readonly settings: PoolSettings = DEFAULT_POOL_SETTINGS,
    private readonly onConnect: ConnectObserver | null = null,
  ) {}

  private fetcher: FetchLike | null = null;

  /** The fetch for token endpoints and other services named by URL (made on first use). */
  fetch(): FetchLike {
    this.fetcher ??= overriddenFetch(this.overrides, this.settings.connectTimeoutMs);
    return this.fetcher;
  }

  create(target: UpstreamTarget): Pool {
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

/** A fetch as the Fetch API has it, for libraries that take one (Google's token exchange). */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * A fetch for the gateway's own calls to services named by URL (OAuth token endpoints), over
 * connections that honour `--connect-to` / `--resolve` like the upstream pools, and trust what
 * they trust (the system CAs and NODE_EXTRA_CA_CERTS).
 */
export function overriddenFetch(overrides: ConnectOverrides, connectTimeoutMs = DEFAULT_POOL_SETTINGS.connectTimeoutMs): FetchLike {
  const base = buildConnector({ timeout: connectTimeoutMs });
  const agent = new Agent({
    connect: (opts, cb) => {
      const o = overrides.lookup(opts.hostname, Number(opts.port) || (opts.protocol === 'https:' ? 443 : 80));
      base(o === undefined ? opts : { ...opts, hostname: o.host, port: String(o.port), servername: opts.servername ?? opts.hostname }, cb);
    },
  });
  return ((input: string | URL | Request, init?: RequestInit) =>
    undiciFetch(input as never, { ...(init as object), dispatcher: agent } as never)) as unknown as FetchLike;
}

/** What the admin API shows of a pool: connection counts, never the target's TLS material. */
export function poolStatus(pool: Pool): Record<string, unknown> {
  const s = pool.stats;
  return { connected: s.connected, free: s.free, pending: s.pending, queued: s.queued, running: s.running };
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
