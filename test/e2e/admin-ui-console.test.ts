// The operator console's Requests, Reloads and Providers pages in headless Chromium against the
// real gateway. Traffic of several kinds goes through the data plane with the official SDKs
// (priced OpenAI, unpriced Anthropic behind basic auth, a prompt the guard masks, a rate-limited
// request, an unreachable upstream); then the server-side filters must narrow the list, the
// detail view must show the phases, usage, guard action and error reason, a spike link on the
// Traffic page must land on the requests behind it, a good and a bad reload of the file must
// show in the history (the bad one's line marked in the editor), and a failover group must
// render as a group. Screenshots go to test-results/admin-ui-console/.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openUiBrowser, type UiBrowser } from '../helpers/admin-ui.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecentRequest } from '../../src/observability/recent-requests.js';
import type { ReloadResult } from '../../src/runtime/reload-status.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { aiRoute, ONE_PRICED_MODEL, refusalRoutes } from '../helpers/traffic.js';

const DATA = await freePort();
const ADMIN = await freePort();
const CLOSED = await freePort();
const HTPASSWD = `alice:{SHA}${createHash('sha1').update('wonderland').digest('base64')}`;

const ROUTES = [
  aiRoute('openai', '{openAI: {model: gpt-4o}}', '{/v1/chat/completions: completions}', '{backendAuth: {key: sk-console-openai-test}}'),
  aiRoute(
    'anthropic',
    '{anthropic: {model: claude-sonnet-4-5-20250929}}',
    '{/v1/messages: messages}',
    `{basicAuth: {htpasswd: "${HTPASSWD}"}, backendAuth: {key: sk-ant-console-test}}`,
  ),
  aiRoute(
    'guarded',
    '{openAI: {model: gpt-4o}}',
    '{/v1/chat/completions: completions}',
    '{backendAuth: {key: sk-console-openai-test}, ai: {promptGuard: {request: [{regex: {action: mask, rules: [{builtin: email}]}}]}}}',
  ),
  refusalRoutes(CLOSED),
].join('');

const CONFIG = `config:
${ONE_PRICED_MODEL}binds:
  - port: ${DATA}
    listeners:
      - routes:
${ROUTES}          - name: failover
            matches: [{path: {pathPrefix: /failover}}]
            backends:
              - ai:
                  groups:
                    - providers:
                        - name: primary-openai
                          provider: {openAI: {model: gpt-4o}}
                          policies: {backendAuth: {key: sk-console-openai-test}}
                    - providers:
                        - name: fallback-anthropic
                          provider: {anthropic: {model: claude-sonnet-4-5-20250929}}
                          policies: {backendAuth: {key: sk-ant-console-test}}
`;

const mocks = useProviderMocks();
const base = `http://127.0.0.1:${DATA}`;
const admin = `http://127.0.0.1:${ADMIN}`;
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hello from the console test' }];

async function driveTraffic(): Promise<void> {
  const openai = new OpenAI({ baseURL: `${base}/openai/v1`, apiKey: 'client', maxRetries: 0 });
  await openai.chat.completions.create({ model: 'x', messages });
  const stream = await openai.chat.completions.create({ model: 'x', messages, stream: true, stream_options: { include_usage: true } });
  for await (const _ of stream) void _;
  const anthropic = new Anthropic({
    baseURL: `${base}/anthropic`,
    apiKey: 'client',
    maxRetries: 0,
    defaultHeaders: { authorization: `Basic ${Buffer.from('alice:wonderland').toString('base64')}` },
  });
  for (let i = 0; i < 2; i++) await anthropic.messages.create({ model: 'x', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  const guarded = new OpenAI({ baseURL: `${base}/guarded/v1`, apiKey: 'client', maxRetries: 0 });
  await guarded.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'mail me at alice@example.com' }] });
  const limited = new OpenAI({ baseURL: `${base}/limited/v1`, apiKey: 'client', maxRetries: 0 });
  await limited.chat.completions.create({ model: 'x', messages });
  await expect(limited.chat.completions.create({ model: 'x', messages })).rejects.toMatchObject({ status: 429 });
  const down = await fetch(`${base}/down/`);
  expect(down.status).toBe(503);
  await down.arrayBuffer();
}
const TOTAL = 8; // 2 OpenAI, 2 Anthropic, 1 guarded, 2 limited (one refused), 1 unreachable

async function requests(query = ''): Promise<RecentRequest[]> {
  const r = await fetch(`${admin}/api/requests?${query}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { requests: RecentRequest[] }).requests;
}

async function reloads(): Promise<ReloadResult[]> {
  return ((await (await fetch(`${admin}/api/reloads`)).json()) as { reloads: ReloadResult[] }).reloads;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await get();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('admin UI console: requests, reloads, provider groups (headless Chromium)', () => {
  let gw: GatewayProcess;
  let ui: UiBrowser;
  let page: Page;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agw-console-'));
    file = join(dir, 'gateway.yaml');
    writeFileSync(file, CONFIG);
    gw = await GatewayProcess.start({
      args: ['-f', file, ...mocks.args()],
      env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, STATS_ADDR: 'off', READINESS_ADDR: 'off' },
    });
    await driveTraffic();
    ui = await openUiBrowser('admin-ui-console', { width: 1500, height: 1000 });
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await gw?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('filters the recent requests on the server', async () => {
    const all = await requests();
    expect(all).toHaveLength(TOTAL);
    expect((await requests('status=5xx')).map((r) => [r.path, r.status])).toEqual([['/down/', 503]]);
    expect((await requests('status=429')).map((r) => r.route)).toEqual([expect.stringMatching(/\/limited$/)]);
    expect((await requests('status=error')).length).toBe(2);
    const anthropic = await requests('route=anthropic');
    expect(anthropic).toHaveLength(2);
    expect(anthropic.every((r) => r.client === 'basic:alice')).toBe(true);
    expect((await requests('client=alice')).map((r) => r.seq)).toEqual(anthropic.map((r) => r.seq));
    expect((await requests('model=gpt-4o-2024-08-06')).length).toBe(3); // 2 OpenAI + the guarded one
    const slowest = Math.max(...all.map((r) => r.latencyMs));
    const slow = await requests(`minLatencyMs=${slowest}`);
    expect(slow.length).toBeGreaterThan(0);
    expect(slow.length).toBeLessThan(TOTAL);
    expect(slow.every((r) => r.latencyMs >= slowest)).toBe(true);
    const first = all[0]!;
    expect((await requests(`from=${first.at}&to=${first.at + 1}`)).map((r) => r.seq)).toContain(first.seq);
    expect((await requests(`route=openai&status=5xx`)).length).toBe(0);
    expect((await fetch(`${admin}/api/requests?status=teapot`)).status).toBe(400);
    // no message content and no credential in what is kept
    const text = JSON.stringify(all);
    for (const secret of ['alice@example.com', 'hello from the console test', 'wonderland', 'sk-console', 'sk-ant'])
      expect(text).not.toContain(secret);
  });

  it('records phases, usage, cost, guard actions and the error reason per request', async () => {
    const all = await requests();
    const openai = all.find((r) => r.route?.endsWith('/openai') && r.ttftMs === null)!;
    expect(openai.phases.gatewayMs).not.toBeNull();
    expect(openai.phases.connectMs).not.toBeNull();
    expect(openai.phases.firstByteMs).not.toBeNull();
    expect(openai.phases.streamMs).not.toBeNull();
    expect(openai.phases.firstByteMs!).toBeGreaterThanOrEqual(openai.phases.connectMs!);
    expect(openai.priced).toBe(true);
    expect(openai.costUsd).toBeGreaterThan(0);
    const streamed = all.find((r) => r.route?.endsWith('/openai') && r.ttftMs !== null)!;
    expect(streamed.phases.firstTokenMs).toBe(streamed.ttftMs);
    expect(all.find((r) => r.route?.endsWith('/anthropic'))).toMatchObject({ priced: false, costUsd: null });
    expect(all.find((r) => r.route?.endsWith('/guarded'))!.guard).toEqual(['request: mask (regex)']);
    const down = all.find((r) => r.status === 503)!;
    expect(down.reason).not.toBe('Upstream');
    expect(down.errorCode).toBe('upstream_unreachable');
    expect(down.error).toBeTruthy();
    const limited = all.find((r) => r.status === 429)!;
    expect(limited.reason).not.toBe('Upstream');
    expect(limited.errorCode).toBe('rate_limited');
    expect(limited.phases.firstByteMs).toBeNull(); // never went upstream
    const one = (await (await fetch(`${admin}/api/requests/${down.seq}`)).json()) as RecentRequest;
    expect(one).toEqual(down);
    expect((await fetch(`${admin}/api/requests/999999`)).status).toBe(404);
  });

  it('narrows the list with the filters in the UI and opens a request in detail', async () => {
    await page.goto(`${admin}/ui/#/requests`);
    await page.waitForFunction((n) => document.querySelectorAll('tr.request-row').length === n, TOTAL);
    await ui.shot('1-requests');
    await page.selectOption('#filter-status', '5xx');
    await page.click('#apply-filters');
    await page.waitForFunction(() => document.querySelectorAll('tr.request-row').length === 1);
    expect(await page.locator('tr.request-row').getAttribute('data-status')).toBe('503');
    expect(page.url()).toContain('status=5xx');
    await page.locator('tr.request-row').click();
    const detail = page.locator('#request-detail');
    await detail.locator('#detail-reason').waitFor();
    const down = (await requests('status=5xx'))[0]!;
    expect(await detail.locator('#detail-reason').textContent()).toBe(down.reason);
    expect(await detail.locator('#detail-error').textContent()).toContain(down.errorCode!);
    await ui.shot('2-request-detail-error');

    await page.click('#clear-filters');
    await page.fill('#filter-client', 'alice');
    await page.click('#apply-filters');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('tr.request-row')];
      return rows.length === 2 && rows.every((r) => r.getAttribute('data-client') === 'basic:alice');
    });
    await page.locator('tr.request-row').first().click();
    await page.waitForFunction(() => document.querySelector('#detail-cost')?.textContent === 'unpriced');

    await page.goto(`${admin}/ui/#/requests?route=openai`);
    await page.waitForFunction(() => document.querySelectorAll('tr.request-row').length === 2);
    const plain = page.locator('tr.request-row').last(); // oldest first: the non-streamed one
    await plain.click();
    await page.waitForFunction(() => /^\$\d/.test(document.querySelector('#detail-cost')?.textContent ?? ''));
    for (const phase of ['gatewayMs', 'connectMs', 'firstByteMs', 'streamMs']) {
      expect(await page.locator(`#detail-phases tr[data-phase="${phase}"] td.mono`).textContent()).toMatch(/ms$/);
      expect(await page.locator(`#detail-phases tr[data-phase="${phase}"] .phase-bar`).count()).toBe(1);
    }
    await ui.shot('3-request-detail-phases');

    await page.goto(`${admin}/ui/#/requests?route=guarded`);
    await page.waitForFunction(() => document.querySelectorAll('tr.request-row').length === 1);
    await page.locator('tr.request-row').click();
    await page.waitForFunction(() => document.querySelector('#detail-guard')?.textContent === 'request: mask (regex)');
  });

  it("links a chart's spike to the requests behind it", async () => {
    await page.goto(`${admin}/ui/#/traffic`);
    const spike = page.locator('.chart[data-chart="requests"] a[data-spike="5xx"]');
    await spike.waitFor();
    await ui.shot('4-traffic-spike-links');
    await spike.click();
    await page.waitForFunction(() => document.querySelectorAll('tr.request-row').length === 1);
    const url = new URL(page.url());
    const q = new URLSearchParams(url.hash.slice(url.hash.indexOf('?') + 1));
    expect(q.get('status')).toBe('5xx');
    const down = (await requests('status=5xx'))[0]!;
    expect(Number(q.get('from'))).toBeLessThanOrEqual(down.at);
    expect(Number(q.get('to'))).toBeGreaterThan(down.at);
    expect(await page.locator('tr.request-row').getAttribute('data-seq')).toBe(String(down.seq));
    expect(await page.locator('#time-window').count()).toBe(1);
    await ui.shot('5-requests-from-spike');

    // The per-route chart: its anthropic line's spike lands on anthropic requests only.
    await page.goto(`${admin}/ui/#/traffic`);
    const routeSpike = page.locator('.chart[data-chart="routes"] a[data-spike$="/anthropic"]');
    await routeSpike.click();
    await page.waitForFunction(() => document.querySelectorAll('tr.request-row').length > 0);
    const routes = await page.locator('tr.request-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-route')));
    expect(routes.every((r) => r?.endsWith('/anthropic'))).toBe(true);
  });

  it('shows a good and a refused reload in the history, the refused line marked in the editor', async () => {
    expect((await reloads()).map((r) => [r.trigger, r.ok])).toEqual([['startup', true]]);
    // good: a route added, the rate limit changed
    const good = CONFIG.replace('maxTokens: 1, tokensPerFill: 1', 'maxTokens: 5, tokensPerFill: 1').replace(
      '          - name: down\n',
      `          - name: added\n            matches: [{path: {pathPrefix: /added}}]\n            backends: [{host: "127.0.0.1:${CLOSED}"}]\n          - name: down\n`,
    );
    writeFileSync(file, good);
    const afterGood = await until('the good reload', reloads, (h) => h.length === 2);
    expect(afterGood[0]).toMatchObject({ ok: true, trigger: 'file' });
    expect(afterGood[0]!.diff!.routes.added).toEqual([`:${DATA}/listener0/added`]);
    expect(afterGood[0]!.diff!.policies.changed).toEqual([`:${DATA}/listener0/limited.localRateLimit`]);
    expect(afterGood[0]!.diff!.backends.added).toEqual([`:${DATA}/listener0/added/127.0.0.1:${CLOSED}`]);

    await page.goto(`${admin}/ui/#/reloads`);
    await page.locator('#reload-history li[data-diff="routes-added"]').waitFor();
    expect(await page.locator('#reload-history li[data-diff="routes-added"]').textContent()).toContain('/added');
    expect(await page.locator('#reload-history li[data-diff="policies-changed"]').textContent()).toContain('limited.localRateLimit');

    // refused: a misspelt key on a known line
    const bad = good.replace('localRateLimit:', 'localRateLimitt:');
    const badLine = bad.split('\n').findIndex((l) => l.includes('localRateLimitt:')) + 1;
    writeFileSync(file, bad);
    const afterBad = await until('the refused reload', reloads, (h) => h.length === 3);
    expect(afterBad[0]).toMatchObject({ ok: false, trigger: 'file', file });
    expect(afterBad[0]!.problems!.map((p) => p.line)).toContain(badLine);
    expect(afterBad[0]!.problems!.find((p) => p.line === badLine)!.path).toContain('policies');
    await page.locator('#reload-history tr.reload-row[data-ok="false"]').waitFor();
    expect(await page.locator(`#reload-history [data-problem-line="${badLine}"]`).textContent()).toContain(`${file}:${badLine}:`);
    expect(await page.locator('#reload-history tr.reload-row').count()).toBe(3);
    await ui.shot('6-reload-history');

    await page.click('#open-in-editor');
    const mark = page.locator(`.gutter [data-error-line="${badLine}"]`);
    await mark.waitFor();
    expect(await mark.getAttribute('title')).toContain('localRateLimitt');
    expect(await page.locator('.gutter .error-line').count()).toBe(1);
    expect(await page.locator('#reload-refused').count()).toBe(1);
    await ui.shot('7-editor-error-line');
    // The old config kept serving.
    expect(readFileSync(file, 'utf8')).toBe(bad);
    expect((await requests('route=added')).length).toBe(0);
  });

  it('renders a failover group as a group, its Anthropic fallback as Anthropic', async () => {
    await page.goto(`${admin}/ui/#/providers`);
    const group = page.locator('tr.provider-group');
    await group.waitFor();
    expect(await group.count()).toBe(1);
    expect(await group.textContent()).toContain('failover group of 2 providers in 2 priority tiers');
    expect(await group.textContent()).toContain('failover');
    const name = (await group.getAttribute('data-group'))!;
    const members = page.locator(`tr.group-member[data-group-member="${name}"]`);
    expect(await members.count()).toBe(2);
    const fallback = page.locator('tr.group-member[data-provider="fallback-anthropic"]');
    expect(await fallback.getAttribute('data-tier')).toBe('1');
    expect(await fallback.locator('[data-provider-kind]').textContent()).toBe('anthropic');
    expect(await fallback.textContent()).toContain('fallback 1');
    const primary = page.locator('tr.group-member[data-provider="primary-openai"]');
    expect(await primary.locator('[data-provider-kind]').textContent()).toBe('openai');
    // no row claims the group is an OpenAI provider
    expect(await page.locator(`tr[data-provider="${name}"]`).count()).toBe(0);
    await ui.shot('8-providers-failover-group');
    expect(ui.pageErrors).toEqual([]);
  });
});
