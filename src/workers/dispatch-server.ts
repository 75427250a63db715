// The main thread's server of one bind port when worker threads serve the data plane: the
// acceptor listens and vets as in single-thread mode, and every connection it hands over goes
// to a worker thread (the pool picks which) instead of a uWS app on this thread.
import type { HttpEdgeSettings } from '../config/http-edge.js';
import { edgeChoice } from '../native/index.js';
import { acceptorHub, type AcceptedConnections, type AcceptorHub } from '../server/acceptor-hub.js';
import type { PortServer } from '../server/listen.js';

export interface ConnectionDispatch {
  dispatch(port: number, fd: number, kind: number, reason: number, target: string): void;
}

export class DispatchServer implements PortServer, AcceptedConnections {
  draining = false;
  /** Requests run in the workers; the pool's shutdown waits for them. */
  readonly inflight = 0;
  boundPort = 0;
  private hub: AcceptorHub | null = null;
  private listenerId = 0;

  constructor(
    readonly port: number,
    readonly address: string,
    private readonly settings: HttpEdgeSettings,
    private readonly pool: ConnectionDispatch,
  ) {}

  async listen(): Promise<number> {
    this.hub = acceptorHub(edgeChoice().Acceptor!, this.settings);
    const { id, port } = this.hub.listen(this, this.address, this.port);
    this.listenerId = id;
    this.boundPort = port;
    return port;
  }

  adopt(fd: number, kind: number, reason: number, target: string): void {
    this.pool.dispatch(this.port, fd, kind, reason, target);
  }

  configure(settings: HttpEdgeSettings): void {
    this.hub?.configure(settings);
  }

  stopAccepting(): void {
    if (this.draining) return;
    this.draining = true;
    this.hub?.stop(this.listenerId);
  }

  idle(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {
    this.stopAccepting();
    this.hub?.forget(this.listenerId);
  }
}
