// The admin UI in headless Chromium (Debian's `chromium`, driven by playwright-core) against
// the real gateway: the routes of the loaded config are on the page, a route edited in the
// YAML editor and applied is served by the gateway, and an invalid edit shows its positioned
// error and changes nothing. Screenshots go to test-results/ as artifacts.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openUiBrowser, type UiBrowser } from '../helpers/admin-ui.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, configFile, managementEnv } from '../helpers/admin-client.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';

const DATA = await freePort();
const LLM = await freePort();
const ADMIN = await freePort();

const CONFIG = `# admin UI test config
binds:
- port: ${DATA}
  listeners:
  - name: main
    routes:
    - name: chat
      matches: [{path: {pathPrefix: /v1}}]
      backends:
      - ai:
          name: mock-chat
          provider: {mock: {response: "from the file"}}
    - name: claude
      matches: [{path: {pathPrefix: /anthropic}}]
      policies:
        ai:
          promptGuard: {request: [{regex: {rules: [{builtin: email}]}}]}
      backends:
      - ai:
          name: claude
          provider: {anthropic: {model: claude-haiku-4-5}}
          policies:
            backendAuth: {key: sk-ant-ui-test-secret-000111}
            ai: {modelAliases: {fast: claude-haiku-4-5}}
llm:
  port: ${LLM}
  models:
    - {name: gpt-4o, provider: mock, params: {model: gpt-4o-mock}}
    - {name: claude-haiku, provider: anthropic, params: {model: claude-haiku-4-5, apiKey: sk-ant-ui-llm-secret-222333}}
  virtualModels:
    - {name: auto, routing: {failover: {targets: [{model: gpt-4o, priority: 0}, {model: claude-haiku, priority: 1}]}}}
`;

async function post(path: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${DATA}${path}`, {
    method: 'POST',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await r.json()) as any;
  return { status: r.status, text: body.choices?.[0]?.message?.content ?? body.error?.message };
}

describe('admin UI in headless Chromium', () => {
  let gw: GatewayProcess;
  let ui: UiBrowser;
  let page: Page;
  let file: string;
  const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);

  beforeAll(async () => {
    file = configFile(CONFIG);
    gw = await GatewayProcess.start({ args: ['-f', file], env: managementEnv(ADMIN) });
    ui = await openUiBrowser('admin-ui', { width: 1400, height: 900 });
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await gw?.stop();
  });

  it('shows the routes of the loaded config as a request path, with live health', async () => {
    expect((await post('/v1/chat/completions')).text).toBe('from the file');
    await page.goto(`http://127.0.0.1:${ADMIN}/ui/`);
    await page.locator('.route-card[data-route="claude"]').waitFor();
    expect(await page.locator('.route-card .title').allTextContents()).toEqual(['chat', 'claude']);
    await page.locator('.backend[data-backend="mock-chat"] .dot[data-health="healthy"]').waitFor();
    // the share of recent prompt tokens read from the provider's cache (the mock caches nothing)
    expect(await page.locator('.backend[data-backend="mock-chat"] [data-cache-ratio=""]').textContent()).toBe('prompt cache hits 0%');
    expect(await page.locator('.node.port .title').textContent()).toBe(`:${DATA}`);
    await ui.shot('1-overview');
  });

  it('lists providers and models, and policies per route without secrets', async () => {
    await page.click('#nav-providers');
    await page.locator('tr[data-provider="claude"]').waitFor();
    expect(await page.locator('tr[data-provider="claude"]').textContent()).toContain('claude-haiku-4-5');
    // the llm: section's models, with where each goes and its health from recent traffic
    const llm = await fetch(`http://127.0.0.1:${LLM}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(llm.status).toBe(200);
    await page.click('#nav-overview');
    await page.click('#nav-providers');
    await page.locator('tr[data-model="gpt-4o"] .dot[data-health="healthy"]').waitFor();
    expect(await page.locator('tr[data-model="gpt-4o"]').textContent()).toContain('gpt-4o-mock');
    expect(await page.locator('tr[data-model="claude-haiku"]').textContent()).toContain('https://api.anthropic.com:443');
    expect(await page.locator('tr[data-virtual-model="auto"]').textContent()).toContain('gpt-4o (priority 0), claude-haiku (priority 1)');
    await ui.shot('2-providers');
    await page.click('#nav-policies');
    const policies = page.locator('[data-policies-route="claude"]');
    await policies.waitFor();
    expect(await policies.textContent()).toContain('<redacted>');
    expect(await page.content()).not.toContain('sk-ant-ui-test-secret');
    // the LLM policy in force: the route's guard and the backend's aliases, each with its source
    const ai = policies.locator('[data-effective-ai="claude"]');
    expect(await ai.locator('[data-ai-field="promptGuard"]').textContent()).toContain('binds[0].listeners[0].routes[1].policies.ai');
    expect(await ai.locator('[data-ai-field="modelAliases"]').textContent()).toContain('routes[1].backends[0].ai.policies.ai');
    expect(await page.content()).not.toContain('sk-ant-ui-llm-secret');
    await ui.shot('3-policies');
  });

  it('edits a route in the YAML editor, applies it, and the gateway serves the new route', async () => {
    await page.click('#nav-config');
    const editor = page.locator('#editor');
    await page.waitForFunction(() => (document.querySelector('#editor') as HTMLTextAreaElement | null)?.value.includes('binds:'));
    const original = await editor.inputValue();
    expect(original).not.toContain('sk-ant-ui-test-secret');
    expect(original).not.toContain('sk-ant-ui-llm-secret');
    expect(original).toContain('# admin UI test config');
    await editor.fill(
      original
        .replace('name: chat', 'name: edited')
        .replace('pathPrefix: /v1', 'pathPrefix: /edited')
        .replace('from the file', 'from the UI'),
    );
    await page.locator('#validation.valid').waitFor();
    await page.click('#apply');
    await page.locator('#applied').waitFor();
    expect(await page.locator('#applied').textContent()).toBe('applied: version 2');
    await ui.shot('4-editor-applied');

    expect(await post('/edited/chat/completions')).toEqual({ status: 200, text: 'from the UI' });
    expect((await post('/v1/chat/completions')).status).toBe(404);
    const onDisk = readFileSync(file, 'utf8');
    expect(onDisk).toContain('backendAuth: {key: sk-ant-ui-test-secret-000111}'); // the secret survived the round trip
    expect(onDisk).toContain('# admin UI test config');

    await page.click('#nav-overview');
    await page.locator('.route-card[data-route="edited"]').waitFor();
  });

  it('an invalid edit shows the positioned error and changes nothing', async () => {
    await page.click('#nav-config');
    const editor = page.locator('#editor');
    await page.waitForFunction(() => (document.querySelector('#editor') as HTMLTextAreaElement | null)?.value.includes('name: edited'));
    const before = readFileSync(file, 'utf8');
    await editor.fill((await editor.inputValue()).replace('provider: {mock:', 'provider: {mokc:'));
    await page.locator('#validation.invalid').waitFor();
    const problem = await page.locator('.problem').first().textContent();
    expect(problem).toContain('12:22');
    expect(problem).toContain('binds[0].listeners[0].routes[0].backends[0].ai.provider.mokc');
    expect(problem).toContain('unknown key "mokc" (did you mean "mock"?)');
    expect(await page.locator('#apply').isDisabled()).toBe(true);
    await ui.shot('5-editor-invalid');

    expect(readFileSync(file, 'utf8')).toBe(before);
    expect((await admin.runtime()).version).toBe(2);
    expect(await post('/edited/chat/completions')).toEqual({ status: 200, text: 'from the UI' });
  });

  it('shows recent requests live and the last reload', async () => {
    await page.click('#nav-requests');
    await page.locator('.request-row').first().waitFor();
    const shown = await page.locator('.request-row').count();
    await post('/edited/chat/completions');
    await page.waitForFunction((n) => document.querySelectorAll('.request-row').length > n, shown);
    const cells = await page.locator('.request-row').first().locator('td').allTextContents();
    expect(cells.slice(1, 8)).toEqual(['POST', '/edited/chat/completions', `${DATA}/main/edited`, 'mock-chat', 'm', '(anonymous)', '200']);
    await ui.shot('6-requests');
    await page.click('#nav-reloads');
    await page.locator('#last-reload dd.good').waitFor();
    expect(await page.locator('#last-reload').textContent()).toContain('api');
    await ui.shot('7-reloads');
    expect(ui.pageErrors).toEqual([]);
  });
});
