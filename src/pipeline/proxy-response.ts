// Relaying an upstream response as it is (passthrough routes and host backends). A small
// response with a known length is held until it ends and written with the head in one cork;
// anything else (SSE, large or unknown-length bodies) streams through with backpressure.
import type { GatewayError } from '../errors.js';
import { rewriteRawHeaders, type CompiledHeaderRules as HeaderRules } from '../native/index.js';
import { rawHeaderValue } from '../http/header-lists.js';
import type { UpstreamCall, UpstreamListener } from '../upstream/dispatch.js';
import type { RequestCtx } from './context.js';
import { head, sendError } from './respond.js';

/** Bodies up to this size with a Content-Length are written in one piece with the head. */
const HOLD_LIMIT = 256 * 1024;

/** Sees the upstream response as it is relayed (A2A telemetry reads calls' answers); never changes it. */
export interface ResponseWatcher {
  headers(status: number, raw: Buffer[]): void;
  data(chunk: Buffer): void;
  end(): void;
  /**
   * The upstream failed after the response started: bytes that end it in the client's protocol
   * (an A2A stream's JSON-RPC error event), or undefined to close the connection uncleanly.
   */
  failure?(message: string): string | undefined;
}

export class ProxyResponse implements UpstreamListener {
  call: UpstreamCall | null = null;
  private held: Buffer[] | null = null;
  private heldBytes = 0;

  constructor(
    private readonly ctx: RequestCtx,
    private readonly rules: HeaderRules,
    private readonly onDone: (ctx: RequestCtx) => void,
    /** Reads model and usage on detect routes, A2A answers on A2A routes; never changes the bytes. */
    private readonly watcher: ResponseWatcher | null = null,
  ) {}

  onHeaders(status: number, raw: Buffer[]): void {
    const ctx = this.ctx;
    ctx.status = status;
    this.watcher?.headers(status, raw);
    const length = rawHeaderValue(raw, 'content-length');
    if (length !== undefined && Number(length) <= HOLD_LIMIT) this.held = [];
    head(ctx, status, rewriteRawHeaders(raw, this.rules));
    if (this.held === null) {
      const call = this.call!;
      ctx.down.setFlow(
        () => call.pause(),
        () => call.resume(),
      );
    }
  }

  onData(chunk: Buffer): void {
    this.watcher?.data(chunk);
    if (this.held !== null) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    } else {
      this.ctx.down.write(chunk);
    }
  }

  onEnd(): void {
    this.watcher?.end();
    const held = this.held;
    if (held === null) this.ctx.down.end();
    else this.ctx.down.end(held.length === 1 ? held[0]! : Buffer.concat(held, this.heldBytes));
    this.onDone(this.ctx);
  }

  onError(err: GatewayError): void {
    const tail = this.ctx.down.headSent ? this.watcher?.failure?.(err.message) : undefined;
    if (tail !== undefined) this.ctx.down.end(tail);
    else sendError(this.ctx, err);
    this.onDone(this.ctx);
  }
}
