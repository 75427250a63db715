// One client session: the gateway-issued Mcp-Session-Id, a link to every target (each with its
// own upstream session), the client's requests in flight, and the event streams messages from
// the servers are delivered on. Server-to-client requests get namespaced ids
// (`agw_<target>_n_<id>`); notifications and requests go on the stream of a call in flight to
// the same target when there is one (they usually concern it), else on the standalone stream.
import { INTERNAL_ERROR, type JsonRpcNotification, type JsonRpcRequest, type RequestId } from './jsonrpc.js';
import { type ClientInit, TargetLink } from './link.js';
import type { Namer } from './names.js';
import { serverRequestId } from './names.js';
import type { TargetRegistry } from './registry.js';
import type { EventStream, MessageSink } from './reply.js';
import type { McpTargetRt } from './targets.js';
import type { TargetConnection } from './connection.js';

export interface SessionConfig {
  readonly targets: readonly McpTargetRt[];
  readonly namer: Namer;
  readonly registry: TargetRegistry;
}

/** A client request in flight: the upstream calls it made, so cancellation reaches them. */
export class InflightCall {
  private readonly legs: { conn: TargetConnection; id: number }[] = [];
  private cancelled = false;

  constructor(
    readonly clientId: RequestId,
    readonly sink: MessageSink,
  ) {}

  addLeg(conn: TargetConnection, id: number): void {
    if (this.cancelled) conn.cancel(id, 'cancelled by the client');
    else this.legs.push({ conn, id });
  }

  hasTarget(target: string): boolean {
    return this.legs.some((l) => l.conn.target === target);
  }

  /** Tells every target still working on this request to stop (notifications/cancelled). */
  cancel(reason: string): void {
    if (this.cancelled) return;
    this.cancelled = true;
    for (const l of this.legs) l.conn.cancel(l.id, reason);
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }
}

export class McpSession {
  readonly links = new Map<string, TargetLink>();
  /** The client's initialize parameters (synthetic in stateless mode). */
  init: ClientInit | null = null;
  /** Which target serves an unprefixed name (prefixMode never), learnt from lists. */
  readonly owners = new Map<string, string>();
  /** The standalone event stream (GET, or the legacy /sse stream). */
  stream: EventStream | null = null;
  closed = false;
  private lastActive = Date.now();
  private openStreams = 0;
  private readonly calls: InflightCall[] = [];
  private token: string | undefined;
  private trace: string | undefined;

  constructor(
    readonly id: string,
    readonly config: SessionConfig,
    /** Legacy SSE sessions answer every request on their stream. */
    readonly legacy = false,
  ) {
    for (const t of config.targets) {
      this.links.set(t.name, new TargetLink(t, this, config.registry.of(t.name), () => this.init!));
    }
  }

  /** Called by every request of the session: its credential (passthrough). */
  touch(credential: string | undefined): void {
    this.lastActive = Date.now();
    if (credential !== undefined) this.token = credential;
  }

  /**
   * The trace context the next upstream request carries: set right before each call is sent
   * (sending reads it synchronously), so concurrent requests of a session keep their own.
   */
  useTrace(traceparent: string | undefined): void {
    this.trace = traceparent;
  }

  credential(): string | undefined {
    return this.token;
  }

  traceparent(): string | undefined {
    return this.trace;
  }

  /** Milliseconds since the session was last used; 0 while a request or a stream of it is open. */
  idleFor(now: number): number {
    return this.openStreams > 0 || this.calls.length > 0 ? 0 : now - this.lastActive;
  }

  streamOpened(): void {
    this.openStreams++;
  }

  streamClosed(): void {
    this.openStreams = Math.max(0, this.openStreams - 1);
    this.lastActive = Date.now();
  }

  link(target: string): TargetLink | undefined {
    return this.links.get(target);
  }

  track(call: InflightCall): void {
    this.calls.push(call);
  }

  /** A request is done: the session was in use until now (a slow call is not idleness). */
  untrack(call: InflightCall): void {
    const i = this.calls.indexOf(call);
    if (i >= 0) this.calls.splice(i, 1);
    this.lastActive = Date.now();
  }

  /** notifications/cancelled from the client: the request with that id stops everywhere. */
  cancelCall(clientId: unknown, reason: string): InflightCall | undefined {
    const call = this.calls.find((c) => c.clientId === clientId);
    call?.cancel(reason);
    return call;
  }

  serverMessage(target: string, message: JsonRpcRequest | JsonRpcNotification): void {
    if ('id' in message && message.id !== undefined) return this.serverRequest(target, message as JsonRpcRequest);
    let out: JsonRpcNotification = message;
    const params = message.params;
    if (message.method === 'notifications/cancelled' && params?.requestId !== undefined) {
      out = { ...message, params: { ...params, requestId: serverRequestId(target, params.requestId as RequestId) } };
    } else if (message.method === 'notifications/resources/updated' && typeof params?.uri === 'string') {
      out = { ...message, params: { ...params, uri: this.config.namer.outUri(target, params.uri) } };
    }
    this.sinkFor(target)?.send(out);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of this.calls) c.cancel('session closed');
    this.stream?.close();
    await Promise.all([...this.links.values()].map((l) => l.close()));
  }

  private serverRequest(target: string, message: JsonRpcRequest): void {
    const sink = this.sinkFor(target);
    if (sink !== null) {
      // The progress token is namespaced like the id: the client's progress finds this target only.
      const meta = message.params?._meta as { progressToken?: RequestId } | undefined;
      const params =
        meta?.progressToken === undefined
          ? message.params
          : { ...message.params, _meta: { ...meta, progressToken: serverRequestId(target, meta.progressToken) } };
      sink.send({ ...message, id: serverRequestId(target, message.id), ...(params !== undefined ? { params } : {}) });
      return;
    }
    // Nowhere to ask the client: answer for it, so the server does not wait forever.
    const error = { code: INTERNAL_ERROR, message: 'the client has no open stream to receive server requests' };
    void this.links
      .get(target)
      ?.current?.answer({ jsonrpc: '2.0', id: message.id, error })
      .catch(() => {});
  }

  private sinkFor(target: string): MessageSink | null {
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const c = this.calls[i]!;
      if (c.sink.open && c.hasTarget(target)) return c.sink;
    }
    return this.stream?.open === true ? this.stream : null;
  }
}
