import { describe, expect, it } from 'vitest';
import { matchesRequest, parseRequestFilter, requestPage } from '../../../src/admin/request-filter.js';
import type { RecentRequest } from '../../../src/observability/recent-requests.js';

function req(seq: number, over: Partial<RecentRequest> = {}): RecentRequest {
  return {
    seq,
    at: 1_000 * seq,
    method: 'POST',
    path: '/v1/chat/completions',
    route: '3000/main/openai',
    backend: 'openai',
    model: 'gpt-4o',
    status: 200,
    client: 'key:alice',
    inputTokens: 1,
    cachedTokens: 0,
    outputTokens: 1,
    costUsd: null,
    priced: false,
    latencyMs: 10,
    ttftMs: null,
    phases: { gatewayMs: null, connectMs: null, firstByteMs: null, firstTokenMs: null, streamMs: null },
    retries: 0,
    reason: 'Upstream',
    errorCode: null,
    error: null,
    guard: [],
    ...over,
  };
}

const f = (q: string) => parseRequestFilter(new URLSearchParams(q));

describe('request filters', () => {
  it('parses the query, ignoring empty values and refusing bad ones', () => {
    expect(f('route=&model=gpt-4o&minLatencyMs=5&from=10')).toEqual({ model: 'gpt-4o', minLatencyMs: 5, from: 10 });
    expect(() => f('minLatencyMs=fast')).toThrow(/minLatencyMs/);
    expect(() => f('from=-1')).toThrow(/from/);
    expect(() => f('status=teapot')).toThrow(/status/);
    for (const s of ['2xx', '5xx', 'error', '429']) expect(f(`status=${s}`).status).toBe(s);
  });

  it('matches a route by key or by name alone', () => {
    expect(matchesRequest(req(1), f('route=3000/main/openai'))).toBe(true);
    expect(matchesRequest(req(1), f('route=openai'))).toBe(true);
    expect(matchesRequest(req(1), f('route=anthropic'))).toBe(false);
    expect(matchesRequest(req(1, { route: null }), f('route=openai'))).toBe(false);
  });

  it('matches status classes, error and exact codes', () => {
    const r503 = req(1, { status: 503 });
    const r429 = req(2, { status: 429 });
    const r200 = req(3);
    expect([r503, r429, r200].filter((r) => matchesRequest(r, f('status=5xx'))).map((r) => r.seq)).toEqual([1]);
    expect([r503, r429, r200].filter((r) => matchesRequest(r, f('status=error'))).map((r) => r.seq)).toEqual([1, 2]);
    expect([r503, r429, r200].filter((r) => matchesRequest(r, f('status=429'))).map((r) => r.seq)).toEqual([2]);
  });

  it('matches client by part, case-insensitive; model, backend and reason exactly; latency and time window', () => {
    expect(matchesRequest(req(1), f('client=ALICE'))).toBe(true);
    expect(matchesRequest(req(1), f('client=bob'))).toBe(false);
    expect(matchesRequest(req(1), f('model=gpt-4o-mini'))).toBe(false);
    expect(matchesRequest(req(1), f('backend=openai&reason=Upstream'))).toBe(true);
    expect(matchesRequest(req(1, { latencyMs: 9.99 }), f('minLatencyMs=10'))).toBe(false);
    expect(matchesRequest(req(1, { latencyMs: 10 }), f('minLatencyMs=10'))).toBe(true);
    // [from, to): a request finishing exactly at `to` belongs to the next point
    expect(matchesRequest(req(2), f('from=2000&to=3000'))).toBe(true);
    expect(matchesRequest(req(3), f('from=2000&to=3000'))).toBe(false);
    expect(matchesRequest(req(1), f('from=2000'))).toBe(false);
  });

  it('pages: newer than since, every filter at once, and the oldest time still held', () => {
    const all = [req(1), req(2, { status: 500 }), req(3, { status: 500, client: 'jwt:svc' }), req(4, { status: 500 })];
    const page = requestPage(all, 4, 2, f('status=5xx&client=key:'));
    expect(page.requests.map((r) => r.seq)).toEqual([4]);
    expect(page).toMatchObject({ last: 4, scanned: 4, oldestAt: 1000 });
    expect(requestPage([], 0, 0, {})).toEqual({ requests: [], last: 0, scanned: 0, oldestAt: null });
  });
});
