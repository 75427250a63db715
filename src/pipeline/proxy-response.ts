// Relaying an upstream response as it is (passthrough routes and host backends). A small
// response with a known length is held until it ends and written with the head in one cork;
// anything else (SSE, large or unknown-length bodies) streams through with backpressure.
import { rewriteRawHeaders, type CompiledHeaderRules as HeaderRules } from '../native/index.js';
import { rawHeaderValue } from './header-values.js';
import type { UpstreamCall, UpstreamListener } from '../upstream/dispatch.js';
import type { UpstreamFailure } from '../upstream/errors.js';
import type { RequestCtx } from './context.js';
import { upstreamFailureError } from './upstream-errors.js';
import { head, sendError } from './respond.js';

/** Bodies up to this size with a Content-Length are written in one piece with the head. */
const HOLD_LIMIT = 256 * 1024;

export class ProxyResponse implements UpstreamListener {
  call: UpstreamCall | null = null;
  private held: Buffer[] | null = null;
  private heldBytes = 0;

  constructor(
    private readonly ctx: RequestCtx,
    private readonly rules: HeaderRules,
    private readonly onDone: (ctx: RequestCtx) => void,
  ) {}

  onHeaders(status: number, raw: Buffer[]): void {
    const ctx = this.ctx;
    ctx.status = status;
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
    if (this.held !== null) {
      this.held.push(chunk);
      this.heldBytes += chunk.length;
    } else {
      this.ctx.down.write(chunk);
    }
  }

  onEnd(): void {
    const held = this.held;
    if (held === null) this.ctx.down.end();
    else this.ctx.down.end(held.length === 1 ? held[0]! : Buffer.concat(held, this.heldBytes));
    this.onDone(this.ctx);
  }

  onError(failure: UpstreamFailure): void {
    sendError(this.ctx, upstreamFailureError(failure));
    this.onDone(this.ctx);
  }
}
