// One HTTP exchange on uWS, seen by the pipeline as a Downstream. Everything the pipeline
// needs from uWS's stack-allocated HttpRequest is copied here synchronously; writes made in
// one event-loop turn are coalesced into one corked write (one syscall), and uWS backpressure
// is handed to the pipeline's flow control (pause upstream, resume on writable). While a write
// is refused, the send timeout watches for the client to take more (progress.ts).
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import type { Downstream, HeaderList } from '../pipeline/downstream.js';
import { logEdge } from './edge-log.js';
import { unwatch, watch, type Watch } from './progress.js';
import { statusLine } from './status.js';

export interface ExchangeHooks {
  /** Called once when the exchange ends (response done, or client gone). */
  done(x: Downstream): void;
  /** True while the server drains: responses close their connection. */
  readonly draining: boolean;
  /** The bind's port (for logs). */
  readonly port: number;
  /** Current limit for a client that reads nothing of its response (ms). */
  sendTimeoutMs(): number;
}

export class Exchange implements Downstream {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: string[] = [];
  /** uWS's text form, copied out now (the response is gone later); cleaned up when read. */
  private readonly remoteRaw: string;
  private remoteCanonical: string | undefined;
  body: Buffer | null = null;
  aborted = false;
  abortReason: string | undefined;
  headSent = false;
  /** Close the connection after this response (its request's framing cannot be trusted). */
  closeAfter = false;
  /** Set while the request body is incomplete (progress.ts). */
  bodyWatch: Watch | null = null;
  private sendWatch: Watch | null = null;
  private ended = false;
  private status = 200;
  private headHeaders: HeaderList = [];
  private pending: (Uint8Array | string)[] = [];
  private flushQueued = false;
  private abortCb: (() => void) | null = null;
  private pauseFn: (() => void) | null = null;
  private resumeFn: (() => void) | null = null;
  private waitingWritable = false;

  constructor(
    private readonly res: HttpResponse,
    req: HttpRequest,
    private readonly hooks: ExchangeHooks,
  ) {
    // Methods are case-sensitive (RFC 9110): `get` is not GET, and is refused as unknown.
    this.method = req.getCaseSensitiveMethod();
    this.path = req.getUrl();
    this.query = req.getQuery() ?? '';
    const h = this.headers;
    req.forEach((k, v) => {
      h.push(k, v);
    });
    this.remoteRaw = Buffer.from(res.getRemoteAddressAsText()).toString();
    res.onAborted(() => this.onClientGone());
  }

  /** Read by the access log only, so the conversion stays off the path of every request. */
  get remoteAddress(): string {
    return (this.remoteCanonical ??= remoteText(this.remoteRaw));
  }

  private onClientGone(): void {
    if (this.ended) return;
    this.aborted = true;
    this.ended = true;
    this.unwatchAll();
    const cb = this.abortCb;
    this.abortCb = null;
    cb?.();
    this.hooks.done(this);
  }

  private unwatchAll(): void {
    unwatch(this.bodyWatch);
    unwatch(this.sendWatch);
    this.bodyWatch = this.sendWatch = null;
  }

  /** uWS's own 10 s timer would cut a long wait short: pause()+resume() re-arms it. */
  readonly rearm = (): void => {
    if (this.ended) return;
    this.res.pause();
    this.res.resume();
  };

  /** The client took nothing of the response for the send timeout: cut it, say why, abort upstream. */
  private sendTimedOut(): void {
    if (this.ended) return;
    const s = this.sendWatch!.limitMs / 1000;
    this.sendWatch = null;
    this.abortReason = `response send timeout: the client read nothing for ${s} s`;
    logEdge({
      status: 0,
      event: 'response send timeout',
      detail: `nothing read for ${s} s`,
      remote: this.remoteAddress,
      port: this.hooks.port,
    });
    this.onClientGone();
    this.res.close();
  }

  onAbort(cb: () => void): void {
    if (this.aborted) cb();
    else this.abortCb = cb;
  }

  head(status: number, headers: HeaderList): void {
    this.status = status;
    this.headHeaders = headers;
  }

  write(chunk: Uint8Array | string): void {
    if (this.ended) return;
    this.pending.push(chunk);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.ended || this.pending.length === 0) return;
    let ok = true;
    this.res.cork(() => {
      this.writeHead();
      ok = this.writePending();
    });
    if (!ok) this.backpressure();
  };

  end(chunk?: Uint8Array | string): void {
    if (this.ended) return;
    this.ended = true;
    const res = this.res;
    this.unwatchAll();
    // uWS writes "Connection: close" as a header, so only ask for it before the head is out
    // (asking mid-stream puts the header text inside the chunked body).
    const close = (this.hooks.draining || this.closeAfter) && !this.headSent;
    res.cork(() => {
      this.writeHead();
      this.writePending();
      if (this.method === 'HEAD' || this.status === 204 || this.status === 304) {
        // Any argument to endWithoutBody, undefined included, is taken as a reported length
        // (undefined becomes Content-Length: 2^63), so call it bare and say close by hand.
        if (close) res.writeHeader('connection', 'close');
        res.endWithoutBody();
      } else res.end(chunk !== undefined && chunk.length > 0 ? chunk : undefined, close);
    });
    this.abortCb = null;
    this.hooks.done(this);
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.unwatchAll();
    this.abortCb = null;
    this.res.close();
    this.hooks.done(this);
  }

  setFlow(pause: () => void, resume: () => void): void {
    this.pauseFn = pause;
    this.resumeFn = resume;
  }

  private writeHead(): void {
    if (this.headSent) return;
    this.headSent = true;
    const res = this.res;
    res.writeStatus(statusLine(this.status));
    const h = this.headHeaders;
    for (let i = 0; i < h.length; i += 2) res.writeHeader(h[i]!, h[i + 1]!);
  }

  private writePending(): boolean {
    const p = this.pending;
    if (p.length === 0) return true;
    let ok: boolean;
    if (p.length === 1) ok = this.res.write(p[0]!);
    else ok = this.res.write(Buffer.concat(p.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))));
    p.length = 0;
    return ok;
  }

  private backpressure(): void {
    this.pauseFn?.();
    this.sendWatch ??= watch(this.hooks.sendTimeoutMs(), () => this.sendTimedOut(), this.rearm);
    if (this.waitingWritable) return;
    this.waitingWritable = true;
    this.res.onWritable(() => {
      this.waitingWritable = false;
      // The client took some of the response: the send timeout starts over at the next refusal.
      unwatch(this.sendWatch);
      this.sendWatch = null;
      if (!this.ended) this.resumeFn?.();
      return true;
    });
  }
}

const MAPPED = '0000:0000:0000:0000:0000:ffff:';

/**
 * The client address in its usual text form. uWS writes IPv6 uncompressed and IPv4 clients on
 * its dual-stack socket as IPv4-mapped hex ("0000:…:ffff:7f00:0001"), which CEL rules such as
 * `cidr("127.0.0.1/8").containsIP(source.address)` must see as "127.0.0.1".
 */
export function remoteText(raw: string): string {
  if (raw.startsWith(MAPPED)) {
    const hi = parseInt(raw.slice(30, 34), 16);
    const lo = parseInt(raw.slice(35, 39), 16);
    return `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;
  }
  if (raw.startsWith('::ffff:') && raw.includes('.')) return raw.slice(7);
  if (raw.includes(':')) return new URL(`http://[${raw}]/`).hostname.slice(1, -1);
  return raw;
}
