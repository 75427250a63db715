// MCP federation through the real gateway, driven by the official SDK client: one stdio server
// the gateway starts (test/fixtures/mcp/stdio-server.ts) and one Streamable HTTP server, both
// built with the SDK's McpServer. Lists are merged with `<target>_` prefixes, calls routed by
// prefix, progress streamed back, a tool hidden by mcpAuthorization is absent and refused, a
// cancelled or abandoned call is cancelled upstream, a target killed mid-session fails its calls
// at once and comes back, and the metric, access log and rate limit see each tool call.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { McpHttpServer } from '../helpers/mcp-http-server.js';
import { connect, rawPost, readEvents, stdioTarget, text } from '../helpers/mcp-client.js';
import { freePort } from '../helpers/ports.js';
import { scrape, select } from '../helpers/prometheus.js';
import { waitUntil } from '../helpers/wait.js';

const PORT = await freePort();
const STATS = await freePort();
const GW = `http://127.0.0.1:${PORT}`;

let gw: GatewayProcess;
let web: McpHttpServer;
let events: string;
let client: Client;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agw-mcp-'));
  events = join(dir, 'events.jsonl');
  web = await McpHttpServer.start('web');
  const config = writeConfig(
    dir,
    'mcp.yaml',
    `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: fed
      matches: [{path: {pathPrefix: /mcp}}]
      policies:
        mcpAuthorization:
          rules:
          - deny: 'mcp.tool.name == "secret" && mcp.tool.target == "web"'
      backends:
      - mcp:
          targets:
          - name: web
            mcp: {host: "${web.url}"}
${stdioTarget('local', events, '          ')}
    - name: limited
      matches: [{path: {pathPrefix: /limited}}]
      policies:
        localRateLimit:
        - {maxTokens: 2, tokensPerFill: 2, fillInterval: 1h, key: 'mcp.methodName == "tools/call" ? mcp.tool.name : mcp.methodName'}
      backends:
      - mcp:
          targets:
          - name: web
            mcp: {host: "${web.url}"}
    - name: open
      matches: [{path: {pathPrefix: /open}}]
      backends:
      - mcp:
          failureMode: failOpen
          targets:
          - name: web
            mcp: {host: "${web.url}"}
          - name: gone
            mcp: {host: "http://127.0.0.1:9/mcp"}
    - name: closed
      matches: [{path: {pathPrefix: /closed}}]
      backends:
      - mcp:
          targets:
          - name: web
            mcp: {host: "${web.url}"}
          - name: gone
            mcp: {host: "http://127.0.0.1:9/mcp"}
`,
  );
  gw = await startGateway(config, [], { STATS_ADDR: `127.0.0.1:${STATS}`, AGW_LOG_LEVEL: 'info' });
  client = await connect(`${GW}/mcp`);
}, 30_000);

afterAll(async () => {
  await client?.close();
  await gw?.stop();
  await web?.close();
});

describe('federation of a stdio and a Streamable HTTP server', () => {
  it('negotiates a session and answers as the gateway, with every target in the instructions', () => {
    expect(client.getServerVersion()?.name).toBe('agentgateway');
    expect(client.getServerCapabilities()?.tools).toBeDefined();
    expect(client.getInstructions()).toContain('[web]');
    expect(client.getInstructions()).toContain('[local]');
  });

  it('lists the tools of both targets, prefixed, without the one authorization hides', async () => {
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['web_echo', 'web_add', 'local_echo', 'local_add', 'local_secret', 'local_crash']));
    expect(names).not.toContain('web_secret');
    expect(names.filter((n) => !n.startsWith('web_') && !n.startsWith('local_'))).toEqual([]);
  });

  it('routes each call by its prefix', async () => {
    expect(text(await client.callTool({ name: 'web_echo', arguments: { message: 'hi' } }))).toBe('web: hi');
    expect(text(await client.callTool({ name: 'local_echo', arguments: { message: 'hi' } }))).toBe('local: hi');
    const sum = await client.callTool({ name: 'web_add', arguments: { a: 2, b: 40 } });
    expect(sum.structuredContent).toEqual({ sum: 42 });
    expect(readEvents(events).some((e) => e.kind === 'call' && e.tool === 'echo')).toBe(true);
  });

  it('streams progress notifications of a call back to the client, from either target', async () => {
    for (const name of ['local_progress', 'web_progress']) {
      const seen: number[] = [];
      const r = await client.callTool({ name, arguments: { steps: 4 } }, undefined, { onprogress: (p) => seen.push(p.progress) });
      expect(text(r)).toBe('4 steps done');
      expect(seen).toEqual([1, 2, 3, 4]);
    }
  });

  it('refuses a hidden tool when called anyway, as an unknown tool, without reaching the target', async () => {
    const err = await client.callTool({ name: 'web_secret', arguments: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    expect((err as McpError).code).toBe(-32602);
    expect((err as McpError).message).toContain('Unknown tool: web_secret');
    expect((err as McpError).data).toBeUndefined(); // in-band: nothing tells it from an unknown tool
    expect(web.calls('secret')).toEqual([]);
    expect(text(await client.callTool({ name: 'local_secret', arguments: {} }))).toBe('the local secret');
  });

  it('answers a tool name that names no target as unknown', async () => {
    const err = await client.callTool({ name: 'nowhere_echo', arguments: {} }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(-32602);
  });

  it('federates prompts and resources: prefixed names, namespaced URIs', async () => {
    const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
    expect(prompts.sort()).toEqual(['local_greet', 'web_greet']);
    const p = await client.getPrompt({ name: 'local_greet', arguments: { who: 'you' } });
    expect(p.messages[0]?.content).toMatchObject({ text: 'Hello you from local' });
    const uris = (await client.listResources()).resources.map((r) => r.uri);
    expect(uris.sort()).toEqual(['local+memo://local/notes', 'web+memo://web/notes']);
    const read = await client.readResource({ uri: 'web+memo://web/notes' });
    expect(read.contents[0]).toMatchObject({ uri: 'web+memo://web/notes', text: 'notes of web' });
  });
});

describe('cancellation', () => {
  it('a call the client cancels is cancelled on the stdio target', async () => {
    const abort = new AbortController();
    const call = client.callTool({ name: 'local_slow', arguments: { ms: 20_000 } }, undefined, { signal: abort.signal });
    await waitUntil(() => readEvents(events).some((e) => e.kind === 'call' && e.tool === 'slow'), 10_000, 'slow call upstream');
    abort.abort('user gave up');
    await expect(call).rejects.toThrow();
    await waitUntil(() => readEvents(events).some((e) => e.kind === 'cancelled' && e.tool === 'slow'), 5000, 'upstream cancellation');
  });

  it('a client that disconnects mid-call gets its upstream call cancelled', async () => {
    const sid = sessionIdOf(client);
    const abort = new AbortController();
    const before = web.calls('slow').length;
    const res = rawPost(
      `${GW}/mcp`,
      { jsonrpc: '2.0', id: 'bye', method: 'tools/call', params: { name: 'web_slow', arguments: { ms: 20_000 } } },
      { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-06-18' },
      abort.signal,
    ).catch(() => null);
    await waitUntil(() => web.calls('slow').length > before, 5000, 'slow call upstream');
    abort.abort();
    await res;
    await waitUntil(() => web.cancellations().length > 0, 5000, 'upstream saw the cancellation');
    expect(web.cancellations()[0]).toMatchObject({ tool: 'slow', server: 'web' });
  });
});

describe('targets that die', () => {
  it('a stdio target killed mid-call fails that call at once, and is started again for the next one', async () => {
    const pid1 = text(await client.callTool({ name: 'local_pid', arguments: {} }));
    const t0 = Date.now();
    const err = await client.callTool({ name: 'local_crash', arguments: {} }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect((err as McpError).code).toBe(-32603);
    expect((err as McpError).message).toContain('target local is unavailable');
    // The other target is untouched, and the next call starts a new process.
    expect(text(await client.callTool({ name: 'web_echo', arguments: { message: 'still here' } }))).toBe('web: still here');
    const pid2 = text(await client.callTool({ name: 'local_pid', arguments: {} }));
    expect(pid2).not.toBe(pid1);
  });

  it('an HTTP target killed mid-call fails that call; after its restart the session reconnects', async () => {
    const before = web.calls('slow').length;
    const t0 = Date.now();
    const call = client.callTool({ name: 'web_slow', arguments: { ms: 20_000 } }).catch((e: unknown) => e);
    await waitUntil(() => web.calls('slow').length > before, 5000, 'slow call upstream');
    await web.kill();
    const err = await call;
    expect((err as McpError).code).toBe(-32603);
    expect(Date.now() - t0).toBeLessThan(10_000);
    const down = await client.callTool({ name: 'web_echo', arguments: { message: 'x' } }).catch((e: unknown) => e);
    expect((down as McpError).message).toContain('target web is unavailable');
    await web.restart();
    // The restarted server forgot the upstream session: the gateway opens a new one transparently.
    expect(text(await client.callTool({ name: 'web_echo', arguments: { message: 'back' } }))).toBe('web: back');
  });

  it('failOpen leaves a dead target out; failClosed refuses the session', async () => {
    const open = await connect(`${GW}/open`);
    const names = (await open.listTools()).tools.map((t) => t.name);
    expect(names).toContain('web_echo');
    expect(names.some((n) => n.startsWith('gone_'))).toBe(false);
    const err = await open.callTool({ name: 'gone_echo', arguments: {} }).catch((e: unknown) => e);
    expect((err as McpError).message).toContain('target gone is unavailable');
    await open.close();
    await expect(connect(`${GW}/closed`)).rejects.toThrow(/target gone is unavailable/);
  });
});

describe('telemetry and limits', () => {
  it('counts tool calls in agentgateway_mcp_requests_total by method, tool, target and outcome', async () => {
    const samples = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    const ok = select(samples, 'agentgateway_mcp_requests_total', {
      method: 'tools/call',
      resource_type: 'tool',
      server: 'web',
      resource: 'add',
      outcome: 'success',
      route: 'fed',
    });
    expect(ok.reduce((s, x) => s + x.value, 0)).toBeGreaterThanOrEqual(1);
    const denied = select(samples, 'agentgateway_mcp_requests_total', { resource: 'secret', server: 'web', outcome: 'error' });
    expect(denied.length).toBe(1);
    expect(select(samples, 'agentgateway_mcp_requests_total', { method: 'tools/list', outcome: 'success' }).length).toBeGreaterThan(0);
    expect(select(samples, 'agentgateway_mcp_requests_total', { resource: 'slow', outcome: 'cancelled' }).length).toBeGreaterThan(0);
  });

  it('logs each tool call with agentgateway MCP fields', async () => {
    await waitUntil(
      () => /mcp\.method\.name=tools\/call .*mcp\.target=web mcp\.resource\.type=tool gen_ai\.tool\.name=add/.test(gw.output),
      5000,
      'access log',
    );
    expect(gw.output).toMatch(/protocol=mcp mcp\.method\.name=initialize mcp\.session\.id=[0-9a-f-]{36}/);
    // A hidden tool is answered like an unknown one; only the log's kind and reason tell.
    expect(gw.output).toMatch(/gen_ai\.tool\.name=secret mcp\.error\.code=-32602 .*error\.code=mcp_denied reason=Authorization/);
    expect(gw.output).toMatch(/error="Unknown tool: nowhere_echo" error\.code=mcp_unknown_name reason=MCP/);
  });

  it('rate limits can key on mcp.tool.name', async () => {
    const c = await connect(`${GW}/limited`);
    await c.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    await c.callTool({ name: 'add', arguments: { a: 1, b: 1 } });
    await expect(c.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).rejects.toThrow(/429|rate limit/i);
    // Another tool has its own bucket.
    expect(text(await c.callTool({ name: 'echo', arguments: { message: 'ok' } }))).toBe('web: ok');
    await c.close();
  });
});

function sessionIdOf(c: Client): string {
  return (c.transport as unknown as { sessionId: string }).sessionId;
}
