// The console's series (GET /api/series) under `--workers 2`: the requests are served by the
// worker threads (the main thread serves none), each keeps its own series, and the admin API
// sums them step by step, as /metrics sums the workers' counters. Driven with the OpenAI SDK,
// one connection per request so the acceptor hands them to both workers.
import OpenAI from 'openai';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { hasAcceptor, startTwoWorkers } from '../helpers/workers.js';
import { freePorts } from '../helpers/ports.js';
import { writeConfig } from '../helpers/traffic.js';

const [PORT, ADMIN, STATS] = await freePorts(3);
const ADMIN_URL = `http://127.0.0.1:${ADMIN}`;
const N = 12;

let gw: GatewayProcess;

beforeAll(async () => {
  const file = writeConfig(`binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: chat
      matches: [{path: {pathPrefix: /chat}}]
      backends:
      - ai:
          name: mock
          provider:
            mock: {model: gpt-4o, response: 'hello from a worker'}
`);
  gw = await startTwoWorkers(file, ADMIN!, STATS!);
});

afterAll(async () => {
  if (gw !== undefined && gw.exitCode === null) await gw.stop('SIGKILL');
});

interface Totals {
  requests: number;
  s2xx: number;
  tokensIn: number;
  tokensOut: number;
}

async function series(by: string): Promise<{ key: string; totals: Totals; fields: { requests: number[] } }[]> {
  const r = await fetch(`${ADMIN_URL}/api/series?window=5m&by=${by}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { series: { key: string; totals: Totals; fields: { requests: number[] } }[] }).series;
}

async function connections(): Promise<number[]> {
  const r = await fetch(`${ADMIN_URL}/api/workers`);
  return ((await r.json()) as { workers: { connections: number }[] }).workers.map((w) => w.connections);
}

async function requestsTotal(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${STATS}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('agentgateway_requests_total{') && l.includes('route="chat"'))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

// Workers need the acceptor (test/helpers/workers.ts); without it workers.test.ts checks the fallback.
describe.runIf(hasAcceptor)('/api/series under --workers 2', () => {
  it('sums both workers: totals match /metrics, by route and by model too', async () => {
    expect(gw.output).toContain('2 worker threads serving');
    const before = await connections();
    let inputTokens = 0;
    await Promise.all(
      Array.from({ length: N }, async () => {
        const dispatcher = new Agent();
        const openai = new OpenAI({
          baseURL: `http://127.0.0.1:${PORT}/chat/v1`,
          apiKey: 'k',
          maxRetries: 0,
          fetchOptions: { dispatcher } as never,
        });
        const r = await openai.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
        inputTokens += r.usage?.prompt_tokens ?? 0;
        await dispatcher.close();
      }),
    );
    const after = await connections();
    // Both workers served some of the requests: neither thread's series alone holds them all.
    for (const [i, c] of after.entries()) expect(c - before[i]!).toBeGreaterThan(0);

    const [total] = await series('total');
    expect(total!.totals).toMatchObject({ requests: N, s2xx: N, tokensIn: inputTokens });
    expect(inputTokens).toBeGreaterThan(0);
    expect(total!.fields.requests.reduce((a, b) => a + b, 0)).toBe(N);
    expect(await requestsTotal()).toBe(N);
    const routes = await series('route');
    expect(routes.map((r) => [r.key.endsWith('chat'), r.totals.requests])).toEqual([[true, N]]);
    const models = await series('model');
    expect(models.reduce((sum, m) => sum + m.totals.requests, 0)).toBe(N);
  });
});
