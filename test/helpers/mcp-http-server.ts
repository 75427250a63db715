// MCP servers over HTTP for the e2e tests, built with the official SDK: Streamable HTTP
// (stateful, one SDK transport per session) and the legacy HTTP+SSE transport. Each records the
// calls and cancellations it saw, and can be killed and restarted on the same port.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { buildServer, type ServerEvent } from './mcp-tools.js';

export class McpHttpServer {
  readonly events: ServerEvent[] = [];
  port = 0;
  private server: Server | null = null;
  private streamable = new Map<string, StreamableHTTPServerTransport>();
  private legacy = new Map<string, SSEServerTransport>();

  constructor(
    readonly name: string,
    /** Path of the Streamable HTTP endpoint (the legacy one is /sse + /messages). */
    readonly path = '/mcp',
  ) {}

  static async start(name: string, path = '/mcp'): Promise<McpHttpServer> {
    const s = new McpHttpServer(name, path);
    await s.listen(0);
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}${this.path}`;
  }

  /** Ids of the upstream Streamable HTTP sessions open. */
  sessionIds(): string[] {
    return [...this.streamable.keys()];
  }

  cancellations(): ServerEvent[] {
    return this.events.filter((e) => e.kind === 'cancelled');
  }

  calls(tool?: string): ServerEvent[] {
    return this.events.filter((e) => e.kind === 'call' && (tool === undefined || e.tool === tool));
  }

  async listen(port: number): Promise<void> {
    this.server = createServer((req, res) => void this.route(req, res));
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Stops abruptly: every connection is dropped, sessions are forgotten. */
  async kill(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (s === null) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
    this.streamable.clear();
    this.legacy.clear();
  }

  /** Comes back on the same port, without the old sessions (as a restarted server would). */
  async restart(): Promise<void> {
    await this.kill();
    await this.listen(this.port);
  }

  close(): Promise<void> {
    return this.kill();
  }

  private note = (e: ServerEvent) => this.events.push(e);

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const body = req.method === 'POST' ? await readJson(req) : undefined;
    if (url.pathname === '/sse' && req.method === 'GET') return this.openLegacy(res);
    if (url.pathname === '/messages' && req.method === 'POST') {
      const t = this.legacy.get(url.searchParams.get('sessionId') ?? '');
      if (t === undefined) return void res.writeHead(404).end('unknown session');
      return t.handlePostMessage(req, res, body);
    }
    if (url.pathname !== this.path) return void res.writeHead(404).end('not found');
    const sid = req.headers['mcp-session-id'];
    let t = typeof sid === 'string' ? this.streamable.get(sid) : undefined;
    if (t === undefined) {
      if (typeof sid === 'string' || req.method !== 'POST')
        return void res.writeHead(404).end(JSON.stringify({ error: 'unknown session' }));
      t = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void this.streamable.set(id, t!),
      });
      t.onclose = () => {
        if (t!.sessionId !== undefined) this.streamable.delete(t!.sessionId);
      };
      await buildServer(this.name, this.note).connect(t);
    }
    await t.handleRequest(req, res, body);
  }

  private async openLegacy(res: ServerResponse): Promise<void> {
    const t = new SSEServerTransport('/messages', res);
    this.legacy.set(t.sessionId, t);
    t.onclose = () => this.legacy.delete(t.sessionId);
    await buildServer(this.name, this.note).connect(t);
  }
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : JSON.parse(text);
}
