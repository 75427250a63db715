// The waits a client controls, on raw sockets against each edge: a request head that never
// completes (408), a silent connection (closed), a body upload that pauses (served while it
// progresses, 408 when it stalls) and a response the client stops reading (served while it
// reads, closed and logged as a send timeout when it does not). The long cases run the edges
// side by side and last longer than uWS's own 10 s timer, which used to cut them. No duration
// is asserted, only outcomes.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ServerResponse } from 'node:http';
import { MockUpstream } from '../helpers/mock-upstream.js';
import { waitUntil } from '../helpers/wait.js';
import { json, send } from './edge-client.js';
import {
  ANTHROPIC_PATH,
  EDGES,
  expectError,
  head,
  OPENAI_PATH,
  proxyConfig,
  startEdgeGateways,
  stopAll,
  type EdgeGateway,
} from './edge-gateways.js';

const BIG = 32 * 1024 * 1024;
let up: MockUpstream;
/** Short limits: 2 s for a head, 3 s for a paused body or an unread response. */
let short: EdgeGateway[];
/** A 20 s send timeout, longer than uWS's 10 s timer. */
let long: EdgeGateway[];

async function writeBig(res: ServerResponse): Promise<void> {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(64 * 1024, 97);
  for (let sent = 0; sent < BIG && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
  }
  res.end();
}

beforeAll(async () => {
  up = await MockUpstream.start({ tls: false });
  up.handler = async (req, res) => {
    if (req.path === '/big') return writeBig(res);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ path: req.path, body: req.body }));
  };
  const timeouts = (send: string) => `http1IdleTimeout: 2s\nrequestBodyTimeout: 3s\nresponseSendTimeout: ${send}`;
  short = await startEdgeGateways((p) => proxyConfig(p, up, timeouts('3s')));
  long = await startEdgeGateways((p) => proxyConfig(p, up, timeouts('20s')));
});
afterAll(async () => {
  await stopAll(short);
  await stopAll(long);
  await up?.close();
});
afterEach(() => {
  up.requests.length = 0;
});

const shortPort = (edge: string) => short.find((g) => g.edge === edge)!;

describe.each(EDGES)('%s edge', (edge) => {
  it('a head that never completes is a 408 in the dialect of its path, then closed', async () => {
    const r = await send(shortPort(edge).port, `POST ${ANTHROPIC_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Ty`, {
      untilClose: true,
      timeoutMs: 10_000,
    });
    expectError(r.responses[0], 408, 'anthropic', /head/);
    expect(r.closed).toBe(true);
    expect(up.requests).toHaveLength(0);
  });

  it('a connection that sends nothing is closed without a response', async () => {
    const r = await send(shortPort(edge).port, [], { untilClose: true, timeoutMs: 10_000 });
    expect(r.closed).toBe(true);
    expect(r.raw).toHaveLength(0);
  });

  it('a body that stops arriving is a 408 in the caller dialect, logged, and nothing goes upstream', async () => {
    const g = shortPort(edge);
    const start = `POST ${ANTHROPIC_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n{"model":`;
    const r = await send(g.port, start, { untilClose: true, timeoutMs: 10_000 });
    expectError(r.responses[0], 408, 'anthropic', /body timeout/);
    expect(r.closed).toBe(true);
    expect(up.requests).toHaveLength(0);
    await g.gw.waitFor('edge: request body timeout');
  });

  it('so does a body that stops on the second request of a keep-alive connection', async () => {
    const first = head('GET', '/first');
    const second = `POST ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n{"model":`;
    // After the first response: sent behind a request still being answered (a loaded machine
    // answering slower than the gap), uWS would close the connection instead (issue 13).
    const r = await send(shortPort(edge).port, [first, second], { afterFirstResponse: true, responses: 2, timeoutMs: 10_000 });
    expect(r.responses[0]?.status).toBe(200);
    expectError(r.responses[1], 408, 'openai', /body timeout/);
    expect(up.requests.map((q) => q.path)).toEqual(['/first']);
  });
});

describe('beyond uWS 10 s timer (the edges side by side)', () => {
  it('a slow upload that keeps progressing is served, however long it takes', async () => {
    const body = '{"slow":true}';
    const pieces = [`POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Length: ${body.length}\r\n\r\n`, ...body];
    const results = await Promise.all(short.map((g) => send(g.port, pieces, { gapMs: 1100, timeoutMs: 30_000 })));
    for (const r of results) {
      expect(r.responses[0]?.status).toBe(200);
      expect(json(r.responses[0]!).body).toBe(body);
    }
  }, 60_000);

  it('a reader that pauses for 12 s, within the send timeout, gets the whole response', async () => {
    const results = await Promise.all(long.map((g) => send(g.port, head('GET', '/big'), { readPauseMs: 12_000, timeoutMs: 40_000 })));
    for (const r of results) {
      expect(r.raw.length).toBeGreaterThan(BIG);
      expect(r.responses[0]?.status).toBe(200);
      expect(r.responses[0]!.body.length).toBe(BIG);
    }
  }, 60_000);

  it('a reader that stops past the send timeout is cut, logged as a send timeout, and the upstream call aborted', async () => {
    const results = await Promise.all(
      short.map((g) => send(g.port, head('GET', '/big'), { readPauseMs: 8000, untilClose: true, timeoutMs: 30_000 })),
    );
    for (const r of results) {
      expect(r.closed).toBe(true);
      expect(r.responses).toHaveLength(0); // the body never completed
      expect(r.raw.length).toBeLessThan(BIG);
    }
    await waitUntil(() => up.requests.length === short.length && up.requests.every((q) => q.aborted), 5000, 'upstream calls aborted');
    for (const g of short) {
      await g.gw.waitFor('edge: response send timeout');
      await g.gw.waitFor('response send timeout: the client read nothing for 3 s');
    }
  }, 60_000);
});
