import { describe, expect, it } from 'vitest';
import { CostCatalog } from '../../../src/observability/cost.js';
import { RecentRequests } from '../../../src/observability/recent-requests.js';
import { summarize, type ObservedRequest, type ObservedTimings } from '../../../src/observability/summary.js';

const MS = 1_000_000n;

interface More {
  down?: unknown;
  apiKey?: unknown;
  error?: unknown;
  timings?: Partial<ObservedTimings>;
  guardActions?: string[];
  attempt?: number;
}

function ctx(path: string, status: number, more: More = {}): ObservedRequest {
  const { timings, guardActions, attempt, ...rest } = more;
  return {
    path,
    down: { method: 'POST', path, aborted: false },
    route: { key: '3000/l/r', name: 'r' },
    status,
    timings: {
      startNs: process.hrtime.bigint(),
      firstTokenNs: undefined,
      upstreamStartNs: undefined,
      upstreamConnectedNs: undefined,
      upstreamHeadersNs: undefined,
      ...timings,
    },
    upstream: { backend: { kind: 'ai', name: 'b', provider: { name: 'openai' } }, attempt: attempt ?? 0, affinity: null },
    llm: {
      requestModel: 'asked',
      upstreamModel: 'sent',
      responseModel: undefined,
      tokens: { inputTokens: 3, outputTokens: 5, cacheReadTokens: 2 },
      body: null,
      guardActions: guardActions ?? null,
      charge: undefined,
    },
    limits: { rateLimitFailure: undefined },
    error: undefined,
    jwt: null,
    basicAuth: null,
    apiKey: null,
    routeType: null,
    ...rest,
  } as unknown as ObservedRequest;
}

const unpriced = new CostCatalog(new Map());
const record = (ring: RecentRequests, c: ObservedRequest) => ring.record(summarize(c, unpriced));

describe('RecentRequests', () => {
  it('keeps the last `capacity` requests in order and answers "since" and one seq', () => {
    const ring = new RecentRequests(3);
    for (let i = 1; i <= 5; i++) record(ring, ctx(`/p${i}`, 200));
    expect(ring.lastSeq).toBe(5);
    expect(ring.since(0).map((r) => r.path)).toEqual(['/p3', '/p4', '/p5']);
    expect(ring.since(4).map((r) => r.seq)).toEqual([5]);
    expect(ring.since(5)).toEqual([]);
    expect(ring.get(4)?.path).toBe('/p4');
    expect(ring.get(2)).toBeUndefined(); // left the ring
    expect(ring.get(6)).toBeUndefined();
  });

  it('records what the UI shows; a client that left before any status counts as 499', () => {
    const ring = new RecentRequests(2);
    record(ring, ctx('/v1/chat/completions', 0, { down: { method: 'POST', path: '/v1/chat/completions', aborted: true } }));
    expect(ring.since(0)[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      route: '3000/l/r',
      backend: 'b',
      model: 'sent',
      status: 499,
      client: '(anonymous)',
      inputTokens: 3,
      cachedTokens: 2,
      outputTokens: 5,
      ttftMs: null,
      // usage but no price: unpriced, not $0
      costUsd: null,
      priced: false,
      reason: 'Upstream',
      guard: [],
    });
  });

  it('works out the phases from the monotonic marks, the client, the error and the guard actions', () => {
    const ring = new RecentRequests(2);
    const start = process.hrtime.bigint() - 100n * MS;
    record(
      ring,
      ctx('/v1/messages', 503, {
        timings: {
          startNs: start,
          upstreamStartNs: start + 4n * MS,
          upstreamConnectedNs: start + 5n * MS,
          upstreamHeadersNs: start + 30n * MS,
          firstTokenNs: start + 40n * MS,
        },
        apiKey: { virtualKey: { key: { name: 'alice' } } },
        error: { status: 503, message: 'no provider in rotation', source: 'upstream', reason: 'UpstreamFailure', code: 'AGW_X' },
        guardActions: ['request: mask (regex)'],
        attempt: 1,
      }),
    );
    const r = ring.since(0)[0]!;
    expect(r.phases.gatewayMs).toBe(4);
    expect(r.phases.connectMs).toBe(1);
    expect(r.phases.firstByteMs).toBe(26);
    expect(r.phases.firstTokenMs).toBe(40);
    expect(r.phases.streamMs).toBeGreaterThanOrEqual(70);
    expect(r.latencyMs).toBeGreaterThanOrEqual(100);
    expect(r).toMatchObject({
      client: 'key:alice',
      reason: 'UpstreamFailure',
      errorCode: 'AGW_X',
      error: 'no provider in rotation',
      guard: ['request: mask (regex)'],
      retries: 1,
    });
  });

  it('a request that never went upstream has no upstream phases', () => {
    const ring = new RecentRequests(1);
    record(ring, ctx('/x', 429));
    expect(ring.since(0)[0]!.phases).toEqual({ gatewayMs: null, connectMs: null, firstByteMs: null, firstTokenMs: null, streamMs: null });
  });

  it('slots are reused in place, so readers get copies that later requests never change', () => {
    const ring = new RecentRequests(2);
    record(ring, ctx('/a', 200, { guardActions: ['request: mask (regex)'] }));
    record(ring, ctx('/b', 201));
    const seen = ring.since(0);
    const one = ring.get(1)!;
    for (let i = 0; i < 4; i++) record(ring, ctx(`/later${i}`, 500, { attempt: 2 }));
    expect(seen.map((r) => [r.seq, r.path, r.status, r.guard])).toEqual([
      [1, '/a', 200, ['request: mask (regex)']],
      [2, '/b', 201, []],
    ]);
    expect([one.path, one.phases.gatewayMs, one.retries]).toEqual(['/a', null, 0]);
    // the ring itself moved on; a guard list from an earlier request does not stay in a reused slot
    expect(ring.since(0).map((r) => [r.seq, r.path, r.guard, r.retries])).toEqual([
      [5, '/later2', [], 2],
      [6, '/later3', [], 2],
    ]);
  });

  it('records forwarded by worker threads are new objects each time, renumbered by the ring that adds them', () => {
    const sent: unknown[] = [];
    const worker = new RecentRequests(2);
    worker.forward = (r) => sent.push(r);
    record(worker, ctx('/w1', 200));
    record(worker, ctx('/w2', 200));
    expect(sent).toHaveLength(2);
    expect(sent[0]).not.toBe(sent[1]);
    const main = new RecentRequests(5);
    for (const r of sent) main.add(r as never);
    expect(main.since(0).map((r) => [r.seq, r.path])).toEqual([
      [1, '/w1'],
      [2, '/w2'],
    ]);
  });
});
