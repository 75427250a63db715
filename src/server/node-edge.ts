// The strict edge: Node's http server (llhttp) serving what uWS should not parse: HTTP/1.0,
// pipelined requests (answered in order), heads above uWS's limit, `Expect: 100-continue`
// (refused with a 413 before any 100), chunked uploads, non-ASCII header bytes, and every
// malformed head, answered at once with a 400/431 in the caller's dialect. It never listens
// itself: connections arrive from the acceptor (by descriptor) or from a plain net.Server (the
// TypeScript twin, when the addon is unavailable).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { HttpEdgeSettings } from '../config/http-edge.js';
import type { EdgeHost } from './edge-host.js';
import { logEdge } from './edge-log.js';
import { NodeExchange } from './node-exchange.js';
import { progressed, unwatch, watch } from './progress.js';
import { refuseRaw, targetOfRawHead } from './raw-refusal.js';
import { checkMethod, checkNodeHead, refusal } from './request-gate.js';

/** uWS closes idle keep-alive connections after 10 s; the Node edge does the same. */
const KEEP_ALIVE_MS = 10_000;

interface ParseError extends Error {
  code?: string;
  reason?: string;
  rawPacket?: Buffer;
}

export class NodeEdge {
  private readonly server: Server;
  /** The first request target seen on each connection, for the dialect of a head refused later. */
  private readonly firstTarget = new WeakMap<Socket, string>();

  constructor(
    private readonly host: EdgeHost,
    settings: HttpEdgeSettings,
  ) {
    const server = createServer({
      maxHeaderSize: settings.maxHeadBytes,
      // Checked here, so the refusal is in the caller's dialect rather than Node's empty 400.
      requireHostHeader: false,
      keepAliveTimeout: KEEP_ALIVE_MS,
      headersTimeout: settings.headTimeoutMs,
      // Whole-request deadlines are not progress-based; the body timeout below is.
      requestTimeout: 0,
      connectionsCheckingInterval: 1000,
      noDelay: true,
    });
    // Node would silently drop headers past its count limit; the count is checked (and refused) instead.
    server.maxHeadersCount = 0;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, false));
    server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res, true));
    server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
      this.refuseEarly(
        req,
        res,
        refusal('expectation_failed', 'expectation failed', 'unsupported Expect value (only 100-continue is)', true),
      );
    });
    server.on('clientError', (err: ParseError, socket: Socket) => this.onClientError(err, socket));
    server.on('connect', (req: IncomingMessage, socket: Socket) => {
      const r = checkMethod('CONNECT', host.sink.edgeSettings())!;
      logEdge({ status: r.status, event: r.event, detail: 'CONNECT', remote: socket.remoteAddress, port: host.port });
      refuseRaw(host, socket, r, req.url ?? '');
    });
    // The connection tracking behind headersTimeout is set up when a server starts listening;
    // this one never listens itself.
    server.emit('listening');
    this.server = server;
  }

  /**
   * Serves a connection the acceptor vetted (its first bytes are still in the socket; `target`
   * is its first request target as the acceptor saw it).
   */
  adopt(socket: Socket, target: string): void {
    this.firstTarget.set(socket, target);
    this.server.emit('connection', socket);
  }

  /**
   * Serves a connection straight from a net.Server (the TypeScript twin): its first bytes are
   * read here to note the request target, then handed back to the parser unchanged. A
   * connection that sends nothing within the head timeout is closed, as the acceptor does.
   */
  adoptAccepted(socket: Socket, headTimeoutMs: number): void {
    socket.setTimeout(headTimeoutMs, () => socket.destroy());
    socket.on('error', () => {});
    socket.once('data', (first: Buffer) => {
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      this.adopt(socket, targetOfRawHead(first));
      // The parser reads the handle directly from here on; the chunk read above still flows
      // to it through the socket's 'data' event first.
      socket.resume();
    });
  }

  /** Applies reloaded limits to connections accepted from now on. */
  configure(settings: HttpEdgeSettings): void {
    // Read per connection by Node (the typings only know the constructor option).
    (this.server as Server & { maxHeaderSize: number }).maxHeaderSize = settings.maxHeadBytes;
    this.server.headersTimeout = settings.headTimeoutMs;
  }

  /** Closes idle keep-alive connections now and the others once their response is done. */
  drain(): void {
    this.server.closeIdleConnections();
  }

  close(): void {
    this.server.closeAllConnections();
    this.server.close(() => {});
  }

  private onClientError(err: ParseError, socket: Socket): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const target = targetOfRawHead(err.rawPacket) || (this.firstTarget.get(socket) ?? '');
    let r;
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      const max = this.host.sink.edgeSettings().maxHeadBytes;
      r = refusal('head_too_large', 'head too large', `request head exceeds ${max} bytes (frontendPolicies.http.http1MaxHeaderSize)`, true);
    } else if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
      r = refusal('client_timeout', 'head timeout', 'request head timeout: the request head did not arrive in time', true);
    } else {
      r = refusal('malformed_request', 'malformed head', `malformed request: ${err.reason ?? err.code ?? 'parse error'}`, true);
    }
    logEdge({ status: r.status, event: r.event, detail: err.code, remote: socket.remoteAddress, port: this.host.port });
    refuseRaw(this.host, socket, r, target);
  }

  private refuseEarly(req: IncomingMessage, res: ServerResponse, r: ReturnType<typeof refusal>): void {
    this.host.started();
    const x = new NodeExchange(req, res, this.host);
    this.host.refuse(x, r);
  }

  private onRequest(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    const host = this.host;
    host.started();
    const x = new NodeExchange(req, res, host);
    const settings = host.sink.edgeSettings();
    const refused =
      checkNodeHead(req.httpVersionMajor, req.httpVersionMinor, req.rawHeaders, x.absoluteForm, settings) ??
      checkMethod(x.method, settings);
    if (refused !== null) return host.refuse(x, refused);
    const max = host.sink.maxBodyBytes();
    const tooLarge = refusal('body_too_large', 'body too large', `request body exceeds the limit of ${max} bytes`, expectsContinue);
    // llhttp has already refused a Content-Length that is not one number.
    if (Number(req.headers['content-length'] ?? 0) > max) return host.refuse(x, tooLarge);
    // Only now, with the request known acceptable, is the client told to send its body.
    if (expectsContinue) res.writeContinue();
    const chunks: Buffer[] = [];
    let size = 0;
    if (!req.complete) x.bodyWatch = watch(settings.bodyTimeoutMs, () => host.bodyTimedOut(x, settings.bodyTimeoutMs));
    req.on('data', (c: Buffer) => {
      if (x.aborted || x.headSent) return;
      if (x.bodyWatch !== null) progressed(x.bodyWatch);
      size += c.length;
      if (size > max) {
        unwatch(x.bodyWatch);
        x.bodyWatch = null;
        return host.refuse(x, tooLarge);
      }
      chunks.push(c);
    });
    req.on('end', () => {
      unwatch(x.bodyWatch);
      x.bodyWatch = null;
      if (x.aborted || x.headSent) return;
      x.body = chunks.length === 0 ? null : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      host.sink.handle(host.port, x);
    });
  }
}
