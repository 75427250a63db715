// Catastrophic backtracking: a route regex and a prompt-guard pattern that V8 would need
// minutes for (`(?:a{1,20})+`, which its linear-engine fallback does not take) against a
// 40-character request. The gateway runs config patterns on RE2, so it keeps answering other
// requests while such a request is in flight, and refuses patterns that need backtracking
// (lookaround, backreferences) when the config loads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GatewayProcess, runCli } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { chat, plainMock, post, providerRoute, startGateway, writeConfig } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
const EVIL = `${'a'.repeat(40)}!`;

let mock: MockUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  mock = await plainMock();
  const provider = mock.handler;
  mock.handler = (req, res) => {
    if (!req.path.startsWith('/other')) return provider(req, res);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('pong');
  };
  gw = await startGateway(`
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: evil-path
      matches: [{path: {regex: "/(?:a{1,20})+"}}, {path: {pathPrefix: /h}, headers: [{name: x-id, value: {regex: "(?:a{1,20})+"}}]}]
      backends: [{host: "127.0.0.1:${mock.port}"}]
    - name: other
      matches: [{path: {pathPrefix: /other}}]
      backends: [{host: "127.0.0.1:${mock.port}"}]${providerRoute('llm', mock.port, {
        ai: `promptGuard:\n  request:\n  - regex: {action: reject, rules: [{pattern: "(?:a{1,20})+$"}]}`,
      })}
`);
});

afterAll(async () => {
  await gw?.stop();
  await mock?.close();
});

/** Another route's answer, while `slow` is in flight; a generous guard turns a frozen gateway into a failure. */
async function otherAnswersWhile(slow: Promise<number>): Promise<number> {
  const r = await fetch(`${BASE}/other/ping`, { signal: AbortSignal.timeout(20_000) });
  await r.text();
  await slow;
  return r.status;
}

describe('patterns that backtrack catastrophically', () => {
  it('a route path regex: the request is answered, and other routes answer meanwhile', async () => {
    const evil = fetch(`${BASE}/${EVIL}`).then((r) => r.status);
    expect(await otherAnswersWhile(evil)).toBe(200);
    expect(await evil).toBe(404); // no route: the regex does not match
  });

  it('a header regex', async () => {
    const evil = fetch(`${BASE}/h`, { headers: { 'x-id': EVIL } }).then((r) => r.status);
    expect(await otherAnswersWhile(evil)).toBe(200);
    expect(await evil).toBe(404);
  });

  it('a prompt-guard pattern scanning the prompt', async () => {
    const evil = post(`${BASE}/llm/v1/chat/completions`, chat(`${EVIL} ${EVIL}`)).then((r) => r.status);
    expect(await otherAnswersWhile(evil)).toBe(200);
    expect(await evil).toBe(200); // no match: the guard lets it through
  });
});

describe('patterns that need backtracking are refused at load', () => {
  it.each([
    ['a route regex with lookahead', `matches: [{path: {regex: "/v1/(?!admin).*"}}]`, 'lookahead and lookbehind are not supported'],
    [
      'a header regex with a backreference',
      `matches: [{headers: [{name: x, value: {regex: "(a)\\\\1"}}]}]`,
      'backreferences are not supported',
    ],
  ])('%s', async (_what, matches, why) => {
    const file = writeConfig(`
binds:
- port: ${PORT + 1}
  listeners:
  - routes:
    - name: r
      ${matches}
      backends: [{host: "127.0.0.1:1"}]
`);
    const { code, output } = await runCli(['--validate-only', '-f', file]);
    expect(code).toBe(1);
    expect(output).toContain(why);
    expect(output).toMatch(/:\d+:\d+: binds\[0\]\.listeners\[0\]\.routes\[0\]\.matches\[0\]/);
  });
});
