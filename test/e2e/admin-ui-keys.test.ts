// The admin UI's Keys page in headless Chromium (Debian's `chromium`, driven by playwright-core)
// against the real gateway: a key created on the page (its secret shown once) works with the
// OpenAI SDK, its spend shows up, a budget set on the page is enforced, a rotation shows the new
// secret and stops the old one, a revocation stops the key. Screenshots go to test-results/.
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { openUiBrowser, type UiBrowser } from '../helpers/admin-ui.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { startKeysGateway } from '../helpers/keys.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { plainMock } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const LLM = await freePort();
const ADMIN = await freePort();

const KEYS = `
typicalOutputTokens: 50
keys:
- name: declared-bot
  key: sk-declared-ui-bot-000000001
  team: platform
teams:
- name: platform
  budgets: [{unit: usd, period: monthly, limit: 100}]
`;

let mock: MockUpstream;
let gw: GatewayProcess;
let ui: UiBrowser;
let page: Page;

const ask = (key: string) =>
  new OpenAI({ baseURL: `http://127.0.0.1:${LLM}/v1`, apiKey: key, maxRetries: 0 }).chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'Hello' }],
  });

beforeAll(async () => {
  mock = await plainMock();
  ({ gw } = await startKeysGateway({ llmPort: LLM, adminPort: ADMIN, mock, keys: KEYS }));
  ui = await openUiBrowser('admin-ui-keys', { width: 1500, height: 900 });
  page = ui.page;
  page.on('dialog', (d) => void d.accept());
});
afterAll(async () => {
  await ui?.close();
  expect(await gw.stop()).toBe(0);
  await mock.close();
});

const row = (name: string) => page.locator(`tr[data-key="${name}"]`);
const secretShown = async () => (await page.locator('#new-secret .secret').textContent())!.trim();

describe('the Keys page', () => {
  it('creates a key whose secret is shown once; the key works and its spend shows', async () => {
    await page.goto(`http://127.0.0.1:${ADMIN}/ui/#/keys`);
    await row('declared-bot').waitFor();
    expect(await row('declared-bot').textContent()).toContain('from the config file');
    expect(await row('declared-bot').locator('button').count()).toBe(0); // read-only
    const form = page.locator('form.create-key');
    await form.locator('input[name="name"]').fill('ui-made');
    await form.locator('input[name="team"]').fill('platform');
    await form.locator('input[name="user"]').fill('alice');
    await form.locator('input[name="models"]').fill('gpt-4o');
    await page.click('#create-key');
    await page.locator('#new-secret').waitFor();
    const secret = await secretShown();
    expect(secret).toMatch(/^sk-agw-/);
    await row('ui-made').waitFor();
    expect(await row('ui-made').textContent()).toContain(`sk-agw-…${secret.slice(-4)}`);
    await ui.shot('1-created');
    await page.click('#new-secret button');
    expect(await page.locator('#new-secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);

    await ask(secret);
    await page.waitForFunction(() => document.querySelector('tr[data-key="ui-made"] .spend-total')?.textContent?.includes('1 req'));
    expect(await row('ui-made').locator('.spend-total').textContent()).toContain('29 tok');
    expect(await page.locator('tr[data-team="platform"]').textContent()).toContain('$100.00');
  });

  it('sets a budget that the next request obeys, then rotates and revokes', async () => {
    await page.goto(`http://127.0.0.1:${ADMIN}/ui/#/keys`);
    await row('ui-made').locator('button.set-budget').click();
    const f = row('ui-made').locator('form.budget-form');
    await f.locator('select[name="unit"]').selectOption('tokens');
    await f.locator('select[name="period"]').selectOption('daily');
    await f.locator('input[name="limit"]').fill('29');
    await f.locator('button[type="submit"]').click();
    await page.waitForFunction(() => document.querySelector('tr[data-key="ui-made"] .budget')?.textContent?.includes('29 tok of 29 tok'));
    await ui.shot('2-budget');

    await row('ui-made').locator('button.rotate').click();
    await page.waitForFunction(() => document.querySelector('#new-secret .secret')?.textContent?.startsWith('sk-agw-'));
    const rotated = await secretShown();
    const err = await ask(rotated).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError); // the new secret works; the budget holds
    await page.click('#new-secret button');

    await row('ui-made').locator('button.revoke').click();
    await page.locator('tr[data-key="ui-made"][data-status="revoked"]').waitFor();
    expect(await ask(rotated).catch((e: unknown) => e)).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(await row('ui-made').locator('button').count()).toBe(0);
    await ui.shot('3-revoked');
    expect(ui.pageErrors).toEqual([]);
  });
});
