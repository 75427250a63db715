// The admin API and UI (headless Chromium) show MCP backends: each target with its health, the
// server it reported and the tools it listed, a dead target as down with its error, and no
// credential of a stdio target's environment.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openUiBrowser, type UiBrowser } from '../helpers/admin-ui.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, managementEnv } from '../helpers/admin-client.js';
import { writeConfig } from '../helpers/auth-gateway.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { McpHttpServer } from '../helpers/mcp-http-server.js';
import { connect, stdioTarget } from '../helpers/mcp-client.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const ADMIN = await freePort();
const SECRET = 'ghp_mcpAdminTestSecret0123456789';

let gw: GatewayProcess;
let web: McpHttpServer;
let ui: UiBrowser | undefined;
const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agw-mcp-admin-'));
  web = await McpHttpServer.start('web');
  const stdio = stdioTarget('local', join(dir, 'events.jsonl')).replace('env: {', `env: {GITHUB_TOKEN: ${SECRET}, `);
  const config = writeConfig(
    dir,
    'gw.yaml',
    `mcp:
  port: ${PORT}
  failureMode: failOpen
  targets:
${stdio}
  - name: web
    mcp: {host: "${web.url}"}
  - name: dead
    mcp: {host: "http://127.0.0.1:9/mcp"}
`,
  );
  gw = await GatewayProcess.start({ args: ['-f', config], env: managementEnv(ADMIN) });
  const c = await connect(`http://127.0.0.1:${PORT}/mcp`);
  await c.listTools();
  await c.close();
}, 30_000);

afterAll(async () => {
  await ui?.close();
  await gw?.stop();
  await web?.close();
});

describe('MCP in the admin API and UI', () => {
  it('/api/runtime lists the targets with health, server and tools, and no secrets', async () => {
    const rt = await admin.runtime();
    const b = rt.binds.find((x: { port: number }) => x.port === PORT).listeners[0].routes[0].backends[0];
    expect(b.kind).toBe('mcp');
    const targets = Object.fromEntries(b.mcp.targets.map((t: { name: string }) => [t.name, t]));
    expect(targets.local).toMatchObject({ kind: 'stdio', health: 'up', server: { name: 'local' } });
    expect(targets.web).toMatchObject({ kind: 'mcp', health: 'up', url: web.url });
    expect(targets.web.tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['echo', 'add', 'progress']));
    expect(targets.dead.health).toBe('down');
    expect(targets.dead.lastError).toMatch(/fetch failed|ECONNREFUSED/);
    expect(JSON.stringify(rt)).not.toContain(SECRET);
    expect(await (await admin.request('/config_dump')).text()).not.toContain(SECRET);
  });

  it('the MCP page shows every target, its health and its tools', async () => {
    ui = await openUiBrowser('admin-ui', { width: 1400, height: 900 });
    const page = ui.page;
    await page.goto(`http://127.0.0.1:${ADMIN}/ui/#/mcp`);
    await page.locator('tr[data-target="web"][data-health="up"] [data-tool="echo"]').waitFor();
    await page.locator('tr[data-target="local"][data-health="up"] [data-tool="crash"]').waitFor();
    expect(await page.locator('tr[data-target="dead"]').getAttribute('data-health')).toBe('down');
    expect(await page.content()).not.toContain(SECRET);
    await ui.shot('mcp');
    expect(ui.pageErrors).toEqual([]);
  });
});
