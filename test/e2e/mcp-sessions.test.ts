// MCP sessions and transports through the real gateway: the simplified top-level `mcp:` section
// serving /mcp and the legacy /sse transport, a legacy SSE target, gateway-issued session ids
// mapped to upstream sessions (DELETE ends both), server-to-client requests with namespaced ids
// (and progress tokens),
// protocol-version and framing checks, statefulMode stateless, and the session TTL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { McpHttpServer } from '../helpers/mcp-http-server.js';
import { connect, rawPost, readEvents, stdioTarget, text } from '../helpers/mcp-client.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { freePort } from '../helpers/ports.js';
import { waitUntil } from '../helpers/wait.js';

const PORT = await freePort();
const GW = `http://127.0.0.1:${PORT}`;
const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};

let gw: GatewayProcess;
let web: McpHttpServer;
let legacy: McpHttpServer;
let events: string;
let otlp: OtlpReceiver;

beforeAll(async () => {
  otlp = await OtlpReceiver.start();
  const dir = mkdtempSync(join(tmpdir(), 'agw-mcp-'));
  events = join(dir, 'events.jsonl');
  web = await McpHttpServer.start('web');
  legacy = await McpHttpServer.start('old');
  const config = writeConfig(
    dir,
    'mcp.yaml',
    `config:
  mcp: {sessionTtl: 1500ms}
frontendPolicies:
  tracing: {host: "127.0.0.1:${otlp.port}", randomSampling: true}
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: local-only
      matches: [{path: {pathPrefix: /local-only}}]
      backends:
      - mcp:
          dnsRebindingProtection: true
          targets:
          - name: web
            mcp: {host: "${web.url}"}
    - name: stateless
      matches: [{path: {pathPrefix: /stateless}}]
      backends:
      - mcp:
          statefulMode: stateless
          targets:
${stdioTarget('local', events, '          ')}
          - name: web
            mcp: {host: "${web.url}"}
mcp:
  port: ${PORT}
  targets:
  - name: web
    mcp: {host: "127.0.0.1:${web.port}"}
  - name: old
    sse: {host: "http://127.0.0.1:${legacy.port}/sse"}
`,
  );
  gw = await startGateway(config, [], { AGW_LOG_LEVEL: 'info', OTEL_BSP_SCHEDULE_DELAY: '50' });
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await web?.close();
  await legacy?.close();
  await otlp?.close();
});

describe('the simplified mcp: section', () => {
  it('serves Streamable HTTP at /mcp, federating a Streamable HTTP and a legacy SSE target', async () => {
    const c = await connect(`${GW}/mcp`);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['web_echo', 'old_echo']));
    expect(text(await c.callTool({ name: 'old_echo', arguments: { message: 'sse' } }))).toBe('old: sse');
    const seen: number[] = [];
    await c.callTool({ name: 'old_progress', arguments: { steps: 2 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
    expect(seen).toEqual([1, 2]);
    await c.close();
  });

  it('serves the legacy HTTP+SSE transport at /sse', async () => {
    const c = await connect(`${GW}/sse`, { sse: true });
    expect(c.getServerVersion()?.name).toBe('agentgateway');
    expect(text(await c.callTool({ name: 'web_add', arguments: { a: 1, b: 2 } }))).toBe('3');
    await c.close();
  });

  it('streams progress then the answer on the legacy SSE stream', async () => {
    // Read raw: the SDK's SSE client handles progress a microtask late and drops the last one
    // when it arrives in the same chunk as the answer.
    const stream = await LegacyStream.open(`${GW}/sse`);
    await stream.post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INIT.params });
    await stream.next((m) => m.id === 1);
    await stream.post({ jsonrpc: '2.0', method: 'notifications/initialized' });
    const call = { name: 'web_progress', arguments: { steps: 3 }, _meta: { progressToken: 'p-1' } };
    await stream.post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: call });
    const got = await stream.until((m) => m.id === 2);
    const progress = got.filter((m) => m.method === 'notifications/progress').map((m) => [m.params.progressToken, m.params.progress]);
    expect(progress).toEqual([
      ['p-1', 1],
      ['p-1', 2],
      ['p-1', 3],
    ]);
    expect(got.at(-1)).toMatchObject({ id: 2, result: { content: [{ text: '3 steps done' }] } });
    stream.close();
  });
});

describe('sessions', () => {
  it('issues its own Mcp-Session-Id, one upstream session per target behind it, and DELETE ends both', async () => {
    const before = new Set(web.sessionIds());
    const c = await connect(`${GW}/mcp`);
    const sid = sessionIdOf(c);
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    await c.callTool({ name: 'web_echo', arguments: { message: 'x' } });
    const upstream = web.sessionIds().filter((id) => !before.has(id));
    expect(upstream.length).toBe(1);
    expect(upstream[0]).not.toBe(sid);
    await (c.transport as unknown as { terminateSession(): Promise<void> }).terminateSession();
    await waitUntil(() => !web.sessionIds().includes(upstream[0]!), 5000, 'upstream session closed');
    const r = await rawPost(`${GW}/mcp`, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, { 'mcp-session-id': sid });
    expect(r.status).toBe(404);
    const body = await r.json();
    expect(body).toMatchObject({ jsonrpc: '2.0', id: 2, error: { code: -32600 } });
    expect(body.error.message).toContain('session not found');
  });

  it('routes a server-to-client request to the client under a namespaced id, and the answer back', async () => {
    const c = await connectWithSampling(`${GW}/mcp`);
    expect(text(await c.client.callTool({ name: 'web_ask', arguments: {} }))).toBe('web heard: sampled for question from web');
    expect(text(await c.client.callTool({ name: 'old_ask', arguments: {} }))).toBe('old heard: sampled for question from old');
    expect(c.ids).toEqual([expect.stringMatching(/^agw_web_n_\d+$/), expect.stringMatching(/^agw_old_n_\d+$/)]);
    await c.client.close();
  });

  it('relays a server cancelling its own request to the client, under the namespaced id', async () => {
    const c = await connectWithSampling(`${GW}/mcp`, true);
    expect(text(await c.client.callTool({ name: 'web_impatient', arguments: {} }))).toBe('gave up');
    await waitUntil(() => c.cancelled.length === 1, 5000, 'the client saw the cancellation');
    expect(c.cancelled[0]).toMatch(/^agw_web_n_\d+$/);
    await c.client.close();
  });

  it("sends the client's progress on a server's request to that server only, under its own token", async () => {
    const c = await connectWithSampling(`${GW}/mcp`);
    const [w, o] = await Promise.all([
      c.client.callTool({ name: 'web_consult', arguments: {} }),
      c.client.callTool({ name: 'old_consult', arguments: {} }),
    ]);
    expect([text(w), text(o)]).toEqual(['web heard progress 1,2', 'old heard progress 1,2']);
    expect(c.tokens.sort()).toEqual([expect.stringMatching(/^agw_old_n_\d+$/), expect.stringMatching(/^agw_web_n_\d+$/)]);
    await c.client.close();
  });

  it('keeps progress of concurrent calls to different targets apart', async () => {
    const c = await connect(`${GW}/mcp`);
    const a: number[] = [];
    const b: number[] = [];
    await Promise.all([
      c.callTool({ name: 'web_progress', arguments: { steps: 5 } }, undefined, { onprogress: (p) => a.push(p.progress) }),
      c.callTool({ name: 'old_progress', arguments: { steps: 3 } }, undefined, { onprogress: (p) => b.push(p.progress) }),
    ]);
    expect(a).toEqual([1, 2, 3, 4, 5]);
    expect(b).toEqual([1, 2, 3]);
    await c.close();
  });

  it('closes a session idle for longer than config.mcp.sessionTtl', async () => {
    const c = await connect(`${GW}/mcp`);
    const sid = sessionIdOf(c);
    await c.close(); // the client also drops its GET stream: the session is now idle
    await new Promise((r) => setTimeout(r, 3000));
    const r = await rawPost(`${GW}/mcp`, { jsonrpc: '2.0', id: 3, method: 'ping' }, { 'mcp-session-id': sid });
    expect(r.status).toBe(404);
  });
});

describe('tracing', () => {
  it('names the span after the MCP method, with the tool and target, and carries the trace to the target', async () => {
    const c = await connect(`${GW}/mcp`);
    await c.callTool({ name: 'web_add', arguments: { a: 5, b: 5 } });
    await c.close();
    const up = web.calls('add').at(-1)!;
    const traceId = String(up.traceparent).split('-')[1];
    await waitUntil(() => otlp.spans.some((s) => s.traceId === traceId), 10_000, 'the span of the call');
    const span = otlp.spans.find((s) => s.traceId === traceId)!;
    expect(span.name).toBe('tools/call');
    expect(span.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'add',
      'mcp.target': 'web',
      protocol: 'mcp',
    });
    expect(span.attributes['mcp.session.id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('framing and negotiation', () => {
  it('refuses requests without a session, bad JSON, wrong headers and unknown protocol versions with JSON-RPC errors', async () => {
    const noSession = await rawPost(`${GW}/mcp`, { jsonrpc: '2.0', id: 5, method: 'tools/list' });
    expect(noSession.status).toBe(400);
    expect(await noSession.json()).toMatchObject({
      id: 5,
      error: { code: -32600, data: { httpStatus: 400, type: 'invalid_request_error', code: 'mcp_session_required', reason: 'MCP' } },
    });
    const bad = await rawPost(`${GW}/mcp`, '{"jsonrpc": "2.0", ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      id: null,
      error: { code: -32700, data: { code: 'invalid_jsonrpc', reason: 'InvalidRequest' } },
    });
    const accept = await rawPost(`${GW}/mcp`, INIT, { accept: 'application/json' });
    expect(accept.status).toBe(406);
    expect(await accept.json()).toMatchObject({ id: 1, error: { code: -32600, data: { code: 'mcp_not_acceptable' } } });
    const version = await rawPost(`${GW}/mcp`, INIT, { 'mcp-protocol-version': '1999-01-01' });
    expect(version.status).toBe(400);
    expect((await version.json()).error).toMatchObject({
      message: expect.stringContaining('unsupported MCP-Protocol-Version'),
      data: { code: 'mcp_unsupported_version' },
    });
  });

  it('dnsRebindingProtection refuses a foreign Origin and serves localhost', async () => {
    const foreign = await rawPost(`${GW}/local-only/mcp`, INIT, { origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.message).toContain('dnsRebindingProtection');
    const local = await rawPost(`${GW}/local-only/mcp`, INIT, { origin: 'http://localhost:6274' });
    expect(local.status).toBe(200);
  });

  it('negotiates a version every target speaks, and answers a lone initialize as one JSON body', async () => {
    const r = await rawPost(`${GW}/mcp`, { ...INIT, params: { ...INIT.params, protocolVersion: '2024-11-05' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(r.headers.get('mcp-session-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = await r.json();
    expect(body.result.protocolVersion).toBe('2024-11-05');
    expect(body.result.serverInfo.name).toBe('agentgateway');
  });
});

describe('statefulMode: stateless', () => {
  it('answers every request on its own, with fresh upstream sessions and no session id', async () => {
    const init = await rawPost(`${GW}/stateless/mcp`, INIT);
    expect(init.status).toBe(200);
    expect(init.headers.get('mcp-session-id')).toBeNull();
    const c = await connect(`${GW}/stateless/mcp`);
    expect(text(await c.callTool({ name: 'web_echo', arguments: { message: 'a' } }))).toBe('web: a');
    const p1 = text(await c.callTool({ name: 'local_pid', arguments: {} }));
    const p2 = text(await c.callTool({ name: 'local_pid', arguments: {} }));
    expect(p1).not.toBe(p2); // a stdio server per request, stopped after it
    const get = await fetch(`${GW}/stateless/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    expect(readEvents(events).filter((e) => e.kind === 'call' && e.tool === 'echo')).toEqual([]);
    await c.close();
  });
});

function sessionIdOf(c: Client): string {
  return (c.transport as unknown as { sessionId: string }).sessionId;
}

/** A client that samples: it reports two progress steps when the server asks for progress. */
async function connectWithSampling(
  url: string,
  slow = false,
): Promise<{ client: Client; ids: unknown[]; cancelled: unknown[]; tokens: unknown[] }> {
  const { Client: SdkClient } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const client = new SdkClient({ name: 'sampler', version: '1' }, { capabilities: { sampling: {} } });
  const ids: unknown[] = [];
  const cancelled: unknown[] = [];
  const tokens: unknown[] = [];
  client.setRequestHandler(CreateMessageRequestSchema, async (req, extra) => {
    ids.push(extra.requestId);
    const progressToken = req.params._meta?.progressToken;
    if (progressToken !== undefined) {
      tokens.push(progressToken);
      for (const progress of [1, 2])
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress } });
    }
    if (slow) {
      // Wait for the server to give up: its notifications/cancelled aborts this handler.
      await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve()));
      cancelled.push(extra.requestId);
    }
    const q = (req.params.messages[0]!.content as { text: string }).text;
    return { model: 'test', role: 'assistant', content: { type: 'text', text: `sampled for ${q}` } };
  });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  return { client, ids, cancelled, tokens };
}

/** A raw legacy HTTP+SSE client: the event stream read as it comes, messages POSTed to its endpoint. */
class LegacyStream {
  private buffer = '';
  private readonly messages: any[] = [];
  private endpoint = '';

  private constructor(
    private readonly base: string,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string): Promise<LegacyStream> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: abort.signal });
    const s = new LegacyStream(new URL(url).origin, abort);
    void s.read(res.body!);
    await waitUntil(() => s.endpoint !== '', 5000, 'the endpoint event');
    return s;
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) {
        this.buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.buffer.indexOf('\n\n')) >= 0) {
          const frame = this.buffer.slice(0, end);
          this.buffer = this.buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (data === undefined) continue;
          if (event === 'endpoint') this.endpoint = data;
          else this.messages.push(JSON.parse(data));
        }
      }
    } catch {
      // aborted by close()
    }
  }

  async post(message: unknown): Promise<void> {
    const r = await fetch(this.base + this.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(message),
    });
    expect(r.status).toBe(202);
  }

  async next(pred: (m: any) => boolean): Promise<any> {
    await waitUntil(() => this.messages.some(pred), 10_000, 'a message on the legacy stream');
    return this.messages.find(pred);
  }

  /** Every message up to and including the first matching `pred`, consumed. */
  async until(pred: (m: any) => boolean): Promise<any[]> {
    await this.next(pred);
    const i = this.messages.findIndex(pred);
    return this.messages.splice(0, i + 1);
  }

  close(): void {
    this.abort.abort();
  }
}
