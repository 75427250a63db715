// One HTTP exchange on uWS, seen by the pipeline as a Downstream. Everything the pipeline
// needs from uWS's stack-allocated HttpRequest is copied here synchronously; writes made in
// one event-loop turn go out as one corked write (one syscall), and uWS backpressure is handed
// to the pipeline's flow control (pause upstream, resume on writable); see edge-exchange.ts.
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { EdgeExchange, type ExchangeHooks } from './edge-exchange.js';
import type { Watch } from './progress.js';
import { statusLine } from './status.js';

export type { ExchangeHooks } from './edge-exchange.js';

export class Exchange extends EdgeExchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: string[] = [];
  /** The client address, read when recorded or first asked for. */
  private remote: string | undefined;
  private waitingWritable = false;

  constructor(
    private readonly res: HttpResponse,
    req: HttpRequest,
    hooks: ExchangeHooks,
  ) {
    super(hooks);
    // Methods are case-sensitive (RFC 9110): `get` is not GET, and is refused as unknown.
    this.method = req.getCaseSensitiveMethod();
    this.path = req.getUrl();
    this.query = req.getQuery() ?? '';
    const h = this.headers;
    req.forEach((k, v) => {
      h.push(k, v);
    });
    if (hooks.recordsRemoteAddress()) this.remote = this.readRemote();
    res.onAborted(() => this.clientGone());
  }

  /** Read by the access log, spans, edge logs and CEL (`source.address`) only: off the path of other requests. */
  get remoteAddress(): string {
    // uWS forbids touching the response once it ended or the client went away
    return (this.remote ??= this.ended || this.aborted ? '' : this.readRemote());
  }

  /** One getpeername() (uWS keeps no per-connection copy); the binary form, text from a cache. */
  private readRemote(): string {
    return remoteFromBytes(this.res.getRemoteAddress());
  }

  /** uWS's own 10 s timer would cut a long wait short: pause()+resume() re-arms it. */
  readonly rearm = (): void => {
    if (this.ended) return;
    this.res.pause();
    this.res.resume();
  };

  protected flushPending(): boolean {
    let ok = true;
    this.res.cork(() => {
      this.writeHead();
      ok = this.writePending();
    });
    return ok;
  }

  end(chunk?: Uint8Array | string): void {
    if (this.ended) return;
    // Set before writing: a socket that fails inside the cork reports itself aborted, and must not end twice.
    this.ended = true;
    const res = this.res;
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
    this.ending();
  }

  protected override closeTransport(): void {
    this.res.close();
  }

  protected override watchSend(): Watch {
    return super.watchSend(this.rearm);
  }

  protected awaitWritable(): void {
    if (this.waitingWritable) return;
    this.waitingWritable = true;
    this.res.onWritable(() => {
      this.waitingWritable = false;
      this.writable();
      return true;
    });
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
}

const MAPPED = '0000:0000:0000:0000:0000:ffff:';

/** IPv4 clients (also IPv4-mapped on a dual-stack socket) by their 32-bit address. */
const v4Text = new Map<number, string>();
const V4_CACHE_MAX = 4096;

/**
 * The text form of uWS's binary address (4 bytes, or 16 for IPv6), as remoteText() gives it.
 * Busy gateways see the same clients again and again: IPv4 text comes from a bounded cache.
 */
export function remoteFromBytes(ab: ArrayBuffer): string {
  const b = new Uint8Array(ab);
  let at: number;
  if (b.length === 4) at = 0;
  else if (b.length === 16 && isV4Mapped(b)) at = 12;
  else if (b.length === 16) return remoteText(ipv6Hex(b));
  else return '';
  const n = ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
  let text = v4Text.get(n);
  if (text === undefined) {
    text = `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
    if (v4Text.size >= V4_CACHE_MAX) v4Text.clear();
    v4Text.set(n, text);
  }
  return text;
}

function isV4Mapped(b: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** Uncompressed IPv6 text, as uWS's getRemoteAddressAsText() writes it. */
function ipv6Hex(b: Uint8Array): string {
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16).padStart(4, '0'));
  return groups.join(':');
}

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
