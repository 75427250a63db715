// One uWS app per bind port. The port is bound exclusively: a second gateway (or anything else)
// on the same data-plane port is a hard error, not a silent SO_REUSEPORT share.
import {
  App,
  us_listen_socket_close,
  us_socket_local_port,
  type HttpRequest,
  type HttpResponse,
  type TemplatedApp,
  type us_listen_socket,
} from 'uWebSockets.js';
import { GatewayError } from '../errors.js';
import type { Downstream } from '../pipeline/downstream.js';
import { Exchange, type ExchangeHooks } from './exchange.js';

/** uSockets' LIBUS_LISTEN_EXCLUSIVE_PORT (exported at runtime, missing from the typings). */
const EXCLUSIVE_PORT = 1;

export interface RequestSink {
  /** Largest request body accepted now (from the current snapshot). */
  maxBodyBytes(): number;
  /** Runs the pipeline for a request whose body has been read. */
  handle(port: number, down: Downstream): void;
  /** Answers a request the server refuses before the pipeline (body too large). */
  reject(port: number, down: Downstream, err: GatewayError): void;
}

export class BindServer implements ExchangeHooks {
  private readonly app: TemplatedApp;
  private socket: us_listen_socket | null = null;
  draining = false;
  inflight = 0;
  private idleWaiters: (() => void)[] = [];
  boundPort = 0;

  constructor(
    readonly port: number,
    private readonly sink: RequestSink,
  ) {
    this.app = App().any('/*', (res, req) => this.onRequest(res, req));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(this.port, EXCLUSIVE_PORT as never, (s) => {
        if (s === false) {
          reject(new Error(`cannot listen on port ${this.port}: address in use or not permitted`));
          return;
        }
        this.socket = s;
        this.boundPort = us_socket_local_port(s as never);
        resolve(this.boundPort);
      });
    });
  }

  /** Stops accepting connections; open keep-alive connections close after their response. */
  stopAccepting(): void {
    this.draining = true;
    if (this.socket !== null) {
      us_listen_socket_close(this.socket);
      this.socket = null;
    }
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
    this.app.close();
  }

  done(): void {
    this.inflight--;
    if (this.inflight === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  /**
   * Refuses without reading the body. The connection stays open: uWS discards the rest of the
   * body, and closing instead would make clients still sending it see EPIPE, not our 413.
   */
  private tooLarge(x: Exchange, max: number): void {
    this.sink.reject(this.port, x, new GatewayError('body_too_large', `request body exceeds the limit of ${max} bytes`));
  }

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    this.inflight++;
    const x = new Exchange(res, req, this);
    const max = this.sink.maxBodyBytes();
    const declared = contentLength(x.headers);
    if (declared > max) {
      this.tooLarge(x, max);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.onData((ab, isLast) => {
      if (x.aborted || x.headSent) return;
      if (ab.byteLength > 0) {
        size += ab.byteLength;
        if (size > max) {
          this.tooLarge(x, max);
          return;
        }
        chunks.push(Buffer.from(new Uint8Array(ab))); // the ArrayBuffer is only valid in this call
      }
      if (!isLast) return;
      x.body = chunks.length === 0 ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      this.sink.handle(this.port, x);
    });
  }
}

function contentLength(headers: string[]): number {
  for (let i = 0; i < headers.length; i += 2) if (headers[i] === 'content-length') return Number(headers[i + 1]);
  return 0;
}
