// One upstream MCP connection (a stdio process, a Streamable HTTP or a legacy SSE session) over
// one of the official SDK's client transports, used as a message pipe: the gateway relays raw
// JSON-RPC and does its own id bookkeeping, so it needs the transport, not the SDK's Client.
//
// Ids are the gateway's: every request sent upstream gets the next integer of this connection,
// whatever id the client used, so calls from one client session fanned out to N servers, and
// concurrent calls reusing an id, never collide. A progress token the client sets is replaced
// by that integer too, and restored on the way back, so progress finds the call it belongs to.
// When the connection closes (process exit, HTTP failure, a response stream cut short) every
// call still waiting is failed at once: a dead target never leaves a client hanging.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { log } from '../observability/log.js';
import type { JsonRpcErrorBody, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse, RequestId } from './jsonrpc.js';

/** What an upstream answered: a result, or its own JSON-RPC error (relayed as such). */
export interface UpstreamReply {
  readonly result?: unknown;
  readonly error?: JsonRpcErrorBody;
}

/** A request in flight upstream. */
export interface UpstreamCall {
  readonly id: number;
  readonly reply: Promise<UpstreamReply>;
}

/** Receives the notifications (progress) a server sends about one call, client token restored. */
export type CallObserver = (message: JsonRpcNotification) => void;

export interface ConnectionEvents {
  /** A server-to-client request or a notification not tied to a call. */
  serverMessage(message: JsonRpcRequest | JsonRpcNotification): void;
  /** The connection is gone; `reason` says why (for health and errors). */
  closed(reason: string): void;
}

/** The target cannot be used (not connected, died, or the exchange failed below JSON-RPC). */
export class TargetDown extends Error {
  constructor(
    readonly target: string,
    reason: string,
    /** The target never processed the request (its session was gone): sending it again is safe. */
    readonly retryable = false,
  ) {
    super(`target ${target} is unavailable: ${reason}`);
    this.name = 'TargetDown';
  }
}

/** The call was cancelled (by the client, or its connection went away). */
export class CallCancelled extends Error {
  constructor(reason: string) {
    super(`cancelled: ${reason}`);
    this.name = 'CallCancelled';
  }
}

interface Pending {
  resolve(r: UpstreamReply): void;
  reject(e: Error): void;
  observer: CallObserver | null;
  /** The client's progress token, put back on progress notifications. */
  clientToken: unknown;
}

/** The interface the session uses; OpenAPI targets implement it without a transport. */
export interface TargetConnection {
  readonly target: string;
  readonly open: boolean;
  start(): Promise<void>;
  call(method: string, params: Record<string, unknown> | undefined, observer: CallObserver | null): UpstreamCall;
  cancel(id: number, reason: string): void;
  notify(method: string, params?: Record<string, unknown>): Promise<void>;
  /** Relays the client's answer to a server-to-client request. */
  answer(message: JsonRpcResponse): Promise<void>;
  /** HTTP transports: the protocol version negotiated (sent as MCP-Protocol-Version). */
  setProtocolVersion(version: string): void;
  close(): Promise<void>;
}

export class McpConnection implements TargetConnection {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | null = null;

  constructor(
    readonly target: string,
    private readonly transport: Transport,
    private readonly events: ConnectionEvents,
    /** Ends the upstream session before closing (Streamable HTTP: DELETE). */
    private readonly terminate: (() => Promise<void>) | null = null,
    /** A transport error means the connection is gone (legacy SSE: the event stream broke). */
    closeOnError = false,
  ) {
    transport.onmessage = (m) => this.onMessage(m as unknown as Record<string, unknown>);
    transport.onclose = () => this.onClosed('connection closed');
    transport.onerror = (e) => {
      log.debug({ target, err: e.message }, 'mcp upstream transport error');
      if (closeOnError) this.onClosed(describe(e));
    };
  }

  get open(): boolean {
    return this.closedReason === null;
  }

  async start(): Promise<void> {
    await this.transport.start();
  }

  call(method: string, params: Record<string, unknown> | undefined, observer: CallObserver | null): UpstreamCall {
    const id = ++this.seq;
    if (this.closedReason !== null) return { id, reply: Promise.reject(new TargetDown(this.target, this.closedReason)) };
    let clientToken: unknown;
    let out = params;
    const meta = params?._meta as Record<string, unknown> | undefined;
    if (meta?.progressToken !== undefined) {
      clientToken = meta.progressToken;
      out = { ...params, _meta: { ...meta, progressToken: id } };
    }
    const reply = new Promise<UpstreamReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, observer, clientToken });
    });
    const message = out === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params: out };
    this.transport.send(message as JSONRPCMessage).catch((e: unknown) => {
      if ((e as { code?: unknown }).code !== 404) return this.failCall(id, describe(e));
      // The server no longer knows the session (it restarted): this connection is over, and the
      // request was not processed, so the caller may send it again on a new one.
      this.failCall(id, 'the upstream session is gone (HTTP 404)', true);
      this.onClosed('the upstream session is gone (HTTP 404)');
    });
    return { id, reply };
  }

  /** Stops waiting for `id` (its reply rejects) and tells the server (notifications/cancelled). */
  cancel(id: number, reason: string): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(new CallCancelled(reason));
    if (this.closedReason === null) void this.notify('notifications/cancelled', { requestId: id, reason }).catch(() => {});
  }

  async notify(method: string, params?: Record<string, unknown>): Promise<void> {
    if (this.closedReason !== null) throw new TargetDown(this.target, this.closedReason);
    const message = params === undefined ? { jsonrpc: '2.0', method } : { jsonrpc: '2.0', method, params };
    await this.transport.send(message as JSONRPCMessage);
  }

  async answer(message: JsonRpcResponse): Promise<void> {
    if (this.closedReason !== null) throw new TargetDown(this.target, this.closedReason);
    await this.transport.send(message as unknown as JSONRPCMessage);
  }

  setProtocolVersion(version: string): void {
    (this.transport as { setProtocolVersion?: (v: string) => void }).setProtocolVersion?.(version);
  }

  /**
   * An HTTP response stream carrying `ids` ended (or broke) before their answers: those calls
   * fail now rather than wait for answers that cannot come.
   */
  streamEnded(ids: readonly RequestId[], reason: string): void {
    for (const id of ids) if (typeof id === 'number') this.failCall(id, reason);
  }

  async close(): Promise<void> {
    if (this.closedReason !== null) return;
    if (this.terminate !== null) await this.terminate().catch(() => {});
    this.onClosed('closed by the gateway');
    await this.transport.close().catch(() => {});
  }

  private failCall(id: number, reason: string, retryable = false): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(new TargetDown(this.target, reason, retryable));
  }

  private onClosed(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) p.reject(new TargetDown(this.target, reason));
    this.events.closed(reason);
  }

  private onMessage(m: Record<string, unknown>): void {
    const method = m.method;
    if (typeof method !== 'string') return this.onReply(m);
    if (m.id === undefined && method === 'notifications/progress') return this.onProgress(m as unknown as JsonRpcNotification);
    this.events.serverMessage(m as unknown as JsonRpcRequest | JsonRpcNotification);
  }

  private onReply(m: Record<string, unknown>): void {
    const id = m.id;
    if (typeof id !== 'number') return;
    const p = this.pending.get(id);
    if (p === undefined) return; // cancelled, or an answer to nothing
    this.pending.delete(id);
    p.resolve(m.error !== undefined ? { error: m.error as JsonRpcErrorBody } : { result: m.result });
  }

  private onProgress(m: JsonRpcNotification): void {
    const token = m.params?.progressToken;
    const p = typeof token === 'number' ? this.pending.get(token) : undefined;
    if (p === undefined || p.observer === null || p.clientToken === undefined) return;
    p.observer({ ...m, params: { ...m.params, progressToken: p.clientToken } });
  }
}

export function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as { cause?: unknown }).cause;
    const why = cause instanceof Error && cause.message !== e.message ? ` (${cause.message})` : '';
    return `${e.message}${why}`.slice(0, 300);
  }
  return String(e).slice(0, 300);
}
