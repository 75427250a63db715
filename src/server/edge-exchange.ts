// What the two edges' exchanges share: the Downstream contract the pipeline sees (writes
// coalesced per event-loop turn, backpressure handed to the pipeline's pause/resume, a client
// abort reported once) and the send timeout (progress.ts) that watches a refused write. The uWS
// and Node subclasses only say how to write, end and close on their transport.
import type { Downstream, HeaderList } from '../pipeline/downstream.js';
import { logEdge } from './edge-log.js';
import { unwatch, watch, type Watch } from './progress.js';

export interface ExchangeHooks {
  /** Called once when the exchange ends (response done, or client gone). */
  done(x: Downstream): void;
  /** True while the server drains: responses close their connection. */
  readonly draining: boolean;
  /** The bind's port (for logs). */
  readonly port: number;
  /** Current limit for a client that reads nothing of its response (ms). */
  sendTimeoutMs(): number;
  /**
   * Whether the client address must be copied at the start: something reads it after the
   * response is gone (the access log, a span). Otherwise uWS exchanges read it only if asked
   * during the request, which saves a getpeername() per request.
   */
  recordsRemoteAddress(): boolean;
}

export abstract class EdgeExchange implements Downstream {
  abstract readonly method: string;
  abstract readonly path: string;
  abstract readonly query: string;
  abstract readonly headers: string[];
  abstract readonly remoteAddress: string;
  body: Buffer | null = null;
  aborted = false;
  abortReason: string | undefined;
  headSent = false;
  /** Close the connection after this response (its request's framing cannot be trusted). */
  closeAfter = false;
  /** Set while the request body is incomplete (progress.ts). */
  bodyWatch: Watch | null = null;
  protected sendWatch: Watch | null = null;
  protected ended = false;
  protected status = 200;
  protected headHeaders: HeaderList = [];
  protected pending: (Uint8Array | string)[] = [];
  private flushQueued = false;
  private abortCb: (() => void) | null = null;
  private pauseFn: (() => void) | null = null;
  private resumeFn: (() => void) | null = null;

  constructor(protected readonly hooks: ExchangeHooks) {}

  abstract end(chunk?: Uint8Array | string): void;
  /** Writes the head (once) and the pending chunks; false when the transport refused them. */
  protected abstract flushPending(): boolean;
  /** Starts waiting for the transport to take more (its 'writable' event calls `writable`). */
  protected abstract awaitWritable(): void;
  /** Drops the connection without a clean end. */
  protected abstract closeTransport(): void;
  /** Transport-specific cleanup when the exchange ends, however it ends. */
  protected released(): void {}

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
    if (!this.flushPending()) this.backpressure();
  };

  setFlow(pause: () => void, resume: () => void): void {
    this.pauseFn = pause;
    this.resumeFn = resume;
  }

  close(): void {
    if (this.ended) return;
    this.abortCb = null;
    this.finish();
    this.closeTransport();
  }

  /** The exchange is over (response ended or connection gone): stop watching, tell the bind. */
  protected finish(): void {
    this.stopWatching();
    this.released();
    this.hooks.done(this);
  }

  private stopWatching(): void {
    this.ended = true;
    unwatch(this.bodyWatch);
    unwatch(this.sendWatch);
    this.bodyWatch = this.sendWatch = null;
  }

  /** Called before the response ends normally: no abort will be reported after this. */
  protected ending(): void {
    this.abortCb = null;
    this.finish();
  }

  /** The client went away before the response ended: report it once (before the bind hears of it). */
  protected clientGone(): void {
    if (this.ended) return;
    this.aborted = true;
    this.stopWatching();
    const cb = this.abortCb;
    this.abortCb = null;
    cb?.();
    this.released();
    this.hooks.done(this);
  }

  private backpressure(): void {
    this.pauseFn?.();
    if (this.sendWatch === null) this.sendWatch = this.watchSend();
    this.awaitWritable();
  }

  /** The send timeout for one refused write; subclasses add a rearm or a progress probe. */
  protected watchSend(rearm?: () => void): Watch {
    return watch(this.hooks.sendTimeoutMs(), () => this.sendTimedOut(), rearm);
  }

  /** The transport took some of the response: the send timeout starts over at the next refusal. */
  protected writable(): void {
    unwatch(this.sendWatch);
    this.sendWatch = null;
    if (!this.ended) this.resumeFn?.();
  }

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
    this.clientGone();
    this.closeTransport();
  }
}
