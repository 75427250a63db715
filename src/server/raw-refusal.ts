// Answers a connection whose request could not be parsed (a malformed or oversize head, a head
// that never completed) with an error in the caller's dialect, written straight to the socket,
// then closes it. The answer comes from the one error path (the sink's reject: the dialect from
// the request target, when the head got that far; observed like any other refusal).
import type { Socket } from 'node:net';
import type { Downstream, HeaderList } from '../pipeline/downstream.js';
import type { EdgeHost } from './edge-host.js';
import { refusalError, type Refusal } from './request-gate.js';
import { statusLine } from './status.js';

/** How long a refused client may keep sending (its unread body) before the socket is destroyed. */
const LINGER_MS = 2000;

class RawDownstream implements Downstream {
  readonly method = '';
  readonly query = '';
  readonly headers: string[] = [];
  readonly body = null;
  readonly aborted = false;
  headSent = false;
  private status = 0;
  private headHeaders: HeaderList = [];

  constructor(
    private readonly socket: Socket,
    readonly path: string,
  ) {}

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  onAbort(): void {}
  setFlow(): void {}
  write(): void {}

  head(status: number, headers: HeaderList): void {
    this.status = status;
    this.headHeaders = headers;
  }

  end(chunk?: Uint8Array | string): void {
    this.headSent = true;
    const body = chunk === undefined ? Buffer.alloc(0) : Buffer.from(chunk);
    let head = `HTTP/1.1 ${statusLine(this.status)}\r\n`;
    const h = this.headHeaders;
    for (let i = 0; i < h.length; i += 2) head += `${text(h[i]!)}: ${text(h[i + 1]!)}\r\n`;
    head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    lingerAndClose(this.socket, Buffer.concat([Buffer.from(head, 'latin1'), body]));
  }

  close(): void {
    this.socket.destroy();
  }
}

function text(v: string | Uint8Array): string {
  return typeof v === 'string' ? v : Buffer.from(v).toString('latin1');
}

/**
 * Writes `bytes`, half-closes, and discards what the client still sends for a moment: closing
 * with unread input makes the kernel send a reset, which can destroy the response before the
 * client reads it (nginx's lingering close).
 */
function lingerAndClose(socket: Socket, bytes: Buffer): void {
  if (socket.destroyed) return;
  socket.on('error', () => {});
  socket.end(bytes);
  socket.resume();
  const t = setTimeout(() => socket.destroy(), LINGER_MS);
  t.unref();
  socket.once('close', () => clearTimeout(t));
}

/** The path of a request target (query dropped), for choosing the dialect; '' when unknown. */
export function pathOfTarget(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

/** The request target at the start of a raw head (`METHOD SP target SP ...`), or '' if it does not start there. */
export function targetOfRawHead(raw: Buffer | undefined): string {
  if (raw === undefined) return '';
  const line = raw.subarray(0, Math.min(raw.length, 2048)).toString('latin1');
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+ ([^\s]+)/.exec(line)?.[1] ?? '';
}

/** Answers `r` in the dialect of `target`'s path, then closes the socket. */
export function refuseRaw(host: EdgeHost, socket: Socket, r: Refusal, target: string): void {
  host.sink.reject(host.port, new RawDownstream(socket, pathOfTarget(target)), refusalError(r));
}
