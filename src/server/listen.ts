// One server per bind port, on the edge the process runs (src/native edgeChoice):
// - acceptor: the native acceptor owns the listening socket and vets each connection's first
//   request head; clean connections go to this bind's uWS app, the rest to its Node edge;
// - node: a net.Server accepts and the Node edge serves every connection;
// - uws: uWS listens itself (benchmark baseline; no vetting).
// The port is bound exclusively: a second gateway (or anything else) on the same port is a
// hard error, not a silent SO_REUSEPORT share.
import { createServer as createNetServer, Socket, type Server as NetServer } from 'node:net';
import { edgeChoice, HANDOFF_FAST, HANDOFF_REASONS, HANDOFF_TIMEOUT, type EdgeName } from '../native/index.js';
import type { HttpEdgeSettings } from '../config/http-edge.js';
import type { Downstream } from '../pipeline/downstream.js';
import { acceptorHub, type AcceptedConnections, type AcceptorHub } from './acceptor-hub.js';
import type { EdgeExchange } from './edge-exchange.js';
import type { EdgeHost, Refusable, RequestSink } from './edge-host.js';
import { logEdge } from './edge-log.js';
import { NodeEdge } from './node-edge.js';
import { refuseRaw } from './raw-refusal.js';
import { refusal, refusalError, type Refusal } from './request-gate.js';
import { UwsEdge } from './uws-edge.js';
import { loadUws } from './uws.js';

export type { RequestSink } from './edge-host.js';

/** Loads what the process's edge needs before the first port opens (uWS with its head limit). */
export async function prepareEdge(settings: HttpEdgeSettings): Promise<EdgeName> {
  const name = edgeChoice().name;
  if (name !== 'node') await loadUws(settings.maxHeadBytes);
  return name;
}

/** What the gateway needs of the server of one bind port. */
export interface PortServer {
  readonly port: number;
  readonly boundPort: number;
  readonly draining: boolean;
  readonly inflight: number;
  listen(): Promise<number>;
  configure(settings: HttpEdgeSettings): void;
  stopAccepting(): void;
  idle(timeoutMs: number): Promise<void>;
  close(): void;
  /** Serves a connection accepted elsewhere (a worker thread's binds). */
  adopt?(fd: number, kind: number, reason: number, target: string): void;
}

export class BindServer implements EdgeHost, AcceptedConnections, PortServer {
  draining = false;
  inflight = 0;
  boundPort = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly kind: EdgeName;
  private readonly uwsEdge: UwsEdge | null;
  private readonly nodeEdge: NodeEdge | null;
  private netServer: NetServer | null = null;
  private hub: AcceptorHub | null = null;
  private listenerId = 0;
  private accepting = false;

  constructor(
    readonly port: number,
    readonly address: string,
    readonly sink: RequestSink,
    private readonly settings: HttpEdgeSettings,
    /** A worker thread's bind: it listens nowhere, the main thread's acceptor hands it connections. */
    private readonly adoptOnly = false,
  ) {
    this.kind = edgeChoice().name;
    this.uwsEdge = this.kind === 'node' ? null : new UwsEdge(this);
    this.nodeEdge = this.kind === 'uws' ? null : new NodeEdge(this, settings);
  }

  async listen(): Promise<number> {
    if (this.adoptOnly) this.boundPort = this.port;
    else if (this.kind === 'uws') this.boundPort = await this.uwsEdge!.listen(this.address, this.port);
    else if (this.kind === 'node') this.boundPort = await this.listenNode();
    else {
      const choice = edgeChoice();
      this.hub = acceptorHub(choice.Acceptor!, this.settings);
      const { id, port } = this.hub.listen(this, this.address, this.port);
      this.listenerId = id;
      this.boundPort = port;
    }
    this.accepting = true;
    return this.boundPort;
  }

  private listenNode(): Promise<number> {
    const server = createNetServer({ noDelay: true }, (socket) =>
      this.nodeEdge!.adoptAccepted(socket, this.sink.edgeSettings().headTimeoutMs),
    );
    this.netServer = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'EADDRINUSE' ? 'address in use' : e.code === 'EACCES' ? 'permission denied' : e.message;
        reject(new Error(`cannot listen on port ${this.port} (${this.address}): ${why}`));
      });
      server.listen({ host: this.address, port: this.port, exclusive: true }, () => {
        const a = server.address();
        resolve(typeof a === 'object' && a !== null ? a.port : this.port);
      });
    });
  }

  /** A connection the acceptor vetted (see native/src/head.rs for the kinds and reasons). */
  adopt(fd: number, kind: number, reason: number, target: string): void {
    if (kind === HANDOFF_FAST) return this.uwsEdge!.adopt(fd);
    const socket = new Socket({ fd, readable: true, writable: true });
    if (kind === HANDOFF_TIMEOUT) {
      const r = refusal('client_timeout', 'head timeout', 'request head timeout: the request head did not arrive in time', true);
      logEdge({ status: r.status, event: r.event, detail: HANDOFF_REASONS[reason], remote: socket.remoteAddress, port: this.port });
      return refuseRaw(this, socket, r, target);
    }
    this.nodeEdge!.adopt(socket, target);
  }

  /** Applies reloaded edge settings to connections accepted from now on. */
  configure(settings: HttpEdgeSettings): void {
    this.nodeEdge?.configure(settings);
    this.hub?.configure(settings);
  }

  started(): void {
    this.inflight++;
  }

  sendTimeoutMs(): number {
    return this.sink.edgeSettings().sendTimeoutMs;
  }

  recordsRemoteAddress(): boolean {
    return this.sink.recordsRemoteAddress();
  }

  refuse(x: Refusable, r: Refusal): void {
    if (r.close) x.closeAfter = true;
    logEdge({ status: r.status, event: r.event, detail: r.message, remote: x.remoteAddress, port: this.port });
    this.sink.reject(this.port, x, refusalError(r));
  }

  bodyTimedOut(x: EdgeExchange, limitMs: number): void {
    x.bodyWatch = null;
    if (x.aborted || x.headSent) return;
    const s = limitMs / 1000;
    this.refuse(x, refusal('client_timeout', 'request body timeout', `request body timeout: nothing received for ${s} s`, true));
  }

  /** Stops accepting connections; open keep-alive connections close after their response. */
  stopAccepting(): void {
    this.draining = true;
    if (!this.accepting) return;
    this.accepting = false;
    this.uwsEdge?.stopListening();
    this.netServer?.close();
    this.netServer = null;
    if (this.hub !== null) this.hub.stop(this.listenerId);
    this.nodeEdge?.drain();
  }

  /** Resolves when no request is in flight (or after `timeoutMs`). */
  idle(timeoutMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** Force-closes everything (after draining). */
  close(): void {
    this.stopAccepting();
    if (this.hub !== null) this.hub.forget(this.listenerId);
    this.listenerId = 0;
    this.uwsEdge?.close();
    this.nodeEdge?.close();
  }

  done(_x: Downstream): void {
    this.inflight--;
    if (this.inflight === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }
}
