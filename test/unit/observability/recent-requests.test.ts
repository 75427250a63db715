import { describe, expect, it } from 'vitest';
import type { RequestCtx } from '../../../src/pipeline/context.js';
import { RecentRequests } from '../../../src/observability/recent-requests.js';

function ctx(path: string, status: number, aborted = false): RequestCtx {
  return {
    path,
    down: { method: 'POST', path, aborted },
    route: { key: '3000/l/r' },
    backend: { name: 'b' },
    requestModel: 'asked',
    upstreamModel: 'sent',
    responseModel: undefined,
    status,
    tokens: { inputTokens: 3, outputTokens: 5, cacheReadTokens: 2 },
    startNs: process.hrtime.bigint(),
    firstTokenNs: undefined,
  } as unknown as RequestCtx;
}

describe('RecentRequests', () => {
  it('keeps the last `capacity` requests in order and answers "since"', () => {
    const ring = new RecentRequests(3);
    for (let i = 1; i <= 5; i++) ring.record(ctx(`/p${i}`, 200));
    expect(ring.lastSeq).toBe(5);
    expect(ring.since(0).map((r) => r.path)).toEqual(['/p3', '/p4', '/p5']);
    expect(ring.since(4).map((r) => r.seq)).toEqual([5]);
    expect(ring.since(5)).toEqual([]);
  });

  it('records what the UI shows; a client that left before any status counts as 499', () => {
    const ring = new RecentRequests(2);
    ring.record(ctx('/v1/chat/completions', 0, true));
    expect(ring.since(0)[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      route: '3000/l/r',
      backend: 'b',
      model: 'sent',
      status: 499,
      inputTokens: 3,
      cachedTokens: 2,
      outputTokens: 5,
      ttftMs: null,
    });
  });
});
