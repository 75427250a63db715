// Shared pieces of the MCP e2e suites: the official SDK client connected through the gateway,
// the YAML of a stdio target running the test server (test/fixtures/mcp/stdio-server.ts), and
// reading what that server recorded.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { ServerEvent } from './mcp-tools.js';

export const STDIO_SERVER = fileURLToPath(new URL('../fixtures/mcp/stdio-server.ts', import.meta.url));

/** A `stdio:` target block (indented for a `targets:` list) running the test server with tsx. */
export function stdioTarget(name: string, eventsFile: string, indent = '  '): string {
  return [
    `${indent}- name: ${name}`,
    `${indent}  stdio:`,
    `${indent}    cmd: ${JSON.stringify(process.execPath)}`,
    `${indent}    args: ["--import", "tsx", ${JSON.stringify(STDIO_SERVER)}]`,
    `${indent}    env: {MCP_SERVER_NAME: ${name}, MCP_EVENTS_FILE: ${JSON.stringify(eventsFile)}}`,
  ].join('\n');
}

export function readEvents(file: string): (ServerEvent & { pid: number })[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

export interface ConnectOptions {
  headers?: Record<string, string>;
  /** Legacy HTTP+SSE transport instead of Streamable HTTP. */
  sse?: boolean;
}

export async function connect(url: string, o: ConnectOptions = {}): Promise<Client> {
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  const requestInit = o.headers !== undefined ? { headers: o.headers } : undefined;
  const transport = o.sse
    ? new SSEClientTransport(new URL(url), { ...(requestInit ? { requestInit, eventSourceInit: { fetch: withHeaders(o.headers!) } } : {}) })
    : new StreamableHTTPClientTransport(new URL(url), requestInit ? { requestInit } : {});
  await client.connect(transport);
  return client;
}

function withHeaders(h: Record<string, string>): typeof fetch {
  return (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...h } });
}

/** The text of a tool result's first content block. */
export function text(r: unknown): string {
  const c = (r as { content?: { type: string; text?: string }[] }).content;
  return c?.[0]?.text ?? '';
}

/** A raw Streamable HTTP POST (for what the SDK client would not send). */
export function rawPost(url: string, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(signal !== undefined ? { signal } : {}),
  });
}
