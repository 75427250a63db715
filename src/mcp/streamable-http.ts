// The Streamable HTTP client side of an upstream session, as the SDK's `Transport` interface
// (so McpConnection treats it like the SDK's stdio and SSE transports). It is the gateway's own
// because it is the hot path: the SDK's StreamableHTTPClientTransport goes through WHATWG fetch
// and three web streams per response and cost 1.3-1.8 ms of CPU per tools/call here, where
// undici's dispatcher API and the native SSE framer cost a fraction (bench/load mcp lane).
//
// Spec behaviour kept: POST with `Accept: application/json, text/event-stream`, the server's
// Mcp-Session-Id and the negotiated MCP-Protocol-Version on every later request, a JSON or
// event-stream answer, 202 for notifications, the standalone GET stream opened after
// `notifications/initialized` (405: the server has none), DELETE to end the session. An HTTP
// error rejects `send` with an error whose `code` is the status (404: the session is gone).
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { SseReader } from '../http/sse-reader.js';
import type { UpstreamPool } from '../upstream/dispatch.js';
import { readBounded } from '../upstream/read-body.js';
import { describe } from './connection.js';

/** Largest JSON answer read (the same bound as other buffered upstream answers). */
const MAX_JSON = 16 * 1024 * 1024;
const GET_RETRY_MS = 1000;
const GET_RETRIES = 3;

export class HttpStatusError extends Error {
  constructor(
    readonly code: number,
    text: string,
  ) {
    super(`HTTP ${code} from the MCP server${text !== '' ? `: ${text.slice(0, 200)}` : ''}`);
    this.name = 'HttpStatusError';
  }
}

type Body = AsyncIterable<Buffer> & { destroy(e?: Error): void; text(): Promise<string> };

export class StreamableHttpTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  sessionId: string | undefined;
  private version: string | undefined;
  /** Response streams being read (POST answers, the GET stream): destroyed on close. */
  private readonly bodies = new Set<Body>();
  private getAbort: AbortController | null = null;
  private closed = false;
  private getFailures = 0;

  constructor(
    private readonly pool: UpstreamPool,
    /** Path (and query) of the MCP endpoint on the pool's origin. */
    private readonly path: string,
    /** Per-request headers: credentials, trace context. */
    private readonly extraHeaders: () => readonly (readonly [string, string])[],
    /** The event stream answering requests `ids` ended without one of their answers. */
    private readonly streamEnded: (ids: readonly unknown[], reason: string) => void,
  ) {}

  async start(): Promise<void> {}

  setProtocolVersion(version: string): void {
    this.version = version;
  }

  async send(message: JSONRPCMessage | JSONRPCMessage[]): Promise<void> {
    const res = await this.request('POST', 'application/json, text/event-stream', JSON.stringify(message));
    const sid = header(res.headers, 'mcp-session-id');
    if (sid !== undefined) this.sessionId = sid;
    const body = res.body as unknown as Body;
    if (res.statusCode === 202) {
      await readBounded(body, MAX_JSON);
      if (!Array.isArray(message) && (message as { method?: unknown }).method === 'notifications/initialized') this.openGet();
      return;
    }
    if (res.statusCode >= 300) throw new HttpStatusError(res.statusCode, await readBounded(body, MAX_JSON).catch(() => ''));
    const type = header(res.headers, 'content-type') ?? '';
    if (type.startsWith('text/event-stream')) {
      void this.readEvents(body, requestIds(message));
      return;
    }
    const text = await readBounded(body, MAX_JSON);
    if (text === '') return;
    const parsed = JSON.parse(text) as JSONRPCMessage | JSONRPCMessage[];
    for (const m of Array.isArray(parsed) ? parsed : [parsed]) this.onmessage?.(m);
  }

  async terminateSession(): Promise<void> {
    if (this.sessionId === undefined) return;
    const res = await this.request('DELETE', 'application/json', undefined);
    await readBounded(res.body as unknown as Body, MAX_JSON).catch(() => '');
    this.sessionId = undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.getAbort?.abort();
    for (const b of this.bodies) b.destroy();
    this.bodies.clear();
    this.onclose?.();
  }

  private request(method: 'POST' | 'GET' | 'DELETE', accept: string, body: string | undefined, signal?: AbortSignal) {
    const headers: string[] = ['accept', accept];
    if (body !== undefined) headers.push('content-type', 'application/json');
    if (this.sessionId !== undefined) headers.push('mcp-session-id', this.sessionId);
    if (this.version !== undefined) headers.push('mcp-protocol-version', this.version);
    for (const [k, v] of this.extraHeaders()) headers.push(k, v);
    return this.pool.request({ method, path: this.path, headers, body: body ?? null, ...(signal !== undefined ? { signal } : {}) });
  }

  /** Delivers every message of an event stream; notes answers that never came. */
  private async readEvents(body: Body, ids: unknown[]): Promise<void> {
    const reader = new SseReader();
    const open = new Set(ids);
    this.bodies.add(body);
    let reason = 'the response stream ended without an answer';
    try {
      for await (const chunk of body) {
        const f = reader.push(chunk);
        for (let i = 0; i < f.count; i++) {
          const event = f.event(i);
          if (event !== null && event !== 'message') continue;
          const m = this.parse(f.data(i));
          if (m === null) continue;
          if ((m as { method?: unknown }).method === undefined) open.delete((m as { id?: unknown }).id);
          this.onmessage?.(m);
        }
      }
    } catch (e) {
      reason = `the response stream broke: ${describe(e)}`;
    } finally {
      reader.end();
      this.bodies.delete(body);
    }
    if (open.size > 0) this.streamEnded([...open], reason);
  }

  /** The standalone stream for messages not tied to a request (notifications, server requests). */
  private openGet(): void {
    if (this.closed) return;
    this.getAbort = new AbortController();
    this.request('GET', 'text/event-stream', undefined, this.getAbort.signal).then(
      (res) => {
        const body = res.body as unknown as Body;
        if (res.statusCode !== 200) {
          // Read to its end, never destroyed unread: undici's body emits an 'error' when destroyed
          // before its end, and with no listener that error ends the gateway process (a 404 for a
          // session a restarted server forgot did, when its body came in two pieces).
          void readBounded(body, MAX_JSON)
            .catch(() => '')
            .then((text) => {
              if (res.statusCode !== 405) this.retryGet(new HttpStatusError(res.statusCode, text));
            });
          return;
        }
        this.getFailures = 0;
        void this.readEvents(body, []).then(() => this.retryGet(null));
      },
      (e: unknown) => this.retryGet(e as Error),
    );
  }

  private retryGet(err: Error | null): void {
    if (this.closed) return;
    if (err !== null) this.onerror?.(err);
    if (++this.getFailures > GET_RETRIES) return;
    setTimeout(() => this.openGet(), GET_RETRY_MS).unref();
  }

  private parse(data: string): JSONRPCMessage | null {
    try {
      return JSON.parse(data) as JSONRPCMessage;
    } catch (e) {
      this.onerror?.(new Error(`unparsable event from the MCP server: ${describe(e)}`));
      return null;
    }
  }
}

function requestIds(message: JSONRPCMessage | JSONRPCMessage[]): unknown[] {
  const list = Array.isArray(message) ? message : [message];
  return list.filter((m) => 'method' in m && 'id' in m).map((m) => (m as { id: unknown }).id);
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}
