import { describe, expect, it } from 'vitest';
import { KEY_CAP, OTHER, quantile, TrafficSeries, BOUNDS_MS } from '../../../src/observability/series.js';
import type { RequestSummary } from '../../../src/observability/summary.js';

interface Opts {
  route?: string;
  status?: number;
  ms?: number;
  ttftMs?: number;
  model?: string;
  tokens?: [number, number];
  cost?: number;
  code?: string;
  error?: { source: string };
  key?: string;
  sub?: string;
}

function summary(o: Opts = {}): RequestSummary {
  const llm = o.model !== undefined;
  return {
    ctx: {
      route: { key: `3000/l/${o.route ?? 'r'}`, name: o.route ?? 'r' },
      upstream: { backend: { name: 'b', kind: llm ? 'ai' : 'host' }, attempt: 0, affinity: null },
      error: o.error,
      apiKey: o.key === undefined ? null : { virtualKey: { key: { name: o.key } } },
      jwt: o.sub === undefined ? null : { claims: { sub: o.sub } },
      basicAuth: null,
    },
    durationS: (o.ms ?? 10) / 1000,
    status: o.status ?? 200,
    reason: o.error !== undefined ? 'UpstreamFailure' : 'Upstream',
    code: o.code,
    llm,
    responseModel: o.model,
    requestModel: o.model,
    usage: o.tokens === undefined ? undefined : { inputTokens: o.tokens[0], outputTokens: o.tokens[1] },
    ttftS: o.ttftMs === undefined ? undefined : o.ttftMs / 1000,
    cost: o.cost,
  } as unknown as RequestSummary;
}

describe('TrafficSeries', () => {
  it('counts requests by status class, tokens, priced and unpriced cost, rate limits and upstream errors', () => {
    let now = 1_000_000_000_000;
    const s = new TrafficSeries(() => now);
    s.record(summary({ model: 'gpt-4o', tokens: [10, 5], cost: 0.25 }));
    s.record(summary({ model: 'mystery', tokens: [7, 3] }));
    s.record(summary({ status: 429, code: 'rate_limited' }));
    now += 1000;
    s.record(summary({ status: 502, error: { source: 'upstream' } }));
    s.record(summary({ status: 503 }));
    const total = s.query('5m', 'total').series[0]!;
    expect(total.totals).toMatchObject({
      requests: 5,
      s2xx: 2,
      s4xx: 1,
      s5xx: 2,
      tokensIn: 17,
      tokensOut: 8,
      costUsd: 0.25,
      priced: 1,
      unpriced: 1,
      rateLimited: 1,
      upstreamErrors: 2,
    });
    // The last two steps hold the two seconds; earlier steps are zero.
    expect(total.fields.requests.slice(-2)).toEqual([3, 2]);
    expect(total.fields.requests.slice(0, -2).every((v) => v === 0)).toBe(true);
    const models = s.query('5m', 'model').series.map((m) => [m.key, m.totals.costUsd, m.totals.unpriced]);
    expect(models).toEqual([
      ['gpt-4o', 0.25, 0],
      ['mystery', 0, 1],
    ]);
    // The coarser windows hold the same totals.
    expect(s.query('1h', 'total').series[0]!.totals.requests).toBe(5);
    expect(s.query('24h', 'total').series[0]!.totals.requests).toBe(5);
  });

  it('forgets a step once the ring laps it, and old steps leave the window', () => {
    let now = 2_000_000_000_000;
    const s = new TrafficSeries(() => now);
    s.record(summary());
    now += 300_000; // same slot of the per-second ring, one lap later
    s.record(summary());
    expect(s.query('5m', 'total').series[0]!.totals.requests).toBe(1);
    expect(s.query('1h', 'total').series[0]!.totals.requests).toBe(2);
  });

  it('names clients by virtual key, then JWT subject, and bounds the keys per dimension', () => {
    const s = new TrafficSeries(() => 3_000_000_000_000);
    s.record(summary({ key: 'team-a' }));
    s.record(summary({ sub: 'alice' }));
    s.record(summary());
    expect(
      s
        .query('5m', 'client')
        .series.map((c) => c.key)
        .sort(),
    ).toEqual(['(anonymous)', 'jwt:alice', 'key:team-a']);
    for (let i = 0; i < KEY_CAP + 10; i++) s.record(summary({ route: `r${i}` }));
    const routes = s.query('5m', 'route').series;
    expect(routes.length).toBe(KEY_CAP + 1);
    expect(routes.find((r) => r.key === OTHER)!.totals.requests).toBe(11);
  });

  it('gives p50/p95/p99 as bucket upper bounds, null for empty steps', () => {
    const s = new TrafficSeries(() => 4_000_000_000_000);
    for (let i = 0; i < 90; i++) s.record(summary({ ms: 3 }));
    for (let i = 0; i < 10; i++) s.record(summary({ ms: 700, ttftMs: 40 }));
    const t = s.query('5m', 'total').series[0]!;
    expect([t.latencyMs.p50.at(-1), t.latencyMs.p95.at(-1), t.latencyMs.p99.at(-1)]).toEqual([5, 1000, 1000]);
    expect(t.ttftMs.p50.at(-1)).toBe(50);
    expect(t.latencyMs.p50[0]).toBeNull();
    const overflow = new Uint32Array(BOUNDS_MS.length + 1);
    overflow[BOUNDS_MS.length] = 1;
    expect(quantile(overflow, 0.5)).toBe(BOUNDS_MS.at(-1)! * 2);
  });
});

describe('TrafficSeries across threads', () => {
  it('query() sums other threads raw() step by step, aligning clocks a step apart', () => {
    let now = 1_000_000_000_000;
    const main = new TrafficSeries(() => now);
    const worker = new TrafficSeries(() => now - 1000); // its clock one step behind
    worker.record(summary({ model: 'gpt-4o', tokens: [10, 5], cost: 0.25, ms: 3 }));
    worker.record(summary({ route: 'other', status: 503, ms: 40 }));
    main.record(summary({ model: 'gpt-4o', tokens: [1, 1], ms: 3 }));
    const total = main.query('5m', 'total', [worker.raw('5m', 'total')]).series[0]!;
    expect(total.totals).toMatchObject({ requests: 3, s2xx: 2, s5xx: 1, tokensIn: 11, tokensOut: 6, costUsd: 0.25 });
    // the worker's requests sit one step earlier than the main thread's
    expect(total.fields.requests.slice(-2)).toEqual([2, 1]);
    // latency buckets are summed, not quantiles: the older step's p99 is the 50 ms bucket
    expect(total.latencyMs.p99.slice(-2)).toEqual([50, 5]);
    const routes = main.query('5m', 'route', [worker.raw('5m', 'route')]).series.map((r) => [r.key, r.totals.requests]);
    expect(routes).toEqual([
      ['3000/l/r', 2],
      ['3000/l/other', 1],
    ]);
    // steps older than the window are dropped, not wrapped
    now += 299_000;
    expect(main.query('5m', 'total', [worker.raw('5m', 'total')]).series[0]!.totals.requests).toBe(1);
  });
});
