// The gateway's Streamable HTTP client transport against a server speaking the exact framing
// of the MCP spec (2025-06-18 "Streamable HTTP"): JSON and event-stream answers, 202 for
// notifications, the session id and protocol version headers, the standalone GET stream, and
// failures (an event stream cut before its answer, a 404 for a forgotten session).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpStatusError, StreamableHttpTransport } from '../../../src/mcp/streamable-http.js';
import { waitUntil } from '../../helpers/wait.js';

let server: Server;
let pool: Pool;
const seen: { method: string; headers: IncomingMessage['headers']; body: string }[] = [];
let script: (req: IncomingMessage, body: string, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, headers: req.headers, body });
      script(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  pool = new Pool(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(async () => {
  await pool.close();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function transport(ended: unknown[][] = []) {
  const t = new StreamableHttpTransport(
    pool,
    '/mcp',
    () => [['authorization', 'Bearer k']],
    (ids) => void ended.push([...ids]),
  );
  const got: unknown[] = [];
  t.onmessage = (m) => void got.push(m);
  return { t, got, ended };
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('StreamableHttpTransport', () => {
  it('reads a JSON answer, keeps the session id and sends it with the protocol version afterwards', async () => {
    script = (_req, body, res) => {
      const id = JSON.parse(body).id;
      res
        .writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'up-1' })
        .end(JSON.stringify({ jsonrpc: '2.0', id, result: { ok: 1 } }));
    };
    const { t, got } = transport();
    await t.send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} });
    expect(got).toEqual([{ jsonrpc: '2.0', id: 1, result: { ok: 1 } }]);
    expect(t.sessionId).toBe('up-1');
    t.setProtocolVersion('2025-06-18');
    await t.send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    const h = seen.at(-1)!.headers;
    expect([h['mcp-session-id'], h['mcp-protocol-version'], h.accept, h['content-type'], h.authorization]).toEqual([
      'up-1',
      '2025-06-18',
      'application/json, text/event-stream',
      'application/json',
      'Bearer k',
    ]);
  });

  it('delivers the events of a streamed answer in order, and the GET stream after initialized', async () => {
    script = (req, body, res) => {
      if (req.method === 'GET') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n');
        return;
      }
      if (JSON.parse(body).id === undefined) return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        ': comment\n\nevent: message\nid: 1\ndata: {"jsonrpc":"2.0","method":"notifications/progress",\ndata: "params":{"progressToken":5,"progress":1}}\n\n',
      );
      res.end('data: {"jsonrpc":"2.0","id":5,"result":{}}\n\n');
    };
    const { t, got } = transport();
    await t.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: {} });
    await wait(50);
    expect(got).toEqual([
      { jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: 5, progress: 1 } },
      { jsonrpc: '2.0', id: 5, result: {} },
    ]);
    await t.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await wait(100);
    expect(got.at(-1)).toEqual({ jsonrpc: '2.0', method: 'notifications/tools/list_changed' });
    await t.close();
  });

  it('reports requests whose event stream ended without their answer', async () => {
    script = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: {"jsonrpc":"2.0","method":"notifications/message","params":{}}\n\n');
    };
    const { t, ended } = transport();
    await t.send({ jsonrpc: '2.0', id: 'x', method: 'tools/call', params: {} });
    await wait(50);
    expect(ended).toEqual([['x']]);
  });

  it('reads a refused GET stream to its end and reports its status and text (destroyed unread, it crashed the process)', async () => {
    script = (req, _body, res) => {
      if (req.method !== 'GET') return void res.writeHead(202).end();
      // A whole small answer: undici has it all before the transport looks at the status, and
      // destroying such a body unread emits an 'error' no one listens to (an uncaught exception).
      res.writeHead(404, { 'content-type': 'text/plain' }).end('session not found');
    };
    const { t } = transport();
    const errors: Error[] = [];
    t.onerror = (e) => void errors.push(e);
    await t.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    await waitUntil(() => errors.length > 0, 5000, 'the GET refusal reported');
    await t.close();
    expect(errors[0]).toBeInstanceOf(HttpStatusError);
    expect((errors[0] as HttpStatusError).code).toBe(404);
    expect(errors[0]!.message).toContain('session not found');
  });

  it('rejects an HTTP error with its status as the code', async () => {
    script = (_req, _body, res) => void res.writeHead(404, { 'content-type': 'text/plain' }).end('no such session');
    const { t } = transport();
    const err = await t.send({ jsonrpc: '2.0', id: 1, method: 'ping' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpStatusError);
    expect((err as HttpStatusError).code).toBe(404);
    expect((err as Error).message).toContain('no such session');
  });
});
