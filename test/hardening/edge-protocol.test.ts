// What an HTTP/1.x edge must serve (HTTP/1.0, pipelining, large heads, Expect) and what it must
// refuse cleanly (oversize heads, too many headers, an oversize body announced with Expect),
// on raw sockets against each edge, with the upstream recording what reached it.
import { describe, expect, it } from 'vitest';
import { sendJson } from '../helpers/mock-upstream.js';
import { json, send } from './edge-client.js';
import { ANTHROPIC_PATH, EDGES, edgeSuite, expectError, head, OPENAI_PATH, type EdgeName } from './edge-gateways.js';

const MAX_BODY = 1000;
// Echoes what it got; `/slow...` answers after 300 ms, so pipelined answers must wait for it.
const suite = edgeSuite(
  async (req, res) => {
    if (req.path.startsWith('/slow')) await new Promise((r) => setTimeout(r, 300));
    sendJson(res, 200, { path: req.path, method: req.method, body: req.body });
  },
  `maxBufferSize: ${MAX_BODY}`,
  { maxHeaderSize: 256 * 1024 },
);
const port = (edge: EdgeName) => suite.port(edge);

describe.each(EDGES)('%s edge', (edge) => {
  describe('HTTP/1.0', () => {
    it('is served, and the connection closes after the response', async () => {
      const r = await send(port(edge), 'GET /ten HTTP/1.0\r\n\r\n', { untilClose: true });
      expect(r.raw.toString('latin1')).toMatch(/^HTTP\/1\.[01] 200 /);
      expect(r.closed).toBe(true);
      expect(json(r.responses[0]!).path).toBe('/ten');
      await suite.gateway(edge).gw.waitFor('http.path=/ten http.version=HTTP/1.0');
    });

    it('with keep-alive, keeps the connection for the next request', async () => {
      const one = 'GET /ka1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n';
      const two = 'POST /ka2 HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}';
      const r = await send(port(edge), [one, two], { responses: 2, gapMs: 200 });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(r.responses[0]!.headers.get('connection')?.[0]).toMatch(/keep-alive/i);
      expect(r.responses.map((x) => json(x).path)).toEqual(['/ka1', '/ka2']);
    });
  });

  describe('pipelining', () => {
    it('answers pipelined requests in order, the slow first one included', async () => {
      const reqs = [head('GET', '/slow-1'), head('POST', '/fast-2', [], '{"n":2}'), head('GET', '/fast-3')];
      const r = await send(port(edge), reqs.join(''), { responses: 3 });
      expect(r.responses.map((x) => x.status)).toEqual([200, 200, 200]);
      expect(r.responses.map((x) => json(x).path)).toEqual(['/slow-1', '/fast-2', '/fast-3']);
      expect(json(r.responses[1]!).body).toBe('{"n":2}');
      expect(r.closed).toBe(false);
    });

    it('answers a request pipelined behind a refused one', async () => {
      const r = await send(port(edge), head('TRACE', OPENAI_PATH) + head('GET', '/after'), { responses: 2 });
      expect(r.responses.map((x) => x.status)).toEqual([405, 200]);
      expect(suite.up.requests.map((q) => q.path)).toEqual(['/after']);
    });
  });

  describe('request heads', () => {
    it('a 20 KB head (a large JWT) is served and forwarded whole', async () => {
      const token = 'a'.repeat(20_000);
      const r = await send(port(edge), head('GET', '/big-head', [`Authorization: Bearer ${token}`]));
      expect(r.responses[0]?.status).toBe(200);
      expect(suite.up.last.headers.authorization).toBe(`Bearer ${token}`);
    });

    it('a head over the 64 KiB default is a 431 in the caller dialect, and nothing goes upstream', async () => {
      const r = await send(port(edge), head('POST', ANTHROPIC_PATH, [`X-Big: ${'b'.repeat(70_000)}`], '{}'), { untilClose: true });
      expectError(r.responses[0], 431, 'anthropic', /http1MaxHeaderSize/);
      expect(r.closed).toBe(true);
      expect(suite.up.requests).toHaveLength(0);
      await suite.gateway(edge).gw.waitFor('edge: head too large: answered 431');
    });

    it('100 headers are served; 101 are a 431', async () => {
      const lines = (n: number) => Array.from({ length: n }, (_, i) => `X-H${i}: v`);
      const ok = await send(port(edge), head('GET', '/many', lines(99)));
      expect(ok.responses[0]?.status).toBe(200);
      const r = await send(port(edge), head('GET', OPENAI_PATH, lines(100)), { untilClose: true });
      expectError(r.responses[0], 431, 'openai', /http1MaxHeaders/);
      expect(suite.up.requests).toHaveLength(1);
    });
  });

  describe('Expect: 100-continue', () => {
    it('an oversize body is refused with a 413 and no 100 Continue before it', async () => {
      const raw = `POST ${ANTHROPIC_PATH} HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: ${MAX_BODY + 1}\r\n\r\n`;
      const r = await send(port(edge), raw, { untilClose: true });
      expect(r.raw.toString('latin1')).not.toMatch(/100 Continue/i);
      expectError(r.responses[0], 413, 'anthropic');
      expect(suite.up.requests).toHaveLength(0);
    });

    it('an acceptable body gets 100 Continue, then the answer', async () => {
      const headPart = `POST /expect HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n`;
      const r = await send(port(edge), [headPart, '{}'], { gapMs: 300 });
      expect(r.raw.toString('latin1')).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
      expect(json(r.responses.at(-1)!).body).toBe('{}');
    });
  });

  describe('other request shapes', () => {
    it('an Upgrade request is served as a plain request (the gateway proxies no WebSockets)', async () => {
      const r = await send(port(edge), head('GET', '/upgrade', ['Connection: Upgrade', 'Upgrade: websocket']));
      expect(r.responses[0]?.status).toBe(200);
      expect(suite.up.last.headers.upgrade).toBeUndefined();
    });

    it('HEAD gets the head without a body, and the connection stays usable', async () => {
      const r = await send(port(edge), [head('HEAD', '/head'), head('GET', '/after-head')], { responses: 2, gapMs: 200, bodiless: [0] });
      expect(r.responses[0]!.body).toHaveLength(0);
      expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
      expect(json(r.responses[1]!).path).toBe('/after-head');
    });

    it('a chunked upload is read whole', async () => {
      const raw = 'POST /chunked HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n4\r\n":1}\r\n0\r\n\r\n';
      const r = await send(port(edge), raw);
      expect(r.responses[0]?.status).toBe(200);
      expect(json(r.responses[0]!).body).toBe('{"a":1}');
    });
  });

  describe('responses', () => {
    it('carry no uWebSockets header', async () => {
      const r = await send(port(edge), head('GET', '/plain'));
      expect(r.responses[0]?.status).toBe(200);
      expect(r.responses[0]!.headers.has('uwebsockets')).toBe(false);
    });
  });

  describe('later requests on a keep-alive connection', () => {
    it('are checked too: an invalid method, TRACE and two Content-Lengths are refused in dialect', async () => {
      const first = head('GET', '/first');
      const a = await send(port(edge), [first, `G(T ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\n\r\n`], { responses: 2, gapMs: 200 });
      expect(a.responses.map((x) => x.status)).toEqual([200, 400]);
      expectError(a.responses[1], 400, 'openai');
      const b = await send(port(edge), [first, head('TRACE', ANTHROPIC_PATH)], { responses: 2, gapMs: 200 });
      expectError(b.responses[1], 405, 'anthropic');
      const twoLengths = `POST ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x`;
      const c = await send(port(edge), [first, twoLengths], { responses: 2, gapMs: 200, untilClose: true });
      expectError(c.responses[1], 400, 'openai');
      expect(c.closed).toBe(true);
      expect(suite.up.requests.map((q) => q.path)).toEqual(['/first', '/first', '/first']);
    });
  });
});
