// The MCP server the mcp lane calls: the official SDK's McpServer with one `add` tool, over
// Streamable HTTP (stateful: one SDK transport per session, answers as SSE like SDK servers do
// by default), or over stdio with `--stdio` (started by the gateway).
//
//   node --import tsx bench/load/mcp-upstream.ts <port>      # HTTP, prints "mcp upstream listening"
//   node --import tsx bench/load/mcp-upstream.ts --stdio
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function server(): McpServer {
  const s = new McpServer({ name: 'bench', version: '1.0.0' });
  s.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }) => ({
    content: [{ type: 'text', text: String(a + b) }],
  }));
  return s;
}

if (process.argv[2] === '--stdio') {
  await server().connect(new StdioServerTransport());
} else {
  const port = Number(process.argv[2] ?? 18010);
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
    const sid = req.headers['mcp-session-id'];
    let t = typeof sid === 'string' ? sessions.get(sid) : undefined;
    if (t === undefined) {
      if (typeof sid === 'string') return void res.writeHead(404).end();
      t = new StreamableHTTPServerTransport({ sessionIdGenerator: randomUUID, onsessioninitialized: (id) => void sessions.set(id, t!) });
      await server().connect(t);
    }
    await t.handleRequest(req, res, body);
  }).listen(port, '127.0.0.1', () => console.log(`mcp upstream listening on ${port}`));
}
