// The second and later requests of a kept-alive connection, on raw sockets against each edge:
// what the first request of a connection gets (issue 13 items 5, 6, 11, 12) must hold for every
// later one too. On the acceptor edge the first head is vetted by the acceptor and later ones
// reach uWS's own parser, so these are the cases that differ between a first and a later head.
// Each connection sends `/first` and the case only once `/first` is answered, so the acceptor has
// handed the connection over before the case arrives.
//
// KNOWN DEFECT (issue 13 residual): on the acceptor edge every case here fails today. uWS's
// parser answers a later malformed head with nothing (the connection idles out after ~10 s),
// trims header bytes >= 0x80 at a value's edges as if they were whitespace (signed `char < 33`),
// answers HTTP/1.0 with 505 and closes a connection when pipelining starts after the first
// request. No uWS build fixes all of it (upstream's parser accepts only HTTP/1.1 and trims the
// same way). The acceptor cases are therefore declared `fails`: they run, and the day a fix
// lands they start failing, which is the signal to turn them into plain tests.
import { describe, expect, it } from 'vitest';
import { sendJson } from '../helpers/mock-upstream.js';
import { json, send } from './edge-client.js';
import { EDGES, edgeSuite, expectError, head, OPENAI_PATH, type EdgeName } from './edge-gateways.js';

// Echoes what it got; `/slow...` answers after 300 ms, so pipelined answers must wait for it.
const suite = edgeSuite(async (req, res) => {
  if (req.path.startsWith('/slow')) await new Promise((r) => setTimeout(r, 300));
  sendJson(res, 200, { path: req.path, method: req.method });
});
const port = (edge: EdgeName) => suite.port(edge);
const FIRST = head('GET', '/first');
const LATER = { afterFirstResponse: true };
/** The acceptor edge does not pass these yet (see above); the Node edge does. */
const cases = (edge: EdgeName) => (edge === 'acceptor' ? it.fails : it);

describe.each(EDGES)('%s edge, a later request on a kept-alive connection', (edge) => {
  const test = cases(edge);
  describe('a malformed head is answered at once with a 400 (item 11)', () => {
    const heads: [string, string][] = [
      ['obs-fold', 'X-Folded: a\r\n b'],
      ['whitespace before the colon', 'X-Space : a'],
      ['a bare CR inside a value', 'X-Cr: a\rb'],
      ['a NUL inside a value', 'X-Nul: a\0b'],
    ];
    test.each(heads)('%s', async (_name, line) => {
      const bad = `GET ${OPENAI_PATH} HTTP/1.1\r\nHost: gw\r\n${line}\r\n\r\n`;
      const r = await send(port(edge), [FIRST, bad], { ...LATER, untilClose: true, timeoutMs: 5000 });
      expect(r.responses.map((x) => x.status)).toEqual([200, 400]);
      expectError(r.responses[1], 400, 'openai', /malformed request/);
      expect(r.closed, 'the connection is closed after the refusal').toBe(true);
      expect(suite.up.requests.map((q) => q.path)).toEqual(['/first']);
    });
  });

  test('header bytes that are not UTF-8 are forwarded exactly (item 12)', async () => {
    const bytes = Buffer.from([0xe9, 0x20, 0xc3, 0xa9, 0x20, 0xff, 0x80]);
    const later = Buffer.concat([Buffer.from('GET /later HTTP/1.1\r\nHost: gw\r\nX-Latin: '), bytes, Buffer.from('\r\n\r\n')]);
    const r = await send(port(edge), [FIRST, later], { ...LATER, responses: 2 });
    expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
    expect(suite.up.requests.map((q) => q.path)).toEqual(['/first', '/later']);
    expect(Buffer.from(suite.up.last.headers['x-latin'] as string, 'latin1')).toEqual(bytes);
  });

  test('an HTTP/1.0 request is served, then the connection closes (item 5)', async () => {
    const r = await send(port(edge), [FIRST, 'GET /ten HTTP/1.0\r\n\r\n'], { ...LATER, untilClose: true });
    expect(r.responses.map((x) => x.status)).toEqual([200, 200]);
    expect(json(r.responses[1]!).path).toBe('/ten');
    expect(r.closed).toBe(true);
  });

  test('pipelining that starts mid-connection is answered in order, the slow first one included (item 6)', async () => {
    const burst = head('GET', '/slow-a') + head('GET', '/b') + head('GET', '/c');
    const r = await send(port(edge), [FIRST, burst], { ...LATER, responses: 4 });
    expect(r.responses.map((x) => x.status)).toEqual([200, 200, 200, 200]);
    expect(r.responses.map((x) => json(x).path)).toEqual(['/first', '/slow-a', '/b', '/c']);
  });
});
