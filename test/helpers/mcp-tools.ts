// The tools, prompts and resources of the test MCP servers, built with the official SDK's
// McpServer. Each server records what it saw (calls, cancellations, credentials) through `note`,
// so tests can assert what reached the upstream: the stdio server appends JSON lines to a file,
// the HTTP servers keep them in memory.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CreateMessageResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

export interface ServerEvent {
  kind: 'call' | 'cancelled' | 'initialize';
  tool?: string;
  server: string;
  /** Authorization and traceparent headers the HTTP request carried (HTTP servers only). */
  authorization?: string | undefined;
  traceparent?: string | undefined;
  requestId?: string | number;
}

export type Note = (e: ServerEvent) => void;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(true), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve(false);
    });
  });

export function buildServer(name: string, note: Note, extra: (s: McpServer) => void = () => {}): McpServer {
  const s = new McpServer({ name, version: '1.0.0' }, { capabilities: { logging: {} }, instructions: `The ${name} test server.` });
  const seen = (tool: string, x: { requestId: string | number; requestInfo?: { headers: Record<string, unknown> } }) =>
    note({
      kind: 'call',
      tool,
      server: name,
      requestId: x.requestId,
      authorization: x.requestInfo?.headers.authorization as string | undefined,
      traceparent: x.requestInfo?.headers.traceparent as string | undefined,
    });
  s.registerTool('echo', { description: `Echoes the message (${name})`, inputSchema: { message: z.string() } }, async ({ message }, x) => {
    seen('echo', x);
    return { content: [{ type: 'text', text: `${name}: ${message}` }] };
  });
  s.registerTool('add', { description: 'Adds two numbers', inputSchema: { a: z.number(), b: z.number() } }, async ({ a, b }, x) => {
    seen('add', x);
    return { content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } };
  });
  s.registerTool('secret', { description: 'Only some may call it' }, async (x) => {
    seen('secret', x);
    return { content: [{ type: 'text', text: `the ${name} secret` }] };
  });
  s.registerTool(
    'progress',
    { description: 'Reports progress, then answers', inputSchema: { steps: z.number().int() } },
    async ({ steps }, x) => {
      seen('progress', x);
      const token = x._meta?.progressToken;
      for (let i = 1; i <= steps; i++) {
        if (token !== undefined) {
          await x.sendNotification({
            method: 'notifications/progress',
            params: { progressToken: token, progress: i, total: steps, message: `step ${i}` },
          });
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      return { content: [{ type: 'text', text: `${steps} steps done` }] };
    },
  );
  s.registerTool('slow', { description: 'Waits, unless cancelled', inputSchema: { ms: z.number().int() } }, async ({ ms }, x) => {
    seen('slow', x);
    const finished = await sleep(ms, x.signal);
    if (!finished) note({ kind: 'cancelled', tool: 'slow', server: name, requestId: x.requestId });
    return { content: [{ type: 'text', text: finished ? 'done waiting' : 'cancelled' }] };
  });
  s.registerTool('whoami', { description: 'Tells which credential reached the server' }, async (x) => {
    seen('whoami', x);
    return { content: [{ type: 'text', text: String(x.requestInfo?.headers.authorization ?? 'none') }] };
  });
  s.registerTool('ask', { description: 'Asks the client to sample an answer (server-to-client request)' }, async (x) => {
    seen('ask', x);
    const r = await x.sendRequest(
      {
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: { type: 'text', text: `question from ${name}` } }], maxTokens: 5 },
      },
      CreateMessageResultSchema,
    );
    return { content: [{ type: 'text', text: `${name} heard: ${(r.content as { text?: string }).text}` }] };
  });
  s.registerTool(
    'impatient',
    { description: 'Asks the client to sample, then gives up after 100 ms (server-side cancellation)' },
    async (x) => {
      seen('impatient', x);
      const question = {
        method: 'sampling/createMessage' as const,
        params: { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'slow question' } }], maxTokens: 5 },
      };
      const outcome = await x.sendRequest(question, CreateMessageResultSchema, { signal: AbortSignal.timeout(100) }).then(
        () => 'answered',
        () => 'gave up',
      );
      return { content: [{ type: 'text', text: outcome }] };
    },
  );
  s.registerTool('consult', { description: 'Asks the client to sample, following its progress' }, async (x) => {
    seen('consult', x);
    const heard: number[] = [];
    const question = {
      method: 'sampling/createMessage' as const,
      params: { messages: [{ role: 'user' as const, content: { type: 'text' as const, text: 'long question' } }], maxTokens: 5 },
    };
    await x.sendRequest(question, CreateMessageResultSchema, { onprogress: (p) => heard.push(p.progress) });
    return { content: [{ type: 'text', text: `${name} heard progress ${heard.join(',')}` }] };
  });
  s.registerPrompt('greet', { description: 'A greeting', argsSchema: { who: z.string() } }, ({ who }) => ({
    messages: [{ role: 'user', content: { type: 'text', text: `Hello ${who} from ${name}` } }],
  }));
  s.registerResource('notes', `memo://${name}/notes`, { description: 'Notes', mimeType: 'text/plain' }, async (uri) => ({
    contents: [{ uri: uri.href, text: `notes of ${name}` }],
  }));
  extra(s);
  return s;
}
