// One HTTP exchange on the Node.js edge, seen by the pipeline as a Downstream: the same
// contract as the uWS Exchange (edge-exchange.ts), over IncomingMessage and ServerResponse.
// Header values are kept as llhttp gives them (latin1, one char per byte), so non-UTF-8 bytes
// reach the upstream unchanged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HeaderList } from '../pipeline/downstream.js';
import { EdgeExchange, type ExchangeHooks } from './edge-exchange.js';
import { remoteText } from './exchange.js';
import type { Watch } from './progress.js';

export class NodeExchange extends EdgeExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: string[] = [];
  readonly httpVersion: string;
  /** The request target was absolute-form (`GET http://host/path`). */
  readonly absoluteForm: boolean;
  private lastOutput = 0;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    hooks: ExchangeHooks,
  ) {
    super(hooks);
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

  private readonly onSocketClose = (): void => this.clientGone();
  private readonly onDrain = (): void => this.writable();

  protected override released(): void {
    this.req.socket.removeListener('close', this.onSocketClose);
    this.res.removeListener('drain', this.onDrain);
  }

  protected flushPending(): boolean {
    this.writeHead();
    return this.res.write(this.takePending());
  }

  end(chunk?: Uint8Array | string): void {
    if (this.ended) return;
    const last = chunk !== undefined && chunk.length > 0 ? chunk : undefined;
    // A whole response in one piece gets a Content-Length: an HTTP/1.0 client can then keep
    // its connection (it cannot read chunked framing).
    if (!this.headSent && this.pending.length === 0 && !bodiless(this.method, this.status) && !hasLength(this.headHeaders)) {
      this.headHeaders = [...this.headHeaders, 'content-length', String(last === undefined ? 0 : Buffer.byteLength(last))];
    }
    this.writeHead();
    if (this.pending.length > 0) this.res.write(this.takePending());
    this.ending();
    this.res.end(last);
  }

  protected closeTransport(): void {
    this.res.destroy();
  }

  /** No event reports a slow reader's progress: the buffered amount shrinking between ticks is it. */
  protected override watchSend(): Watch {
    const w = super.watchSend();
    this.lastOutput = this.res.writableLength;
    w.probe = () => {
      const n = this.res.writableLength;
      const moved = n < this.lastOutput;
      this.lastOutput = n;
      return moved;
    };
    return w;
  }

  protected awaitWritable(): void {
    // 'drain' (registered once in the constructor) calls writable().
  }

  private writeHead(): void {
    if (this.headSent) return;
    this.headSent = true;
    const flat: string[] = [];
    const h = this.headHeaders;
    for (let i = 0; i < h.length; i++) flat.push(latin1(h[i]!));
    if (this.hooks.draining || this.closeAfter) this.res.shouldKeepAlive = false;
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
