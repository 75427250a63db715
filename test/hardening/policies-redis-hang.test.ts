// A Redis that hangs (SIGSTOP: connections stay open, nothing answers) under redisRateLimit:
// failOpen admits requests without their limits and says so — one warning when Redis stops
// answering, one line when it answers again, a metric and an access-log field per request —
// and failClosed's 500s are counted as errors, not as rate-limit rejections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { scrape, total } from '../helpers/prometheus.js';
import { RedisServer } from '../helpers/redis-server.js';
import { waitUntil } from '../helpers/wait.js';
import { chat, plainMock, post, providerRoute, sleep, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const STATS = await freePort();
const REDIS_PORT = await freePort();
const DOWN = `redis rate limit: redis at 127.0.0.1:${REDIS_PORT} is not answering`;
const BACK = `redis rate limit: redis at 127.0.0.1:${REDIS_PORT} answers again`;

let redis: RedisServer;
let up: MockUpstream;
let gw: GatewayProcess;

function route(name: string, failureMode: string): string {
  const policies = `redisRateLimit:\n  url: redis://127.0.0.1:${REDIS_PORT}\n  failureMode: ${failureMode}\n  timeout: 150ms\n  limits:\n  - {maxTokens: 1000, tokensPerFill: 1000, fillInterval: 1h}`;
  return providerRoute(name, up.port, { policies, model: 'gpt-4o' });
}

beforeAll(async () => {
  [redis, up] = await Promise.all([RedisServer.start(REDIS_PORT), plainMock()]);
  gw = await startGateway(
    `binds:\n- port: ${PORT}\n  listeners:\n  - routes:${route('open', 'failOpen')}${route('closed', 'failClosed')}\n`,
    {
      STATS_ADDR: `127.0.0.1:${STATS}`,
    },
  );
});

afterAll(async () => {
  await gw?.stop();
  await Promise.all([up?.close(), redis?.stop()]);
});

const url = (route: string) => `http://127.0.0.1:${PORT}/${route}/v1/chat/completions`;
const count = (text: string) => gw.output.split(text).length - 1;
const metrics = () => scrape(`http://127.0.0.1:${STATS}/metrics`);

describe('redisRateLimit with a hung Redis', () => {
  it('answers normally while Redis does, with nothing to report', async () => {
    expect((await post(url('open'), chat())).status).toBe(200);
    expect((await post(url('closed'), chat())).status).toBe(200);
    expect(count(DOWN)).toBe(0);
    expect(gw.output).not.toContain('rate_limit.bypassed');
  });

  it('failOpen admits without the limits: one warning, a metric, a field on every access-log line', async () => {
    redis.pause();
    for (let i = 0; i < 4; i++) expect((await post(url('open'), chat())).status).toBe(200);
    await gw.waitFor(DOWN);
    // the access log is written in batches: wait for the four lines
    const bypassed = () =>
      gw.output.split('\n').filter((l) => l.includes('route=open') && l.includes('rate_limit.bypassed=redis_unavailable'));
    await waitUntil(() => bypassed().length === 4, 5000, 'four access-log lines saying the limits were bypassed');
    const m = await metrics();
    expect(total(m, 'agentgateway_rate_limit_errors_total', { failure_mode: 'failOpen', route: 'open' })).toBe(4);
  });

  it('failClosed answers 500, counted as an error and not as a rate-limit rejection', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await post(url('closed'), chat());
      expect(r.status).toBe(500);
      expect(JSON.parse(r.text).error.message).toMatch(/rate limit service unavailable/);
    }
    const m = await metrics();
    expect(total(m, 'agentgateway_rate_limit_errors_total', { failure_mode: 'failClosed', route: 'closed' })).toBe(3);
    expect(total(m, 'agentgateway_rate_limit_rejections_total')).toBe(0);
    expect(total(m, 'agentgateway_requests_total', { route: 'closed', reason: 'RateLimit' })).toBe(0);
    expect(total(m, 'agentgateway_requests_total', { route: 'closed', status: '500', reason: 'Internal' })).toBe(3);
    expect(count(DOWN)).toBe(1); // still the one warning
  });

  it('says once that Redis answers again, and the limits apply again', async () => {
    redis.resume();
    const deadline = Date.now() + 15_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await post(url('closed'), chat())).status) !== 200) await sleep(100);
    expect(status).toBe(200);
    await gw.waitFor(BACK);
    for (let i = 0; i < 3; i++) expect((await post(url('open'), chat())).status).toBe(200);
    expect(count(DOWN)).toBe(1);
    expect(count(BACK)).toBe(1);
    const m = await metrics();
    expect(total(m, 'agentgateway_rate_limit_errors_total', { failure_mode: 'failOpen' })).toBe(4);
  });
});
