// Opening a connection to one target: stdio (the gateway starts the server process) and legacy
// HTTP+SSE with the official SDK's client transports, Streamable HTTP with the gateway's own
// (streamable-http.ts: the hot path), all over the gateway's upstream pools. HTTP requests carry
// the target's credentials and header edits, and the trace context of the client's request.
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { log } from '../observability/log.js';
import { poolFetch } from '../upstream/fetch.js';
import { type ConnectionEvents, McpConnection } from './connection.js';
import type { RequestId } from './jsonrpc.js';
import { StreamableHttpTransport } from './streamable-http.js';
import type { HttpTargetRt, StdioTargetRt } from './targets.js';

/** What a connection needs from the session at request time. */
export interface RequestContextSource {
  /** The client's bearer token, for backendAuth passthrough (latest request's). */
  credential(): string | undefined;
  /** W3C traceparent of the request being served, if traced. */
  traceparent(): string | undefined;
}

export function openStdio(t: StdioTargetRt, events: ConnectionEvents): McpConnection {
  const transport = new StdioClientTransport({
    command: t.cmd,
    args: [...t.args],
    // agentgateway inherits the gateway's environment unless clear_env is set.
    env: t.clearEnv ? { ...t.env } : ({ ...process.env, ...t.env } as Record<string, string>),
    stderr: 'pipe',
  });
  forwardStderr(t.name, transport);
  return new McpConnection(t.name, transport, events);
}

export function openHttp(t: HttpTargetRt, events: ConnectionEvents, source: RequestContextSource): McpConnection {
  const headers = () => requestHeaders(t, source);
  if (t.kind === 'sse') {
    const transport = new SSEClientTransport(new URL(t.url), { fetch: poolFetch(t.pool, headers) });
    // A broken legacy event stream carries every answer of the session: the connection is over.
    return new McpConnection(t.name, transport, events, null, true);
  }
  const url = new URL(t.url);
  let conn: McpConnection | null = null;
  const transport = new StreamableHttpTransport(t.pool, url.pathname + url.search, headers, (ids, reason) =>
    conn?.streamEnded(ids as RequestId[], reason),
  );
  conn = new McpConnection(t.name, transport, events, () => transport.terminateSession());
  return conn;
}

function requestHeaders(t: HttpTargetRt, source: RequestContextSource): [string, string][] {
  const out: [string, string][] = [];
  for (const h of t.headers) out.push([h[0], h[1]]);
  const token = t.passthrough ? source.credential() : undefined;
  if (token !== undefined) out.push(['authorization', `Bearer ${token}`]);
  else if (t.key !== undefined) out.push(['authorization', `Bearer ${t.key}`]);
  const tp = source.traceparent();
  if (tp !== undefined) out.push(['traceparent', tp]);
  return out;
}

/** Server logs go to the gateway's debug log, one line each, attributed to the target. */
function forwardStderr(target: string, transport: StdioClientTransport): void {
  let partial = '';
  transport.stderr?.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!.slice(-4096);
    for (const line of lines) if (line.trim() !== '') log.debug({ target }, `mcp stdio: ${line.slice(0, 1000)}`);
  });
}
