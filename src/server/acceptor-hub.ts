// The one acceptor of the process (its own thread, see native/src/acceptor.rs) and the routing
// of the connections it hands over to the bind whose port accepted them. The thread owns the
// listening sockets: binding happens here, synchronously, so a port in use fails the reload or
// the startup that asked for it.
//
// Multi-core (issue 15) can keep this shape: the acceptor hands descriptors to whichever event
// loop should serve them, and a worker's uWS app adopts them just as the main thread's does.
import { closeSync } from 'node:fs';
import { constants } from 'node:os';
import type { HttpEdgeSettings } from '../config/http-edge.js';
import { log } from '../observability/log.js';
import type { AcceptorClass, AddonAcceptor } from '../native/index.js';
import { uwsHeadLimit } from './uws.js';

/** What a bind does with a connection the acceptor hands over. */
export interface AcceptedConnections {
  adopt(fd: number, kind: number, reason: number, target: string): void;
}

/** uWS parses at most 98 header lines (UWS_HTTP_MAX_HEADERS_COUNT); keep a margin. */
const UWS_MAX_HEADERS = 90;

const errnoNames = new Map<number, string>(Object.entries(constants.errno).map(([k, v]) => [v, k]));

export class AcceptorHub {
  private readonly acceptor: AddonAcceptor;
  private readonly binds = new Map<number, AcceptedConnections>();
  private readonly out = new Int32Array(2);

  constructor(Acceptor: AcceptorClass, settings: HttpEdgeSettings) {
    const [head, headers, timeout] = fastLimits(settings);
    this.acceptor = new Acceptor(this.onConnection, head, headers, timeout);
  }

  /** Listens on `address:port` for `bind`; returns the listener id and the bound port. */
  listen(bind: AcceptedConnections, address: string, port: number): { id: number; port: number } {
    const r = this.acceptor.listen(address, port, this.out);
    if (r < 0) {
      const name = errnoNames.get(-r) ?? `errno ${-r}`;
      const why = name === 'EADDRINUSE' ? 'address in use' : name === 'EACCES' ? 'permission denied' : name;
      throw new Error(`cannot listen on port ${port} (${address}): ${why}`);
    }
    const id = this.out[0]!;
    this.binds.set(id, bind);
    return { id, port: this.out[1]! };
  }

  /** Stops accepting on a listener (the port is free on return); handed-over connections still arrive. */
  stop(id: number): void {
    this.acceptor.close(id);
  }

  /** Forgets a listener's bind: connections still queued for it are closed. */
  forget(id: number): void {
    this.binds.delete(id);
  }

  configure(settings: HttpEdgeSettings): void {
    this.acceptor.configure(...fastLimits(settings));
  }

  private readonly onConnection = (fd: number, listener: number, kind: number, reason: number, target: string): void => {
    const bind = this.binds.get(listener);
    try {
      if (bind === undefined) closeSync(fd);
      else bind.adopt(fd, kind, reason, target);
    } catch (err) {
      log.warn({ err }, 'edge: could not serve an accepted connection');
      try {
        closeSync(fd);
      } catch {
        // already owned (and closed) by whoever failed
      }
    }
  };
}

/**
 * What the acceptor lets through to uWS: heads within both the configured limit and the one uWS
 * was loaded with (larger ones go to the Node edge, which applies the configured limit).
 */
function fastLimits(s: HttpEdgeSettings): [number, number, number] {
  const uwsLimit = uwsHeadLimit() || s.maxHeadBytes;
  return [Math.min(s.maxHeadBytes, uwsLimit), Math.min(s.maxHeaders, UWS_MAX_HEADERS), s.headTimeoutMs];
}

let hub: AcceptorHub | null = null;

/** The process's acceptor, started on first use. */
export function acceptorHub(Acceptor: AcceptorClass, settings: HttpEdgeSettings): AcceptorHub {
  hub ??= new AcceptorHub(Acceptor, settings);
  return hub;
}
