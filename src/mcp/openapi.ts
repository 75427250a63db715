// An OpenAPI target as an MCP server the gateway plays itself: initialize, tools/list and
// tools/call are answered here, a call becoming one HTTP request to the REST API (path, query
// and header parameters and the JSON body taken from the tool arguments). The JSON answer is
// the tool's structured content, and its text. A 5xx answer is a tool error (isError).
import { log } from '../observability/log.js';
import { readBounded } from '../upstream/read-body.js';
import { TargetDown, type CallObserver, type TargetConnection, type UpstreamCall, type UpstreamReply } from './connection.js';
import { INVALID_PARAMS, METHOD_NOT_FOUND, type JsonRpcResponse } from './jsonrpc.js';
import { parseOpenApi, type OpenApiSpec, type OpenApiTool } from './openapi-tools.js';
import type { OpenApiTargetRt } from './targets.js';
import type { RequestContextSource } from './transports.js';

/** Largest REST answer read (the same bound as other buffered upstream answers). */
const MAX_BODY = 16 * 1024 * 1024;
const DOC_TIMEOUT_MS = 15_000;
/** Documents fetched from a URL, per compiled target (so once per config, not per session). */
const fetched = new WeakMap<OpenApiTargetRt, Promise<OpenApiSpec>>();
const parsed = new WeakMap<OpenApiTargetRt, OpenApiSpec>();

export class OpenApiConnection implements TargetConnection {
  private spec: OpenApiSpec | null = null;
  private seq = 0;
  private closed = false;
  private readonly inflight = new Map<number, AbortController>();

  constructor(
    private readonly t: OpenApiTargetRt,
    private readonly source: RequestContextSource,
  ) {}

  get target(): string {
    return this.t.name;
  }

  get open(): boolean {
    return !this.closed;
  }

  async start(): Promise<void> {
    this.spec = await specOf(this.t);
  }

  call(method: string, params: Record<string, unknown> | undefined, _observer: CallObserver | null): UpstreamCall {
    const id = ++this.seq;
    if (this.closed) return { id, reply: Promise.reject(new TargetDown(this.t.name, 'closed')) };
    return { id, reply: this.answer1(id, method, params ?? {}) };
  }

  cancel(id: number): void {
    this.inflight.get(id)?.abort();
  }

  async notify(): Promise<void> {}

  async answer(_m: JsonRpcResponse): Promise<void> {}

  setProtocolVersion(): void {}

  async close(): Promise<void> {
    this.closed = true;
    for (const c of this.inflight.values()) c.abort();
  }

  private async answer1(id: number, method: string, params: Record<string, unknown>): Promise<UpstreamReply> {
    const spec = this.spec!;
    switch (method) {
      case 'initialize':
        return {
          result: {
            protocolVersion: params.protocolVersion,
            capabilities: { tools: {} },
            serverInfo: { name: this.t.name, version: 'openapi' },
          },
        };
      case 'ping':
        return { result: {} };
      case 'tools/list':
        return { result: { tools: spec.tools.map(toolOf) } };
      case 'tools/call':
        return this.callTool(id, spec, params);
      default:
        return { error: { code: METHOD_NOT_FOUND, message: `Method not found: ${method}` } };
    }
  }

  private async callTool(id: number, spec: OpenApiSpec, params: Record<string, unknown>): Promise<UpstreamReply> {
    const tool = spec.tools.find((t) => t.name === params.name);
    if (tool === undefined) return { error: { code: INVALID_PARAMS, message: `Unknown tool: ${String(params.name)}` } };
    const args = (params.arguments ?? {}) as Record<string, unknown>;
    const abort = new AbortController();
    this.inflight.set(id, abort);
    try {
      const res = await this.t.pool.request({
        method: tool.method as 'GET',
        path: spec.prefix + requestPath(tool, args),
        headers: this.headers(tool, args),
        body: bodyOf(tool, args.body),
        signal: abort.signal,
      });
      const text = await readBounded(res.body, MAX_BODY);
      return { result: toolResult(res.statusCode, text) };
    } catch (e) {
      if (abort.signal.aborted) throw new TargetDown(this.t.name, 'call cancelled');
      log.debug({ target: this.t.name, err: (e as Error).message }, 'openapi call failed');
      throw new TargetDown(this.t.name, (e as Error).message);
    } finally {
      this.inflight.delete(id);
    }
  }

  private headers(tool: OpenApiTool, args: Record<string, unknown>): string[] {
    const out = ['accept', 'application/json', 'host', new URL(this.t.origin).host];
    if (args.body !== undefined) out.push('content-type', tool.binaryBody ? 'application/octet-stream' : 'application/json');
    for (const [k, v] of this.t.headers) out.push(k, v);
    const token = this.t.passthrough ? this.source.credential() : undefined;
    if (token !== undefined) out.push('authorization', `Bearer ${token}`);
    else if (this.t.key !== undefined) out.push('authorization', `Bearer ${this.t.key}`);
    const h = (args.header ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(h)) {
      const name = k.toLowerCase();
      if (!tool.headers.has(name) || typeof v !== 'string' || /[\r\n\0]/.test(v)) continue;
      if (['content-length', 'content-type', 'transfer-encoding', 'host', 'authorization'].includes(name)) continue;
      out.push(name, v);
    }
    return out;
  }
}

async function specOf(t: OpenApiTargetRt): Promise<OpenApiSpec> {
  const doc = t.document;
  if ('text' in doc) {
    let s = parsed.get(t);
    if (s === undefined) parsed.set(t, (s = parseOpenApi(doc.text)));
    return s;
  }
  let p = fetched.get(t);
  if (p === undefined) {
    p = fetchDocument(doc.url);
    fetched.set(t, p);
    p.catch(() => fetched.delete(t)); // a failed fetch is retried by the next session
  }
  return p;
}

async function fetchDocument(url: string): Promise<OpenApiSpec> {
  const res = await fetch(url, { signal: AbortSignal.timeout(DOC_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`OpenAPI document ${new URL(url).origin}: HTTP ${res.status}`);
  return parseOpenApi(await res.text());
}

function toolOf(t: OpenApiTool): Record<string, unknown> {
  return { name: t.name, description: t.description, ...(t.title ? { title: t.title } : {}), inputSchema: t.inputSchema };
}

function requestPath(tool: OpenApiTool, args: Record<string, unknown>): string {
  const p = (args.path ?? {}) as Record<string, unknown>;
  const path = tool.path.replace(/\{([^}]+)\}/g, (whole, name: string) => {
    const v = p[name];
    return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? encodeURIComponent(String(v)) : whole;
  });
  const q = (args.query ?? {}) as Record<string, unknown>;
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(q)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      if (item === null) pairs.push(encodeURIComponent(k));
      else if (['string', 'number', 'boolean'].includes(typeof item))
        pairs.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`);
    }
  }
  return pairs.length === 0 ? path : `${path}?${pairs.join('&')}`;
}

function bodyOf(tool: OpenApiTool, body: unknown): string | Buffer | undefined {
  if (body === undefined) return undefined;
  if (tool.binaryBody) return Buffer.from(typeof body === 'string' ? body : '', 'base64');
  return JSON.stringify(body);
}

/** agentgateway's shapes: a JSON object as is, other JSON under `data`, text under `message`. */
function toolResult(status: number, text: string): Record<string, unknown> {
  if (status >= 500) return { content: [{ type: 'text', text: `HTTP ${status}: ${text.slice(0, 4096)}` }], isError: true };
  let value: unknown;
  try {
    const v = JSON.parse(text) as unknown;
    value = v !== null && typeof v === 'object' && !Array.isArray(v) ? v : v === null ? null : { data: v };
  } catch {
    value = { code: status, message: text };
  }
  return { content: [{ type: 'text', text: JSON.stringify(value) }], ...(value !== null ? { structuredContent: value } : {}) };
}
