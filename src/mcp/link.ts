// One session's link to one target: opens the connection (spawning the stdio server, or starting
// the HTTP session) and initializes it with the client's initialize parameters, reconnects on
// demand after the target went away, and backs off after failed attempts so a dead target is
// reported at once instead of being retried on every call. Health changes are reported to the
// backend's target registry (admin API, UI).
import { TargetDown, type TargetConnection, type ConnectionEvents, describe } from './connection.js';
import type { JsonRpcNotification, JsonRpcRequest } from './jsonrpc.js';
import { OpenApiConnection } from './openapi.js';
import type { TargetStatus } from './registry.js';
import type { McpTargetRt } from './targets.js';
import { mcpSdk } from './sdk.js';
import type { RequestContextSource } from './transports.js';

/** The initialize parameters the client sent (forwarded to every target). */
export interface ClientInit {
  readonly protocolVersion: string;
  readonly capabilities: Record<string, unknown>;
  readonly clientInfo: Record<string, unknown>;
}

export interface LinkOwner extends RequestContextSource {
  serverMessage(target: string, message: JsonRpcRequest | JsonRpcNotification): void;
}

/** How long an initialize may take (npx may download the server first). */
const INIT_TIMEOUT_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

export class TargetLink {
  private conn: TargetConnection | null = null;
  private opening: Promise<TargetConnection> | null = null;
  /** The target's initialize result (capabilities, serverInfo, instructions). */
  initResult: Record<string, unknown> | null = null;
  private failures = 0;
  private retryAt = 0;
  private lastError = '';
  private closed = false;

  constructor(
    readonly target: McpTargetRt,
    private readonly owner: LinkOwner,
    private readonly status: TargetStatus,
    private readonly clientInit: () => ClientInit,
  ) {}

  get name(): string {
    return this.target.name;
  }

  /** The capability object the target advertised (`tools`, `prompts`, ...), if initialized. */
  capability(name: string): unknown {
    return (this.initResult?.capabilities as Record<string, unknown> | undefined)?.[name];
  }

  /** An open, initialized connection; connects (or reconnects) first when needed. */
  ready(): Promise<TargetConnection> {
    if (this.conn?.open === true) return Promise.resolve(this.conn);
    if (this.opening !== null) return this.opening;
    if (this.closed) return Promise.reject(new TargetDown(this.name, 'the session is closed'));
    const wait = this.retryAt - Date.now();
    if (wait > 0) {
      const s = Math.ceil(wait / 1000);
      return Promise.reject(new TargetDown(this.name, `${this.lastError}; next attempt in ${s}s`));
    }
    this.opening = this.open().finally(() => (this.opening = null));
    return this.opening;
  }

  /** A call reached the target: it is up (after a transient failure). */
  succeeded(): void {
    if (this.status.health !== 'up') this.status.recovered();
  }

  /** A call failed below JSON-RPC (connection refused, stream cut): the target looks down. */
  failed(reason: string): void {
    this.status.failed(reason);
  }

  /** The current connection if it is open (no connect attempt). */
  get current(): TargetConnection | null {
    return this.conn?.open === true ? this.conn : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.conn;
    this.conn = null;
    if (c !== null) {
      this.status.sessionClosed();
      await c.close();
    }
  }

  private async open(): Promise<TargetConnection> {
    const conn = this.create();
    try {
      await withTimeout(this.initialize(conn), INIT_TIMEOUT_MS, `no initialize answer within ${INIT_TIMEOUT_MS / 1000}s`);
    } catch (e) {
      void conn.close();
      const reason = e instanceof TargetDown ? e.message.replace(/^target \S+ is unavailable: /, '') : describe(e);
      this.failures++;
      this.lastError = reason;
      this.retryAt = Date.now() + Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (this.failures - 1));
      this.status.failed(reason);
      throw new TargetDown(this.name, reason);
    }
    if (this.closed) {
      void conn.close();
      throw new TargetDown(this.name, 'the session is closed');
    }
    this.failures = 0;
    this.retryAt = 0;
    this.conn = conn;
    this.status.connected(this.initResult);
    return conn;
  }

  private create(): TargetConnection {
    const t = this.target;
    const events: ConnectionEvents = {
      serverMessage: (m) => this.owner.serverMessage(t.name, m),
      closed: (reason) => {
        if (this.conn === null) return;
        this.conn = null;
        this.lastError = reason;
        this.status.lost(reason);
      },
    };
    if (t.kind === 'openapi') return new OpenApiConnection(t, this.owner);
    const { openHttp, openStdio } = mcpSdk().transports;
    if (t.kind === 'stdio') return openStdio(t, events);
    return openHttp(t, events, this.owner);
  }

  private async initialize(conn: TargetConnection): Promise<void> {
    await conn.start();
    const init = this.clientInit();
    const { reply } = conn.call('initialize', { ...init }, null);
    const r = await reply;
    if (r.error !== undefined) throw new Error(`initialize refused: ${r.error.message} (${r.error.code})`);
    const result = (r.result ?? {}) as Record<string, unknown>;
    if (typeof result.protocolVersion === 'string') conn.setProtocolVersion(result.protocolVersion);
    this.initResult = result;
    await conn.notify('notifications/initialized');
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
