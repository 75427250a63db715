// The upstream call on undici's core handler protocol (onConnect/onHeaders/onData/onComplete).
// It is the layer undici's own APIs are built on: raw header buffers instead of a parsed
// object, and flow control by returning false, so no Readable, promise or header object is
// created per request. `pause()`/`resume()` map onto uWS write backpressure and onWritable.
import type { Dispatcher } from 'undici';
import type { GatewayError } from '../errors.js';
import { classifyUpstreamError, type TimeoutLimits } from './errors.js';

export interface UpstreamRequest {
  method: string;
  /** Path and query, starting with `/`. */
  path: string;
  /** Flat name/value list; `host` and `content-length` are set by undici. */
  headers: string[];
  body: Uint8Array | null;
  /** Time allowed until response headers (0 = no limit). */
  headersTimeoutMs: number;
  /** Time allowed between response body chunks (0 = no limit). */
  bodyTimeoutMs: number;
}

/** A connection pool as the rest of the gateway sees it (undici stays behind src/upstream). */
export type UpstreamPool = Dispatcher;

export interface UpstreamListener {
  onHeaders(status: number, rawHeaders: Buffer[]): void;
  onData(chunk: Buffer): void;
  onEnd(): void;
  /** The call failed (an upstream_* kind, see errors.ts); no other callback follows. */
  onError(err: GatewayError): void;
}

/**
 * Where a call notes when it got a connection and when the response head came (monotonic ns),
 * for the console's per-request phases: the request context, structurally.
 */
export interface UpstreamTiming {
  upstreamConnectedNs: bigint | undefined;
  upstreamHeadersNs: bigint | undefined;
}

export class UpstreamCall {
  private abortFn: ((err: Error) => void) | null = null;
  private resumeFn: (() => void) | null = null;
  private pendingAbort: Error | null = null;
  private paused = false;
  private done = false;
  /** Set once response headers arrived. */
  started = false;

  constructor(
    private readonly listener: UpstreamListener,
    private readonly origin: string,
    private readonly limits: TimeoutLimits = { headersMs: 0, bodyMs: 0 },
    private readonly timing: UpstreamTiming | null = null,
  ) {}

  static start(
    dispatcher: Dispatcher,
    origin: string,
    req: UpstreamRequest,
    listener: UpstreamListener,
    timing: UpstreamTiming | null = null,
  ): UpstreamCall {
    const call = new UpstreamCall(listener, origin, { headersMs: req.headersTimeoutMs, bodyMs: req.bodyTimeoutMs }, timing);
    dispatcher.dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: req.path,
        headers: req.headers,
        body: req.body,
        headersTimeout: req.headersTimeoutMs,
        bodyTimeout: req.bodyTimeoutMs,
      },
      // The cast: undici 7 types only its controller-based handler (onRequestStart,
      // onResponseStart, ...), and this one speaks the legacy onConnect/onHeaders/onData/
      // onComplete protocol, which undici 7's core still runs on. It is kept on purpose (issue
      // 14): undici 7 (newest 7.30.3, whose lib/ is byte-identical to 7.30.2) runs a controller
      // handler through UnwrapHandler (lib/handler/unwrap-handler.js), which allocates a wrapper
      // and a controller per request and parses the raw response headers and trailers into
      // objects per response: ~1.6 µs of CPU per request (bench/micro/undici-adapter.ts). The
      // controller version (commit a85096c) measured +1.2 to +2.7 µs per request in all six
      // pairs of `npm run bench -- --lanes builds` (bench/results/2026-12-07T17-58-59-351Z,
      // T18-01-14-088Z, T18-09-45-325Z); reruns at load 25-60 were too noisy to resolve it
      // (bench/results/undici-adapter-2026-12-07.md). Switch with undici 8 (Node >= 22.19),
      // whose core runs controller handlers without the adapter. README "Dependency notes".
      call as unknown as Dispatcher.DispatchHandler,
    );
    return call;
  }

  pause(): void {
    this.paused = true;
  }

  /** The client cannot take more: silence from the upstream is then not the upstream's fault. */
  get isPaused(): boolean {
    return this.paused;
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.resumeFn?.();
  }

  /** Stops the upstream request (client gone, timeout). No listener callback follows. */
  abort(reason = 'client closed the connection'): void {
    if (this.done) return;
    this.done = true;
    const err = Object.assign(new Error(reason), { code: 'UND_ERR_ABORTED' });
    if (this.abortFn) this.abortFn(err);
    else this.pendingAbort = err;
  }

  // ---- undici core handler protocol ----

  onConnect(abort: (err: Error) => void): void {
    // undici calls this as it writes the request on a connection (a new one connected first).
    if (this.timing !== null) this.timing.upstreamConnectedNs = process.hrtime.bigint();
    if (this.pendingAbort) abort(this.pendingAbort);
    else this.abortFn = abort;
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx informational: wait for the final response
    this.resumeFn = resume;
    this.started = true;
    if (this.timing !== null) this.timing.upstreamHeadersNs = process.hrtime.bigint();
    if (!this.done) this.listener.onHeaders(status, rawHeaders);
    return !this.paused;
  }

  onData(chunk: Buffer): boolean {
    if (!this.done) this.listener.onData(chunk);
    return !this.paused;
  }

  onComplete(): void {
    if (this.done) return;
    this.done = true;
    this.listener.onEnd();
  }

  onError(err: Error): void {
    if (this.done) return;
    this.done = true;
    this.listener.onError(classifyUpstreamError(err, this.origin, this.limits));
  }

  onUpgrade(): void {
    this.onError(Object.assign(new Error('unexpected protocol upgrade from upstream'), { code: 'UND_ERR_PROTOCOL' }));
  }
}
