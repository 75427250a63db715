// One HTTP exchange on the Node.js edge, seen by the pipeline as a Downstream: the same
// contract as the uWS Exchange (writes coalesced per event-loop turn, backpressure handed to
// the pipeline's pause/resume, client abort reported once), over IncomingMessage and
// ServerResponse. Header values are kept as llhttp gives them (latin1, one char per byte), so
// non-UTF-8 bytes reach the upstream unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Downstream, HeaderList } from '../pipeline/downstream.js';
import type { EdgeExchange } from './edge-host.js';
import { logEdge } from './edge-log.js';
import type { ExchangeHooks } from './exchange.js';
import { remoteText } from './exchange.js';
import { unwatch, watch, type Watch } from './progress.js';

export class NodeExchange implements Downstream, EdgeExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: string[] = [];
  /** The request target was absolute-form (`GET http://host/path`). */
  readonly absoluteForm: boolean;
  readonly httpVersion: string;
  body: Buffer | null = null;
  aborted = false;
  abortReason: string | undefined;
  headSent = false;
  closeAfter = false;
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
  private lastOutput = 0;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly hooks: ExchangeHooks,
  ) {
    this.method = req.method ?? '';
    this.httpVersion = `HTTP/${req.httpVersion}`;
    const raw = req.rawHeaders;
    const h = this.headers;
    for (let i = 0; i < raw.length; i += 2) h.push(raw[i]!.toLowerCase(), raw[i + 1]!);
    const target = splitTarget(req.url ?? '');
    this.path = target.path;
    this.query = target.query;
    this.absoluteForm = target.authority !== null;
    // RFC 9112 3.2.2: with an absolute-form target, its authority is the host, not the header.
    if (target.authority !== null) setHost(h, target.authority);
    req.socket.on('close', this.onSocketClose);
    res.on('drain', this.onDrain);
  }

  get remoteAddress(): string {
    return remoteText(this.req.socket.remoteAddress ?? '');
  }

  private readonly onSocketClose = (): void => {
    if (this.ended) return;
    this.aborted = true;
    this.finishUp();
    const cb = this.abortCb;
    this.abortCb = null;
    cb?.();
  };

  private finishUp(): void {
    this.ended = true;
    unwatch(this.bodyWatch);
    unwatch(this.sendWatch);
    this.bodyWatch = this.sendWatch = null;
    this.req.socket.removeListener('close', this.onSocketClose);
    this.res.removeListener('drain', this.onDrain);
    this.hooks.done(this);
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
    this.writeHead();
    if (!this.res.write(this.takePending())) this.backpressure();
  };

  end(chunk?: Uint8Array | string): void {
    if (this.ended) return;
    const last = chunk !== undefined && chunk.length > 0 ? chunk : undefined;
    // A whole response in one piece gets a Content-Length: an HTTP/1.0 client can then keep
    // its connection (it cannot read chunked framing).
    if (!this.headSent && this.pending.length === 0 && !bodiless(this.method, this.status) && !hasLength(this.headHeaders)) {
      this.headHeaders = [...this.headHeaders, 'content-length', String(last === undefined ? 0 : Buffer.byteLength(last))];
    }
    this.writeHead();
    const rest = this.pending.length > 0 ? this.takePending() : null;
    if (rest !== null) this.res.write(rest);
    this.abortCb = null;
    this.finishUp();
    this.res.end(last);
  }

  close(): void {
    if (this.ended) return;
    this.abortCb = null;
    this.finishUp();
    this.res.destroy();
  }

  setFlow(pause: () => void, resume: () => void): void {
    this.pauseFn = pause;
    this.resumeFn = resume;
  }

  private writeHead(): void {
    if (this.headSent) return;
    this.headSent = true;
    const flat: string[] = [];
    const h = this.headHeaders;
    for (let i = 0; i < h.length; i++) flat.push(latin1(h[i]!));
    if ((this.hooks.draining || this.closeAfter) && !this.res.headersSent) this.res.shouldKeepAlive = false;
    this.res.writeHead(this.status, flat);
  }

  private takePending(): Buffer {
    const p = this.pending;
    const out =
      p.length === 1 && typeof p[0] !== 'string'
        ? Buffer.from(p[0]!)
        : Buffer.concat(p.map((c) => (typeof c === 'string' ? Buffer.from(c) : c)));
    p.length = 0;
    return out;
  }

  private backpressure(): void {
    this.pauseFn?.();
    if (this.sendWatch !== null) return;
    this.lastOutput = this.res.writableLength;
    // A slow reader that keeps reading drains part of the buffer between ticks: that is progress.
    this.sendWatch = watch(this.hooks.sendTimeoutMs(), () => this.sendTimedOut());
    this.sendWatch.probe = () => {
      const n = this.res.writableLength;
      const moved = n < this.lastOutput;
      this.lastOutput = n;
      return moved;
    };
  }

  private readonly onDrain = (): void => {
    unwatch(this.sendWatch);
    this.sendWatch = null;
    if (!this.ended) this.resumeFn?.();
  };

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
    this.onSocketClose();
    this.res.destroy();
  }
}

function bodiless(method: string, status: number): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || status < 200;
}

function hasLength(h: HeaderList): boolean {
  for (let i = 0; i < h.length; i += 2) if (latin1(h[i]!).toLowerCase() === 'content-length') return true;
  return false;
}

function latin1(v: string | Uint8Array): string {
  return typeof v === 'string' ? v : Buffer.from(v).toString('latin1');
}

interface Target {
  path: string;
  query: string;
  /** The authority of an absolute-form target, else null. */
  authority: string | null;
}

/** Origin form as is; absolute form (`http://host/p?q`) split into its authority and path. */
export function splitTarget(url: string): Target {
  let rest = url;
  let authority: string | null = null;
  const m = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  if (m !== null) {
    authority = m[1]!.replace(/^[^@]*@/, '');
    rest = url.slice(m[0].length);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  }
  const q = rest.indexOf('?');
  return q < 0 ? { path: rest, query: '', authority } : { path: rest.slice(0, q), query: rest.slice(q + 1), authority };
}

function setHost(headers: string[], authority: string): void {
  for (let i = headers.length - 2; i >= 0; i -= 2) if (headers[i] === 'host') headers.splice(i, 2);
  headers.push('host', authority);
}
