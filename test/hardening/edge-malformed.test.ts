// Malformed and hostile request heads, sent byte for byte on raw sockets to each edge: each is
// answered at once with a 400 (405 for TRACE, 505 for a version that is not HTTP/1.x) in the
// caller's dialect, never a hang, and nothing reaches the upstream. Header bytes that are not
// UTF-8 are forwarded exactly.
import { describe, expect, it } from 'vitest';
import { send } from './edge-client.js';
import { ANTHROPIC_PATH, EDGES, edgeSuite, expectError, head, OPENAI_PATH, type EdgeName } from './edge-gateways.js';

// A head limit below the 64 KiB default, to show the setting is obeyed by each edge.
const HEAD_LIMIT = 8192;
const suite = edgeSuite((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
}, `http1MaxHeaderSize: ${HEAD_LIMIT}`);
const port = (edge: EdgeName) => suite.port(edge);

/** Sends `raw`, expects one refusal and the connection closed, and nothing upstream. */
async function refused(edge: EdgeName, raw: string | Buffer, status: number, dialect: 'openai' | 'anthropic', message?: RegExp) {
  const r = await send(port(edge), raw, { untilClose: true, timeoutMs: 5000 });
  expect(r.closed, 'the connection is closed after the refusal').toBe(true);
  expectError(r.responses[0], status, dialect, message);
  expect(r.responses).toHaveLength(1);
  expect(suite.up.requests, 'nothing reached the upstream').toHaveLength(0);
  return r.responses[0]!;
}

describe.each(EDGES)('%s edge', (edge) => {
  // First in each edge's block: the gateway logs at most 20 refusals a second, and the cases
  // below send more than that.
  describe('a configured head limit (frontendPolicies.http.http1MaxHeaderSize)', () => {
    it('serves a head under it, refuses one over it with a 431 in dialect, logged', async () => {
      const ok = await send(port(edge), head('GET', '/under', [`X-Pad: ${'p'.repeat(HEAD_LIMIT - 200)}`]));
      expect(ok.responses[0]?.status).toBe(200);
      expect(suite.up.requests.map((q) => q.path)).toEqual(['/under']);
      suite.up.requests.length = 0;
      await refused(edge, head('GET', OPENAI_PATH, [`X-Pad: ${'p'.repeat(HEAD_LIMIT + 100)}`]), 431, 'openai', /exceeds 8192 bytes/);
      await suite.gateway(edge).gw.waitFor('edge: head too large: answered 431');
      // Observed like any other refusal: an access-log line with the kind's code.
      await suite.gateway(edge).gw.waitFor('http.status=431');
      await suite.gateway(edge).gw.waitFor('head_too_large');
    });
  });

  describe('request smuggling', () => {
    it('Content-Length with Transfer-Encoding is a 400', async () => {
      const raw = `POST ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: gw\r\n\r\n`;
      await refused(edge, raw, 400, 'openai');
    });

    it('two different Content-Lengths are a 400', async () => {
      const raw = `POST ${ANTHROPIC_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 30\r\n\r\n{}GET /smuggled HTTP/1.1\r\nHost: gw\r\n\r\n`;
      await refused(edge, raw, 400, 'anthropic', /Content-Length/i);
    });

    it('two equal Content-Lengths are a 400 too', async () => {
      await refused(edge, `POST ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}`, 400, 'openai');
    });

    it('an invalid Content-Length is a 400', async () => {
      await refused(edge, `POST ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\nContent-Length: 2x\r\n\r\n{}`, 400, 'openai');
    });

    it('a second Host is a 400', async () => {
      await refused(edge, `GET ${OPENAI_PATH} HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n`, 400, 'openai', /Host/);
    });
  });

  describe('malformed heads are answered at once', () => {
    const cases: [string, string][] = [
      ['obs-fold (a header continued on the next line)', 'X-Folded: a\r\n b'],
      ['whitespace between the name and the colon', 'X-Space : a'],
      ['a bare CR inside a value', 'X-Cr: a\rb'],
      ['a NUL inside a value', 'X-Nul: a\0b'],
      ['another control byte inside a value', 'X-Ctl: a\x01b'],
      ['a name that is not a token', 'X(A): b'],
    ];
    it.each(cases)('%s: 400 (OpenAI dialect)', async (_name, line) => {
      await refused(edge, `GET ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\n${line}\r\n\r\n`, 400, 'openai', /malformed request/);
      await suite.gateway(edge).gw.waitFor('edge: malformed head: answered 400');
    });
    it.each(cases)('%s: 400 (Anthropic dialect on /v1/messages)', async (_name, line) => {
      await refused(
        edge,
        `POST ${ANTHROPIC_PATH} HTTP/1.1\r\nHost: gw\r\n${line}\r\nContent-Length: 2\r\n\r\n{}`,
        400,
        'anthropic',
        /malformed request/,
      );
    });

    it('bare LF line ends: 400', async () => {
      await refused(edge, `GET ${OPENAI_PATH} HTTP/1.1\nHost: gw\n\n`, 400, 'openai');
    });

    it('HTTP/1.1 without Host: 400', async () => {
      await refused(edge, `GET ${ANTHROPIC_PATH} HTTP/1.1\r\n\r\n`, 400, 'anthropic', /Host/);
    });
  });

  describe('methods', () => {
    it('an invalid method is a 400, not a 502', async () => {
      await refused(edge, `G(T ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\n\r\n`, 400, 'openai');
    });

    it('an unknown method is a 400', async () => {
      await refused(edge, `BREW ${ANTHROPIC_PATH} HTTP/1.1\r\nHost: gw\r\n\r\n`, 400, 'anthropic');
    });

    it('TRACE is a 405 with Allow, and is not proxied', async () => {
      const r = await send(port(edge), head('TRACE', OPENAI_PATH));
      expectError(r.responses[0], 405, 'openai', /TRACE/);
      expect(r.responses[0]!.headers.get('allow')?.[0]).toMatch(/GET/);
      expect(suite.up.requests).toHaveLength(0);
    });

    it('CONNECT is a 405', async () => {
      const r = await send(port(edge), 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', {
        untilClose: true,
        timeoutMs: 5000,
      });
      expect(r.responses[0]?.status).toBe(405);
      expect(suite.up.requests).toHaveLength(0);
    });

    it('a request line that is not HTTP/1.x is refused', async () => {
      const r = await send(port(edge), `GET ${OPENAI_PATH} HTTP/2.0\r\nHost: gw\r\n\r\n`, { untilClose: true, timeoutMs: 5000 });
      expect([400, 505]).toContain(r.responses[0]?.status);
      expect(r.closed).toBe(true);
      expect(suite.up.requests).toHaveLength(0);
    });
  });

  describe('header bytes that are not UTF-8', () => {
    it('are forwarded to the upstream exactly', async () => {
      const bytes = Buffer.from([0xe9, 0x20, 0xc3, 0xa9, 0x20, 0xff, 0x80]);
      const raw = Buffer.concat([
        Buffer.from(`GET /echo HTTP/1.1\r\nHost: gw\r\nX-Latin: `),
        bytes,
        Buffer.from('\r\nX-Edge: \xe9a\xe9\r\n\r\n', 'latin1'),
      ]);
      const r = await send(port(edge), raw);
      expect(r.responses[0]?.status).toBe(200);
      const got = suite.up.last.headers;
      expect(Buffer.from(got['x-latin'] as string, 'latin1')).toEqual(bytes);
      // Bytes >= 0x80 at the edges of a value are value bytes, not whitespace to trim.
      expect(Buffer.from(got['x-edge'] as string, 'latin1')).toEqual(Buffer.from([0xe9, 0x61, 0xe9]));
    });
  });

  describe('request targets', () => {
    it('absolute form is served, with its authority as the host', async () => {
      const r = await send(port(edge), 'GET http://example.test/abs?q=1 HTTP/1.1\r\nHost: other\r\n\r\n');
      expect(r.responses[0]?.status).toBe(200);
      expect(suite.up.last.path).toBe('/abs?q=1');
    });
  });
});
