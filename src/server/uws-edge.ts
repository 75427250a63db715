// The fast path: a uWS app serving connections whose first request head the acceptor vetted
// (adopted by descriptor), or listening itself (AGW_EDGE=uws, the benchmark baseline). Every
// request still passes the method and framing checks uWS does not make, and a body that stops
// arriving gets a 408 after the body timeout instead of uWS's silent cut at ~10 s.
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';
import type { EdgeHost } from './edge-host.js';
import { Exchange } from './exchange.js';
import { progressed, unwatch, watch } from './progress.js';
import { checkMethod, declaredLength, refusal } from './request-gate.js';
import { uws } from './uws.js';

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT (exported at runtime, missing from the typings). */
const EXCLUSIVE_PORT = 1;

export class UwsEdge {
  private readonly app: TemplatedApp;
  private socket: us_listen_socket | null = null;

  constructor(private readonly host: EdgeHost) {
    this.app = uws()
      .App()
      .any('/*', (res, req) => this.onRequest(res, req));
  }

  /** Serves a connection accepted elsewhere; its first request is still in the socket. */
  adopt(fd: number): void {
    (this.app as unknown as { adoptSocket(fd: number): void }).adoptSocket(fd);
  }

  /** uWS listens itself (no vetting of heads: the benchmark baseline). */
  listen(address: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      // listen(host, port, options, cb) exists at runtime; the typings lack the 4-argument form.
      const listen = this.app.listen as unknown as (h: string, p: number, o: number, cb: (s: us_listen_socket | false) => void) => void;
      listen.call(this.app, address, port, EXCLUSIVE_PORT, (s) => {
        if (s === false) {
          reject(new Error(`cannot listen on port ${port} (${address}): address in use or not permitted`));
          return;
        }
        this.socket = s;
        resolve(uws().us_socket_local_port(s as never));
      });
    });
  }

  stopListening(): void {
    if (this.socket !== null) {
      uws().us_listen_socket_close(this.socket);
      this.socket = null;
    }
  }

  close(): void {
    this.stopListening();
    this.app.close();
  }

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    const host = this.host;
    host.started();
    const x = new Exchange(res, req, host);
    const settings = host.sink.edgeSettings();
    const declared = declaredLength(x.headers);
    const refused = checkMethod(x.method, settings) ?? (typeof declared === 'number' ? null : declared);
    if (refused !== null) return host.refuse(x, refused);
    const max = host.sink.maxBodyBytes();
    // Refused without reading the body. The connection stays open: uWS discards the rest of the
    // body, and closing instead would make clients still sending it see EPIPE, not our 413.
    const tooLarge = refusal('body_too_large', 'body too large', `request body exceeds the limit of ${max} bytes`, false);
    if ((declared as number) > max) return host.refuse(x, tooLarge);
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((ab, isLast) => {
      if (x.aborted || x.headSent) return;
      if (ab.byteLength > 0) {
        size += ab.byteLength;
        if (size > max) {
          unwatch(x.bodyWatch);
          x.bodyWatch = null;
          return host.refuse(x, tooLarge);
        }
        chunks.push(Buffer.from(new Uint8Array(ab))); // the ArrayBuffer is only valid in this call
      }
      if (!isLast) {
        if (x.bodyWatch === null) x.bodyWatch = watch(settings.bodyTimeoutMs, () => host.bodyTimedOut(x, settings.bodyTimeoutMs), x.rearm);
        else progressed(x.bodyWatch);
        return;
      }
      unwatch(x.bodyWatch);
      x.bodyWatch = null;
      x.body = chunks.length === 0 ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      host.sink.handle(host.port, x);
    });
  }
}
