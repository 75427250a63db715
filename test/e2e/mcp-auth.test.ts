// MCP authentication and authorization through the real gateway: mcpAuthentication answers 401
// with `WWW-Authenticate: Bearer resource_metadata=...` and serves the RFC 9728 document the
// SDK's discovery reads, then lets a client with a valid JWT (test/helpers/jwt-issuer.ts) in;
// mcpAuthorization rules over mcp.tool.*, mcp.prompt.*, mcp.resource.* and jwt.* hide and refuse
// tools, prompts and resources per caller; backendAuth passthrough hands the validated token to
// the target.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverOAuthProtectedResourceMetadata } from '@modelcontextprotocol/sdk/client/auth.js';
import type { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoSecrets, startGateway, writeConfig } from '../helpers/auth-gateway.js';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { JwksServer, makeKey, mint, type SigningKey } from '../helpers/jwt-issuer.js';
import { McpHttpServer } from '../helpers/mcp-http-server.js';
import { connect, rawPost, text } from '../helpers/mcp-client.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const GW = `http://127.0.0.1:${PORT}`;
const ISS = 'https://idp.mcp.test';
const AUD = `${GW}/auth/mcp`;

let gw: GatewayProcess;
let web: McpHttpServer;
let key: SigningKey;
let jwks: JwksServer;
const tokens: string[] = [];

async function token(claims: Record<string, unknown>, o: { expiresIn?: number; audience?: string } = {}): Promise<string> {
  const t = await mint({ key, issuer: ISS, audience: o.audience ?? AUD, claims, expiresIn: o.expiresIn ?? 600 });
  tokens.push(t);
  return t;
}

beforeAll(async () => {
  key = await makeKey('mcp1', 'ES256');
  jwks = await JwksServer.start([key]);
  web = await McpHttpServer.start('web');
  const dir = mkdtempSync(join(tmpdir(), 'agw-mcp-auth-'));
  const config = writeConfig(
    dir,
    'auth.yaml',
    `binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: protected
      matches:
      - path: {exact: /auth/mcp}
      - path: {exact: /.well-known/oauth-protected-resource/auth/mcp}
      policies:
        mcpAuthentication:
          issuer: ${ISS}
          audiences: ["${AUD}"]
          jwks: {url: "${jwks.url}"}
          resourceMetadata:
            resource: ${AUD}
            scopesSupported: [tools:read, tools:admin]
            bearerMethodsSupported: [header]
        mcpAuthorization:
          rules:
          - 'mcp.tool.name != "secret" || jwt.role == "admin"'
          - 'mcp.prompt.name != "greet" || jwt.role == "admin"'
          - 'mcp.resource.name != "memo://web/notes" || jwt.role == "admin"'
        backendAuth: {passthrough: {}}
      backends:
      - mcp:
          targets:
          - name: web
            mcp: {host: "${web.url}"}
`,
  );
  gw = await startGateway(config);
}, 30_000);

afterAll(async () => {
  await gw?.stop();
  await web?.close();
  await jwks?.close();
});

describe('mcpAuthentication', () => {
  it('answers 401 with WWW-Authenticate resource_metadata, and the SDK client cannot connect', async () => {
    const r = await rawPost(`${GW}/auth/mcp`, {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } },
    });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${GW}/.well-known/oauth-protected-resource/auth/mcp"`);
    expect(await r.json()).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32000, data: { httpStatus: 401 } } });
    await expect(connect(AUD)).rejects.toThrow(/401/);
  });

  it('serves the protected-resource metadata that the SDK discovers', async () => {
    const meta = await discoverOAuthProtectedResourceMetadata(AUD, {
      resourceMetadataUrl: `${GW}/.well-known/oauth-protected-resource/auth/mcp`,
    });
    expect(meta).toMatchObject({
      resource: AUD,
      authorization_servers: [ISS],
      scopes_supported: ['tools:read', 'tools:admin'],
      bearer_methods_supported: ['header'],
    });
  });

  it('lets a client with a valid JWT in; an expired or foreign-audience token gets 401 again', async () => {
    const c = await connect(AUD, { headers: { authorization: `Bearer ${await token({ sub: 'ann', role: 'user' })}` } });
    expect(text(await c.callTool({ name: 'echo', arguments: { message: 'in' } }))).toBe('web: in');
    await c.close();
    for (const bad of [await token({ sub: 'ann' }, { expiresIn: -600 }), await token({ sub: 'ann' }, { audience: 'elsewhere' })]) {
      await expect(connect(AUD, { headers: { authorization: `Bearer ${bad}` } })).rejects.toThrow(/401/);
    }
  });
});

describe('mcpAuthorization with JWT claims', () => {
  it('hides and refuses a tool for one caller, and shows it to another', async () => {
    const user = await connect(AUD, { headers: { authorization: `Bearer ${await token({ sub: 'ann', role: 'user' })}` } });
    expect((await user.listTools()).tools.map((t) => t.name)).not.toContain('secret');
    const err = await user.callTool({ name: 'secret', arguments: {} }).catch((e: unknown) => e);
    expect((err as McpError).code).toBe(-32602);
    expect(web.calls('secret')).toEqual([]);
    await user.close();
    const admin = await connect(AUD, { headers: { authorization: `Bearer ${await token({ sub: 'bob', role: 'admin' })}` } });
    expect((await admin.listTools()).tools.map((t) => t.name)).toContain('secret');
    expect(text(await admin.callTool({ name: 'secret', arguments: {} }))).toBe('the web secret');
    await admin.close();
  });

  it('hides and refuses prompts and resources by mcp.prompt and mcp.resource the same way', async () => {
    const user = await connect(AUD, { headers: { authorization: `Bearer ${await token({ sub: 'ann', role: 'user' })}` } });
    expect((await user.listPrompts()).prompts).toEqual([]);
    expect((await user.listResources()).resources).toEqual([]);
    const prompt = await user.getPrompt({ name: 'greet', arguments: { who: 'ann' } }).catch((e: unknown) => e);
    expect(prompt).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown prompt: greet') });
    const read = await user.readResource({ uri: 'memo://web/notes' }).catch((e: unknown) => e);
    expect(read).toMatchObject({ code: -32602, message: expect.stringContaining('Unknown resource: memo://web/notes') });
    await user.close();
    const admin = await connect(AUD, { headers: { authorization: `Bearer ${await token({ sub: 'bob', role: 'admin' })}` } });
    expect((await admin.listPrompts()).prompts.map((p) => p.name)).toEqual(['greet']);
    expect((await admin.getPrompt({ name: 'greet', arguments: { who: 'bob' } })).messages[0]?.content).toMatchObject({
      text: 'Hello bob from web',
    });
    expect((await admin.listResources()).resources.map((r) => r.uri)).toEqual(['memo://web/notes']);
    expect((await admin.readResource({ uri: 'memo://web/notes' })).contents[0]).toMatchObject({ text: 'notes of web' });
    await admin.close();
  });

  it('passes the validated token to the target with backendAuth passthrough', async () => {
    const t = await token({ sub: 'cy', role: 'user' });
    const c = await connect(AUD, { headers: { authorization: `Bearer ${t}` } });
    expect(text(await c.callTool({ name: 'whoami', arguments: {} }))).toBe(`Bearer ${t}`);
    await c.close();
  });

  it('keeps tokens out of the logs', () => {
    expectNoSecrets(gw.output, tokens, 'gateway output');
  });
});
