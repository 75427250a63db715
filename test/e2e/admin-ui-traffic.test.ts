// The Traffic page in headless Chromium against the real gateway: traffic of several kinds
// (priced and unpriced LLM calls through the official SDKs, streamed and not, a rate-limited
// request, an unreachable upstream) is driven through the data plane, then the charts must
// show non-empty series whose totals equal the Prometheus counters scraped from /metrics, and
// the spend table must say which model is unpriced rather than show $0. Screenshots go to
// test-results/admin-ui-traffic/ as artifacts.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { Page } from 'playwright-core';
import { openUiBrowser, type UiBrowser } from '../helpers/admin-ui.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { scrape, total, type Sample } from '../helpers/prometheus.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { aiRoute, ONE_PRICED_MODEL, refusalRoutes } from '../helpers/traffic.js';

const DATA = await freePort();
const ADMIN = await freePort();
const STATS = await freePort();
const CLOSED = await freePort();

// Only gpt-4o is priced (exact arithmetic); the Anthropic model is unpriced on purpose.
const ROUTES = [
  aiRoute('openai', '{openAI: {model: gpt-4o}}', '{/v1/chat/completions: completions}', '{backendAuth: {key: sk-traffic-openai-test}}'),
  aiRoute(
    'anthropic',
    '{anthropic: {model: claude-sonnet-4-5-20250929}}',
    '{/v1/messages: messages}',
    '{backendAuth: {key: sk-ant-traffic-test}}',
  ),
  refusalRoutes(CLOSED),
].join('');

const CONFIG = `
config:
${ONE_PRICED_MODEL}binds:
  - port: ${DATA}
    listeners:
      - routes:
${ROUTES}`;

const mocks = useProviderMocks();
const base = `http://127.0.0.1:${DATA}`;
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'hello from the traffic test' }];

async function driveTraffic(): Promise<void> {
  const openai = new OpenAI({ baseURL: `${base}/openai/v1`, apiKey: 'client', maxRetries: 0 });
  await openai.chat.completions.create({ model: 'x', messages });
  await openai.chat.completions.create({ model: 'x', messages });
  const stream = await openai.chat.completions.create({ model: 'x', messages, stream: true, stream_options: { include_usage: true } });
  for await (const _ of stream) void _;
  const anthropic = new Anthropic({ baseURL: `${base}/anthropic`, apiKey: 'client', maxRetries: 0 });
  for (let i = 0; i < 2; i++) await anthropic.messages.create({ model: 'x', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
  const limited = new OpenAI({ baseURL: `${base}/limited/v1`, apiKey: 'client', maxRetries: 0 });
  await limited.chat.completions.create({ model: 'x', messages });
  await expect(limited.chat.completions.create({ model: 'x', messages })).rejects.toMatchObject({ status: 429 });
  const down = await fetch(`${base}/down/`);
  expect(down.status).toBe(503);
  await down.arrayBuffer();
}

/** What a chart plots, from its data attributes (see traffic.tsx). */
async function chart(page: Page, id: string): Promise<{ total: number; points: number }> {
  const el = page.locator(`.chart[data-chart="${id}"]`);
  return { total: Number(await el.getAttribute('data-total')), points: Number(await el.getAttribute('data-points')) };
}

describe('admin UI Traffic page in headless Chromium', () => {
  let gw: GatewayProcess;
  let ui: UiBrowser;
  let page: Page;
  let m: Sample[];

  beforeAll(async () => {
    gw = await GatewayProcess.start({
      args: ['-c', CONFIG, ...mocks.args()],
      env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, STATS_ADDR: `127.0.0.1:${STATS}`, READINESS_ADDR: 'off' },
    });
    await driveTraffic();
    m = await scrape(`http://127.0.0.1:${STATS}/metrics`);
    ui = await openUiBrowser('admin-ui-traffic', { width: 1400, height: 1000 });
    page = ui.page;
  });
  afterAll(async () => {
    await ui?.close();
    await gw?.stop();
  });

  it('serves the series as JSON with the totals of the Prometheus counters', async () => {
    const r = await fetch(`http://127.0.0.1:${ADMIN}/api/series?window=5m&by=total`);
    const body = (await r.json()) as { stepSeconds: number; time: number[]; series: { totals: Record<string, number> }[] };
    expect(body.stepSeconds).toBe(1);
    expect(body.time).toHaveLength(300);
    const t = body.series[0]!.totals;
    expect(t.requests).toBe(total(m, 'agentgateway_requests_total'));
    expect(t.requests).toBe(8); // 3 OpenAI, 2 Anthropic, 2 limited (one refused), 1 unreachable
    expect(t.tokensIn).toBe(total(m, 'agentgateway_gen_ai_usage_tokens_total', { gen_ai_token_type: 'input' }));
    expect(t.tokensOut).toBe(total(m, 'agentgateway_gen_ai_usage_tokens_total', { gen_ai_token_type: 'output' }));
    expect(t.costUsd).toBeCloseTo(total(m, 'agentgateway_gen_ai_client_cost_usd_total'), 12);
    expect(t.rateLimited).toBe(total(m, 'agentgateway_rate_limit_rejections_total'));
    expect(t.rateLimited).toBe(1);
    expect(t.upstreamErrors).toBe(1);
    expect(t.s5xx).toBe(total(m, 'agentgateway_requests_total', { status: '503' }));
    const bad = await fetch(`http://127.0.0.1:${ADMIN}/api/series?window=2m`);
    expect(bad.status).toBe(400);
  });

  it('draws non-empty charts whose totals match /metrics', async () => {
    await page.goto(`http://127.0.0.1:${ADMIN}/ui/#/traffic`);
    await page.locator('.chart[data-chart="requests"] canvas').waitFor();
    const requests = total(m, 'agentgateway_requests_total');
    // 5 min window: one step per second, so the sum of the per-second rates is the count.
    await page.waitForFunction(
      (n) => document.querySelector('.chart[data-chart="requests"]')?.getAttribute('data-total') === String(n),
      requests,
    );
    expect((await chart(page, 'requests')).points).toBeGreaterThan(0);
    expect((await chart(page, 'routes')).total).toBe(requests);
    const tokens =
      total(m, 'agentgateway_gen_ai_usage_tokens_total', { gen_ai_token_type: 'input' }) +
      total(m, 'agentgateway_gen_ai_usage_tokens_total', { gen_ai_token_type: 'output' });
    expect(tokens).toBeGreaterThan(0);
    expect((await chart(page, 'tokens')).total).toBe(tokens);
    // Cost per minute from one-second steps: 60 times the USD counted.
    const cost = total(m, 'agentgateway_gen_ai_client_cost_usd_total');
    expect(cost).toBeGreaterThan(0);
    expect((await chart(page, 'cost')).total / 60).toBeCloseTo(cost, 9);
    expect((await chart(page, 'errors')).total).toBe(2);
    for (const id of ['latency', 'ttft']) expect((await chart(page, id)).points).toBeGreaterThan(0);
    // uPlot drew the lines: its legend names each status class.
    const legend = await page.locator('.chart[data-chart="requests"] .u-legend .u-series .u-label').allTextContents();
    expect(legend).toEqual(expect.arrayContaining(['2xx', '3xx', '4xx', '5xx']));
    await ui.shot('1-traffic-5m');
    await page.click('#window-1h');
    await page.waitForFunction(
      (n) => document.querySelector('.chart[data-chart="requests"]')?.getAttribute('data-total') === String(n / 10),
      requests,
    );
    await ui.shot('2-traffic-1h');
    expect(ui.pageErrors).toEqual([]);
  });

  it('shows spend by model, unpriced models as unpriced', async () => {
    await page.click('#window-5m');
    const models = page.locator('table.spend[data-spend="model"]');
    await models.locator('tr[data-key="gpt-4o-2024-08-06"]').waitFor();
    const priced = await models.locator('tr[data-key="gpt-4o-2024-08-06"] .cost').textContent();
    expect(priced).toMatch(/^\$\d/);
    const unpriced = models.locator('tr:has-text("claude") .cost');
    expect(await unpriced.textContent()).toBe('unpriced (2 requests)');
    expect(await page.locator('table.spend[data-spend="route"] tr').count()).toBeGreaterThan(4);
    await page.locator('table.spend[data-spend="client"] tr[data-key="(anonymous)"]').waitFor();
    await ui.shot('3-spend');
  });
});
