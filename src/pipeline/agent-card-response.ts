// Relaying an agent card with its endpoint URLs rewritten to the gateway (src/a2a/card.ts): the
// card is small, so it is read whole, rewritten and written in one piece. This covers the public
// card (GET .../.well-known/agent-card.json) and the authenticated extended card, which comes as
// a JSON-RPC result (GetExtendedAgentCard, agent/getAuthenticatedExtendedCard) or a REST body.
// Error answers from the agent carry no card and are relayed as they are.
import { GatewayError } from '../errors.js';
import { rewriteAgentCard, type CardLocation } from '../a2a/card.js';
import { readResponse } from '../a2a/jsonrpc.js';
import type { CompiledHeaderRules as HeaderRules } from '../native/index.js';
import { headerName, rawHeaderValue } from '../http/header-lists.js';
import { rewriteRawHeaders } from '../native/index.js';
import type { UpstreamCall, UpstreamListener } from '../upstream/dispatch.js';
import type { RequestCtx } from './context.js';
import type { HeaderList } from './downstream.js';
import { head, sendError, sendJson } from './respond.js';

/** Largest card the gateway reads; agent cards are a few KiB. */
const MAX_CARD_BYTES = 1024 * 1024;

/**
 * Headers describing the agent's bytes, which the rewritten card no longer is: its validators
 * (a client revalidating would be told the old bytes are current) and length/type (set anew).
 */
const CARD_DROP = new Set(['etag', 'last-modified', 'content-type', 'content-md5', 'digest']);

/** Where the card is in the body: the whole body, or a JSON-RPC response's `result`. */
export type CardPlacement = 'body' | 'result';

export class AgentCardResponse implements UpstreamListener {
  call: UpstreamCall | null = null;
  private chunks: Buffer[] = [];
  private size = 0;
  private status = 0;
  private headers: HeaderList = [];
  /** The agent answered with something other than a card (an error): relay it unchanged. */
  private relay = false;
  private done = false;

  constructor(
    private readonly ctx: RequestCtx,
    private readonly rules: HeaderRules,
    private readonly at: CardLocation,
    private readonly placement: CardPlacement,
    private readonly onDone: (ctx: RequestCtx) => void,
  ) {}

  onHeaders(status: number, raw: Buffer[]): void {
    this.status = status;
    this.headers = rewriteRawHeaders(raw, this.rules);
    this.relay = status < 200 || status >= 300;
    if (this.relay) return;
    const encoding = rawHeaderValue(raw, 'content-encoding');
    // Asked for without Accept-Encoding; a compressed card cannot be rewritten, and relaying it would leak.
    if (encoding !== undefined && encoding !== 'identity')
      this.fail('the agent card came compressed (content-encoding) and cannot be rewritten');
  }

  onData(chunk: Buffer): void {
    if (this.done) return;
    this.size += chunk.length;
    if (this.size > MAX_CARD_BYTES) {
      this.fail(`the agent card exceeds ${MAX_CARD_BYTES} bytes`);
      return;
    }
    this.chunks.push(chunk);
  }

  onEnd(): void {
    if (this.done) return;
    this.done = true;
    const body = Buffer.concat(this.chunks, this.size);
    try {
      if (this.relay) this.send(this.status, this.headers, body);
      else this.sendRewritten(body);
    } catch (e) {
      sendError(this.ctx, e);
    }
    this.onDone(this.ctx);
  }

  onError(err: GatewayError): void {
    if (this.done) return;
    this.done = true;
    sendError(this.ctx, err);
    this.onDone(this.ctx);
  }

  private sendRewritten(body: Buffer): void {
    let value: unknown;
    try {
      value = JSON.parse(body.toString('utf8'));
    } catch {
      throw badCard('the agent card is not valid JSON');
    }
    if (!isObject(value)) throw badCard('the agent card is not a JSON object');
    if (this.placement === 'result') {
      const x = this.ctx.a2a!;
      const kind = readResponse(x, value);
      x.outcome = kind === 'error' ? 'error' : kind === 'result' ? 'success' : 'unknown';
      if (isObject(value.result)) rewriteAgentCard(value.result, this.at);
    } else {
      rewriteAgentCard(value, this.at);
    }
    const headers: HeaderList = [];
    const h = this.headers;
    for (let i = 0; i < h.length; i += 2) if (!CARD_DROP.has(headerName(h[i]!))) headers.push(h[i]!, h[i + 1]!);
    sendJson(this.ctx, this.status, JSON.stringify(value), headers);
  }

  private send(status: number, headers: HeaderList, body: Buffer): void {
    const ctx = this.ctx;
    if (ctx.down.aborted) return;
    ctx.status = status;
    head(ctx, status, headers);
    ctx.down.end(body);
  }

  private fail(message: string): void {
    if (this.done) return;
    this.done = true;
    this.call?.abort(message);
    sendError(this.ctx, badCard(message));
    this.onDone(this.ctx);
  }
}

function badCard(message: string): GatewayError {
  return new GatewayError('upstream_bad_response', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
