// A2A through the real gateway: an agent built from @a2a-js/sdk's server classes behind a route
// with `policies: {a2a: {}}`, driven by the SDK's own clients (v1.0 JSON-RPC and HTTP+JSON, and
// the v0.3 JSON-RPC transport) that discover it through the gateway's URL. Checks the card's
// URLs, calls and streams end to end, CEL rules on a2a.method, JSON-RPC errors for everything
// the gateway refuses, and the A2A fields of the request log.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Message, SendMessageRequest, TaskState, type Task } from '@a2a-js/sdk';
import {
  Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
  RestTransportFactory,
} from '@a2a-js/sdk/client';
import { LegacyJsonRpcTransport, parseLegacyAgentCard } from '@a2a-js/sdk/compat/v0_3/client';
import { startGateway, tempDir, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { startAgent, type TestAgent } from '../helpers/a2a-agent.js';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const GW = `http://127.0.0.1:${PORT}`;
const AGENT = `${GW}/agents/echo`;
const ISS = 'https://idp.a2a.test';

let gw: GatewayProcess;
let agent: TestAgent;
let key: SigningKey;
let flaky: FlakyAgent;

beforeAll(async () => {
  key = await makeKey('a2a1', 'ES256');
  agent = await startAgent('/agents/echo');
  flaky = await FlakyAgent.start();
  const jwks = `'${JSON.stringify({ keys: [key.publicJwk] })}'`;
  const config = `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: echo-strict
      matches: [{path: {pathPrefix: /agents/echo}, headers: [{name: x-route, value: {exact: strict}}]}]
      policies:
        a2a: {}
        jwtAuth: {mode: strict, issuer: "${ISS}", jwks: ${jwks}}
      backends: [{host: "127.0.0.1:${agent.port}"}]
    - name: echo
      matches: [{path: {pathPrefix: /agents/echo}}]
      policies:
        jwtAuth: {mode: optional, issuer: "${ISS}", jwks: ${jwks}}
        authorization:
          rules:
          - allow: 'a2a.method != "tasks/cancel" && a2a.method != "CancelTask"'
          - allow: 'jwt.?scope.orValue("").split(" ").exists(s, s == "a2a:cancel")'
      backends:
      - host: "127.0.0.1:${agent.port}"
        policies: {a2a: {}}
    - name: dead
      matches: [{path: {pathPrefix: /agents/dead}}]
      policies: {a2a: {}}
      backends: [{host: "127.0.0.1:${await closedPort()}"}]
    - name: flaky
      matches: [{path: {pathPrefix: /agents/flaky}}]
      policies: {a2a: {}}
      backends: [{host: "127.0.0.1:${flaky.port}"}]
    - name: limited
      matches: [{path: {pathPrefix: /agents/limited}}]
      policies:
        a2a: {}
        localRateLimit:
        - {maxTokens: 2, tokensPerFill: 2, fillInterval: 1h, key: 'a2a.method'}
      backends: [{host: "127.0.0.1:${agent.port}"}]
    - name: plain
      matches: [{path: {pathPrefix: /plain}}]
      policies:
        jwtAuth: {mode: strict, issuer: "${ISS}", jwks: ${jwks}}
      backends: [{host: "127.0.0.1:${agent.port}"}]
`;
  gw = await startGateway(writeConfig(tempDir(), 'a2a.yaml', config), [], { AGW_LOG_FORMAT: 'json' });
});

afterAll(async () => {
  await gw?.stop();
  agent?.release();
  await agent?.close();
  await flaky?.close();
});

// ---- clients -------------------------------------------------------------------------------

/** fetch that adds a bearer token and records every response's status. */
function authedFetch(token: string | null, statuses: number[] = []): typeof fetch {
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    const r = await fetch(input, { ...init, headers });
    statuses.push(r.status);
    return r;
  };
}

function v1Factory(fetchImpl: typeof fetch, preferred: 'JSONRPC' | 'HTTP+JSON' = 'JSONRPC'): ClientFactory {
  return new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl }), new RestTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
      preferredTransports: [preferred],
    }),
  );
}

/** A v0.3 client: the v0.3 card (no A2A-Version header) and the v0.3 JSON-RPC transport. */
async function v03Client(fetchImpl: typeof fetch): Promise<{ client: Client; card: Record<string, unknown> }> {
  const card = (await (await fetch(`${AGENT}/.well-known/agent-card.json`)).json()) as Record<string, unknown>;
  const transport = new LegacyJsonRpcTransport({ endpoint: card.url as string, fetchImpl });
  return { client: new Client(transport, parseLegacyAgentCard(card)), card };
}

const say = (text: string, returnImmediately = false) =>
  SendMessageRequest.fromJSON({
    message: { messageId: `m-${Math.random()}`, role: 'ROLE_USER', parts: [{ text }] },
    configuration: { returnImmediately },
  });

const token = (scope?: string) => mint({ key, issuer: ISS, claims: { sub: 'alice', ...(scope !== undefined ? { scope } : {}) } });

// ---- the gateway's access log (JSON) --------------------------------------------------------

type LogLine = Record<string, unknown>;

function requestLines(): LogLine[] {
  return gw.output
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes('"msg":"request"'))
    .map((l) => JSON.parse(l) as LogLine)
    .map((l) => ({ ...l, path: l['http.path'], status: l['http.status'] }));
}

async function logLine(match: (l: LogLine) => boolean, what: string): Promise<LogLine> {
  await waitUntil(() => requestLines().some(match), 10_000, `request log line for ${what}`);
  return requestLines().find(match)!;
}

async function rpc(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const r = await fetch(`${GW}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: r.status, headers: r.headers, json: (await r.json()) as Record<string, unknown> };
}

// ---- tests -----------------------------------------------------------------------------------

describe('agent card discovery through the gateway', () => {
  const gatewayInterfaces = [
    ['JSONRPC', '1.0', `${AGENT}/rpc`],
    ['JSONRPC', '0.3', `${AGENT}/rpc`],
    ['HTTP+JSON', '1.0', `${AGENT}/rest`],
  ];

  it('the SDK client discovers the agent at the gateway URL; every interface URL points back through the gateway', async () => {
    const r = await fetch(`${AGENT}/.well-known/agent-card.json`, { headers: { 'a2a-version': '1.0' } });
    const text = await r.text();
    expect(text).not.toContain(String(agent.port));
    const client = await v1Factory(fetch).createFromUrl(`${AGENT}/`);
    // The client's card is the public one it discovered, as the gateway rewrote it.
    expect(JSON.parse(text).supportedInterfaces.map((i: Record<string, string>) => [i.protocolBinding, i.protocolVersion, i.url])).toEqual(
      gatewayInterfaces,
    );
    // getAgentCard() fetches the extended card (GetExtendedAgentCard, a JSON-RPC result): rewritten too.
    const extended = await client.getAgentCard();
    expect(extended.name).toBe('Test agent (extended)');
    expect(extended.supportedInterfaces.map((i) => [i.protocolBinding, i.protocolVersion, i.url])).toEqual(gatewayInterfaces);
    await logLine((l) => l['a2a.method'] === 'GetExtendedAgentCard' && l['a2a.response.outcome'] === 'success', 'GetExtendedAgentCard');
  });

  it('the extended card over HTTP+JSON (GET .../extendedAgentCard) is rewritten as well', async () => {
    const client = await v1Factory(fetch, 'HTTP+JSON').createFromUrl(`${AGENT}/`);
    const extended = await client.getAgentCard();
    expect(extended.name).toBe('Test agent (extended)');
    expect(extended.supportedInterfaces.map((i) => i.url)).toEqual(gatewayInterfaces.map((i) => i[2]));
  });

  it('v0.3 card shape: top-level url and the interfaces are rewritten; the agent address appears nowhere', async () => {
    const r = await fetch(`${AGENT}/.well-known/agent-card.json`, { headers: { 'if-none-match': '"stale"' } });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).not.toContain(String(agent.port));
    const card = JSON.parse(text) as { url: string; protocolVersion: string; supportedInterfaces: { url: string }[] };
    expect(card.protocolVersion).toBe('0.3');
    expect(card.url).toBe(`${AGENT}/rpc`);
    expect(card.supportedInterfaces.every((i) => i.url.startsWith(`${AGENT}/`))).toBe(true);
    // The agent's validators described its own bytes, not the rewritten card.
    expect(r.headers.get('etag')).toBeNull();
    expect(r.headers.get('content-type')).toBe('application/json');
    // The card came whole and uncompressed, whatever the client asked for.
    const last = agent.seen.at(-1)!;
    expect([last['accept-encoding'], last['if-none-match']]).toEqual([undefined, undefined]);
  });

  it('the older agent.json path and X-Forwarded-Proto from a TLS-terminating proxy', async () => {
    const r = await fetch(`${AGENT}/.well-known/agent-card.json`, { headers: { 'a2a-version': '1.0', 'x-forwarded-proto': 'https' } });
    const card = (await r.json()) as { supportedInterfaces: { url: string }[] };
    expect(card.supportedInterfaces[0]!.url).toBe(`https://127.0.0.1:${PORT}/agents/echo/rpc`);
    // agent.json: the agent serves no card there; its 404 is relayed as it is.
    const old = await fetch(`${AGENT}/.well-known/agent.json`);
    expect(old.status).toBe(404);
    expect(await old.text()).not.toContain('jsonrpc');
  });
});

describe('calls through the gateway with the SDK clients', () => {
  it('sendMessage (v1.0 JSON-RPC): the agent answers; the log has the method and outcome', async () => {
    const client = await v1Factory(fetch).createFromUrl(`${AGENT}/`);
    const reply = (await client.sendMessage(say('hello'))) as Message;
    expect(reply.parts[0]?.content).toEqual({ $case: 'text', value: 'echo: hello' });
    const line = await logLine((l) => l['a2a.method'] === 'SendMessage' && l['a2a.context.id'] === reply.contextId, 'SendMessage');
    expect(line).toMatchObject({ protocol: 'a2a', status: 200, 'a2a.response.outcome': 'success', 'a2a.result.kind': 'message' });
  });

  it('a streamed message: status and artifact updates arrive in order, each as the agent sends it', async () => {
    const client = await v1Factory(fetch).createFromUrl(`${AGENT}/`);
    const seen: string[] = [];
    let taskId = '';
    for await (const ev of client.sendMessageStream(say('stream'))) {
      const p = ev.payload!;
      if (p.$case === 'task') taskId = p.value.id;
      if (p.$case === 'task' || p.$case === 'statusUpdate') seen.push(`${p.$case}:${TaskState[p.value.status!.state]}`);
      if (p.$case === 'artifactUpdate') seen.push(`artifact:${(p.value.artifact!.parts[0]!.content as { value: string }).value}`);
      // The agent holds the rest until the first three events have reached the client through
      // the gateway: a gateway that buffered the stream would never get here.
      if (seen.length === 3) agent.release();
    }
    expect(seen).toEqual([
      'task:TASK_STATE_SUBMITTED',
      'statusUpdate:TASK_STATE_WORKING',
      'artifact:chunk-1',
      'artifact:chunk-2',
      'statusUpdate:TASK_STATE_COMPLETED',
    ]);
    const line = await logLine((l) => l['a2a.task.id'] === taskId && l['a2a.method'] === 'SendStreamingMessage', 'the stream');
    expect(line).toMatchObject({
      'a2a.response.outcome': 'success',
      'a2a.task.state': 'TASK_STATE_COMPLETED',
      'a2a.result.kind': 'status-update',
    });
  });

  it('getTask and cancelTask (v1.0, token with the cancel scope)', async () => {
    const client = await v1Factory(authedFetch(await token('openid a2a:cancel'))).createFromUrl(`${AGENT}/`);
    const task = (await client.sendMessage(say('hold', true))) as Task;
    expect(task.status?.state).toBe(TaskState.TASK_STATE_WORKING);
    const got = await client.getTask({ tenant: '', id: task.id });
    expect([got.id, got.status?.state]).toEqual([task.id, TaskState.TASK_STATE_WORKING]);
    const cancelled = await client.cancelTask({ tenant: '', id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    const get = await logLine((l) => l['a2a.method'] === 'GetTask' && l['a2a.task.id'] === task.id, 'GetTask');
    expect(get).toMatchObject({ 'a2a.response.outcome': 'success', 'a2a.task.state': 'TASK_STATE_WORKING' });
    const cancel = await logLine((l) => l['a2a.method'] === 'CancelTask' && l['a2a.task.id'] === task.id, 'CancelTask');
    expect(cancel).toMatchObject({ status: 200, 'a2a.response.outcome': 'success', 'a2a.task.state': 'TASK_STATE_CANCELED' });
  });

  it('the HTTP+JSON binding: operations are named from the path', async () => {
    const client = await v1Factory(fetch, 'HTTP+JSON').createFromUrl(`${AGENT}/`);
    const task = (await client.sendMessage(say('hold', true))) as Task;
    await client.getTask({ tenant: '', id: task.id });
    const line = await logLine((l) => l['a2a.method'] === 'GetTask' && l.path === `/agents/echo/rest/tasks/${task.id}`, 'REST GetTask');
    expect(line).toMatchObject({ 'a2a.task.id': task.id, 'a2a.response.outcome': 'success', 'a2a.task.state': 'TASK_STATE_WORKING' });
    await v1Factory(authedFetch(await token('a2a:cancel')), 'HTTP+JSON')
      .createFromUrl(`${AGENT}/`)
      .then((c) => c.cancelTask({ tenant: '', id: task.id, metadata: undefined }));
  });
});

describe('CEL authorization on a2a.method: message/send allowed, tasks/cancel needs a scope', () => {
  it('v0.3 client, JWT without the scope: message/send goes through, tasks/cancel is a JSON-RPC error with 403', async () => {
    const statuses: number[] = [];
    const { client } = await v03Client(authedFetch(await token('openid'), statuses));
    const reply = (await client.sendMessage(say('hi there'))) as Message;
    expect(reply.parts[0]?.content).toEqual({ $case: 'text', value: 'echo: hi there' });
    const task = (await client.sendMessage(say('hold', true))) as Task;
    const denied = await client.cancelTask({ tenant: '', id: task.id, metadata: undefined }).catch((e: unknown) => e);
    expect(denied).toMatchObject({ envelopeCode: -32000, message: 'request denied by authorization policy' });
    expect(statuses).toEqual([200, 200, 403]);
    const line = await logLine((l) => l['a2a.method'] === 'tasks/cancel' && l['a2a.task.id'] === task.id, 'denied tasks/cancel');
    expect(line).toMatchObject({ status: 403, 'a2a.response.outcome': 'error', 'a2a.response.error_code': -32000 });
    // The same call with the scope is allowed.
    const { client: allowed } = await v03Client(authedFetch(await token('openid a2a:cancel')));
    const cancelled = await allowed.cancelTask({ tenant: '', id: task.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
  });

  it('the denial on the wire: the request id echoed, the HTTP status in data', async () => {
    const r = await rpc('/agents/echo/rpc', JSON.stringify({ jsonrpc: '2.0', id: 'c-1', method: 'CancelTask', params: { id: 't' } }), {
      'a2a-version': '1.0',
    });
    expect(r.status).toBe(403);
    expect(r.json).toEqual({
      jsonrpc: '2.0',
      id: 'c-1',
      error: {
        code: -32000,
        message: 'request denied by authorization policy',
        data: { httpStatus: 403, type: 'permission_error', code: 'authorization_denied', reason: 'Authorization' },
      },
    });
  });

  it('authentication failures on an A2A route are JSON-RPC errors too (401 with its challenge)', async () => {
    const r = await rpc('/agents/echo/rpc', JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'message/send', params: {} }), {
      'x-route': 'strict',
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: 5, error: { code: -32000, data: { httpStatus: 401 } } });
  });

  it('a route without a2a keeps its OpenAI-style errors and relays as before', async () => {
    const r = await rpc('/plain/x', '{}');
    expect(r.status).toBe(401);
    expect(r.json).toMatchObject({ error: { type: 'authentication_error' } });
    expect(r.json.jsonrpc).toBeUndefined();
    // Not JSON-RPC, not read: the agent's own 404 page comes through untouched.
    const relayed = await fetch(`${GW}/plain/.well-known/agent-card.json`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(relayed.status).toBe(404);
    expect(await relayed.text()).toContain('Cannot GET /plain/.well-known/agent-card.json');
    expect(agent.seen.at(-1)!['accept-encoding']).toBeDefined();
  });
});

describe('rate limits keyed by a2a.method', () => {
  it('each method has its own bucket; the refusal is a JSON-RPC error with 429 and Retry-After', async () => {
    // the route's agent path does not exist upstream: allowed calls get the agent's 404, refused ones our 429
    const call = (method: string, id: number) =>
      fetch(`${GW}/agents/limited/rpc`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
        body: JSON.stringify({ jsonrpc: '2.0', id, method, params: { id: 'no-such-task' } }),
      });
    expect((await call('GetTask', 1)).status).not.toBe(429);
    expect((await call('GetTask', 2)).status).not.toBe(429);
    const third = await call('GetTask', 3);
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await third.json()).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32000, data: { httpStatus: 429 } } });
    // another method, another bucket
    expect((await call('CancelTask', 4)).status).not.toBe(429);
  });
});

describe('malformed JSON-RPC', () => {
  it.each([
    ['a body that is not JSON', '{"jsonrpc": "2.0", "method": ', -32700, null],
    ['a request without method', '{"jsonrpc":"2.0","id":7}', -32600, 7],
    ['a batch', '[{"jsonrpc":"2.0","id":1,"method":"message/send","params":{}}]', -32600, null],
    ['a wrong version', '{"jsonrpc":"1.0","id":"abc","method":"message/send"}', -32600, 'abc'],
  ])('%s: 400 with a JSON-RPC error object and the request id; the agent never sees it', async (_what, body, code, id) => {
    const before = agent.seen.length;
    const r = await rpc('/agents/echo/rpc', body);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id, error: { code } });
    expect(agent.seen.length).toBe(before);
  });

  it('authentication comes first: an anonymous malformed request gets the 401', async () => {
    const r = await rpc('/agents/echo/rpc', 'garbage', { 'x-route': 'strict' });
    expect(r.status).toBe(401);
  });
});

describe('failures', () => {
  it('unreachable agent: 503 as a JSON-RPC internal error with the request id', async () => {
    const r = await rpc('/agents/dead/rpc', JSON.stringify({ jsonrpc: '2.0', id: 11, method: 'message/send', params: {} }));
    expect(r.status).toBe(503);
    expect(r.json).toMatchObject({ jsonrpc: '2.0', id: 11, error: { code: -32603, data: { httpStatus: 503 } } });
  });

  it('the agent dies mid-stream: the client gets a JSON-RPC error event, not a silent end', async () => {
    const r = await fetch(`${GW}/agents/flaky/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 21, method: 'SendStreamingMessage', params: { message: { messageId: 'm', parts: [] } } }),
    });
    const reader = r.body!.getReader();
    let text = '';
    while (!text.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    flaky.cut();
    for (let c = await reader.read(); !c.done; c = await reader.read()) text += new TextDecoder().decode(c.value);
    const events = text.trim().split('\n\n');
    expect(events).toHaveLength(2);
    expect(events[1]).toMatch(/^event: error\ndata: /);
    expect(JSON.parse(events[1]!.split('data: ')[1]!)).toMatchObject({ jsonrpc: '2.0', id: 21, error: { code: -32603 } });
    const line = await logLine((l) => l.path === '/agents/flaky/rpc', 'the cut stream');
    expect(line).toMatchObject({ 'a2a.response.outcome': 'error', 'a2a.response.error_code': -32603, 'a2a.task.id': 'flaky-task' });
  });

  it('a client that leaves mid-stream: the agent sees its request abandoned', async () => {
    const ac = new AbortController();
    const r = await fetch(`${AGENT}/rpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'a2a-version': '1.0' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 31,
        method: 'SendStreamingMessage',
        params: { message: { messageId: 'gone', role: 'ROLE_USER', parts: [{ text: 'stream' }] } },
      }),
      signal: ac.signal,
    });
    const reader = r.body!.getReader();
    await reader.read();
    const before = agent.abandoned.length;
    ac.abort();
    await waitUntil(() => agent.abandoned.length > before, 10_000, 'the agent to see the request abandoned');
    agent.release();
    expect(agent.abandoned.at(-1)).toBe('/agents/echo/rpc');
    const line = await logLine(
      (l) => l['a2a.method'] === 'SendStreamingMessage' && l.status === 200 && l['a2a.response.outcome'] === 'unknown',
      'the abandoned stream',
    );
    expect(line['a2a.task.id']).toEqual(expect.any(String));
  });
});

// ---- helpers -----------------------------------------------------------------------------------

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** An agent whose stream sends one event and then, when told, drops the connection. */
class FlakyAgent {
  private res: ServerResponse | null = null;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FlakyAgent> {
    let self!: FlakyAgent;
    const server = createServer((req, res) => {
      req.resume();
      self.res = res;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(
        `data: ${JSON.stringify({ jsonrpc: '2.0', id: 21, result: { task: { id: 'flaky-task', contextId: 'c', status: { state: 'TASK_STATE_WORKING' } } } })}\n\n`,
      );
    });
    self = new FlakyAgent(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.res?.socket?.destroy();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
