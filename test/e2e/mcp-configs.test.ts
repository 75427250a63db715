// The example configs, unchanged, served by the real CLI: configs/mcp.yaml (the simplified
// `mcp:` section) and configs/agentic.yaml (LLM + A2A + MCP on one port). Their upstreams are
// test doubles: `npx` on PATH is a shim starting the test stdio server, the HTTP hosts are
// pointed at test servers with --connect-to, tokens come from the test identity provider.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../helpers/a2a-agent.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { JwksServer, makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { McpHttpServer } from '../helpers/mcp-http-server.js';
import { connect, STDIO_SERVER, text } from '../helpers/mcp-client.js';
import { onFreePorts } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { OPENAI_TEXT } from '../helpers/provider-formats.js';

const mcpConfig = await onFreePorts('configs/mcp.yaml');
const agentic = await onFreePorts('configs/agentic.yaml');
const ISS = 'https://idp.agentic.test';
const mocks = useProviderMocks();

let docs: McpHttpServer;
let shimDir: string;

beforeAll(async () => {
  docs = await McpHttpServer.start('docs');
  // `npx ...` in the configs starts the test stdio server instead of downloading one.
  shimDir = mkdtempSync(join(tmpdir(), 'agw-npx-'));
  const shim = join(shimDir, 'npx');
  writeFileSync(shim, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import tsx ${JSON.stringify(STDIO_SERVER)}\n`);
  chmodSync(shim, 0o755);
});

afterAll(async () => {
  await docs?.close();
});

function start(config: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<GatewayProcess> {
  return GatewayProcess.start({
    args: ['-f', config, '--connect-to', `localhost:3001:127.0.0.1:${docs.port}`, ...extraArgs],
    env: { PATH: `${shimDir}:${process.env.PATH}`, ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off', ...env },
  });
}

describe('configs/mcp.yaml', () => {
  const GW = `http://127.0.0.1:${mcpConfig.port(3000)}`;
  let gw: GatewayProcess;
  beforeAll(async () => {
    gw = await start(mcpConfig.file);
  });
  afterAll(async () => {
    expect(await gw?.stop()).toBe(0);
  });

  it('federates the stdio server it starts and the HTTP server behind /mcp', async () => {
    const c = await connect(`${GW}/mcp`);
    const names = (await c.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['everything_echo', 'docs_echo']));
    expect(text(await c.callTool({ name: 'everything_echo', arguments: { message: 'a' } }))).toBe('local: a');
    expect(text(await c.callTool({ name: 'docs_add', arguments: { a: 20, b: 22 } }))).toBe('42');
    await c.close();
  });

  it('answers CORS preflights for browser clients and exposes Mcp-Session-Id', async () => {
    const r = await fetch(`${GW}/mcp`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://inspector.local',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'mcp-session-id',
      },
    });
    expect(r.status).toBeLessThan(300);
    expect(r.headers.get('access-control-allow-origin')).toBe('http://inspector.local');
    expect(r.headers.get('access-control-allow-headers')).toContain('mcp-session-id');
    const init = await fetch(`${GW}/mcp`, {
      method: 'POST',
      headers: { origin: 'http://inspector.local', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'browser', version: '1' } },
      }),
    });
    expect(init.headers.get('access-control-expose-headers')).toContain('Mcp-Session-Id');
    expect(init.headers.get('mcp-session-id')).not.toBeNull();
  });
});

describe('configs/agentic.yaml', () => {
  const GW = `http://127.0.0.1:${agentic.port(3000)}`;
  let gw: GatewayProcess;
  let key: SigningKey;
  let jwks: JwksServer;
  let agent: TestAgent;

  beforeAll(async () => {
    key = await makeKey('agentic', 'ES256');
    jwks = await JwksServer.start([key]);
    agent = await startAgent('/agents/travel');
    gw = await start(agentic.file, [...mocks.args(), '--connect-to', `localhost:9999:127.0.0.1:${agent.port}`], {
      OPENAI_API_KEY: 'sk-agentic-openai-key',
      IDP_ISSUER: ISS,
      IDP_JWKS_URL: jwks.url,
    });
  });
  afterAll(async () => {
    expect(await gw?.stop()).toBe(0);
    expect(gw.output).not.toContain('sk-agentic-openai-key');
    await agent?.close();
    await jwks?.close();
  });

  const token = (role: string, aud?: string) =>
    mint({ key, issuer: ISS, claims: { sub: `${role}-user`, role }, ...(aud !== undefined ? { audience: aud } : {}) });

  it('serves LLM calls with a JWT, injecting the gateway key', async () => {
    const openai = new OpenAI({ baseURL: `${GW}/v1`, apiKey: await token('user'), maxRetries: 0 });
    const r = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(mocks.openai.last.headers.authorization).toBe('Bearer sk-agentic-openai-key');
  });

  it('serves the A2A agent card rewritten to the gateway', async () => {
    const card = await (await fetch(`${GW}/agents/travel/.well-known/agent-card.json`)).json();
    expect(JSON.stringify(card)).toContain(`${GW}/agents/travel`);
  });

  it('serves MCP only to signed-in users, showing the ops tools to admins only', async () => {
    const denied = await fetch(`${GW}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toContain(
      'resource_metadata="http://localhost:3000/.well-known/oauth-protected-resource/mcp"',
    );
    const user = await connect(`${GW}/mcp`, { headers: { authorization: `Bearer ${await token('user', 'http://localhost:3000/mcp')}` } });
    const userTools = (await user.listTools()).tools.map((t) => t.name);
    expect(userTools).toContain('docs_echo');
    expect(userTools.some((n) => n.startsWith('ops_'))).toBe(false);
    await user.close();
    const admin = await connect(`${GW}/mcp`, { headers: { authorization: `Bearer ${await token('admin', 'http://localhost:3000/mcp')}` } });
    expect(text(await admin.callTool({ name: 'ops_echo', arguments: { message: 'ok' } }))).toBe('local: ok');
    await admin.close();
  });
});
