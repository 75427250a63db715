// Hostile JSON bodies: 30,000 levels of nesting (within the body limit) is a 400 in the
// caller's dialect with no stack trace, and a body that is not JSON is refused without its
// content being quoted into the response or the access log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { plainMock, providerRoute, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
// Short: V8 quotes about ten characters of the body around the error.
const MARKER = 'Qz9Xk';

let mock: MockUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  mock = await plainMock();
  gw = await startGateway(`
binds:
- port: ${PORT}
  listeners:
  - routes:${providerRoute('llm', mock.port)}
    - name: agent
      matches: [{path: {pathPrefix: /agent}}]
      policies: {a2a: {}}
      backends: [{host: "127.0.0.1:${mock.port}"}]
`);
});

afterAll(async () => {
  await gw?.stop();
  await mock?.close();
});

async function postRaw(path: string, body: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${BASE}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: r.status, text: await r.text() };
}

const deep = (levels: number) =>
  `{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"x":${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** What a stack trace in a body or log looks like. */
const STACK = /\n\s+at |\.(?:js|ts):\d+:\d+/;

describe('deeply nested JSON', () => {
  it('is a 400 in the OpenAI dialect, never a 500, and nothing goes upstream', async () => {
    mock.requests.length = 0;
    const r = await postRaw('/llm/v1/chat/completions', deep(30_000));
    expect(r.status).toBe(400);
    const body = JSON.parse(r.text);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', message: expect.stringMatching(/deeper than 128 levels/) });
    expect(r.text).not.toMatch(STACK);
    expect(mock.requests).toEqual([]);
  });

  it('is a 400 in the Anthropic dialect on a messages route', async () => {
    const r = await postRaw('/llm/v1/messages', deep(30_000).replace('"gpt-4o"', '"claude"'));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(r.text).not.toMatch(STACK);
  });

  it('is a JSON-RPC invalid request on an A2A route', async () => {
    const r = await postRaw(
      '/agent',
      `{"jsonrpc":"2.0","id":7,"method":"message/send","params":${'['.repeat(30_000)}${']'.repeat(30_000)}}`,
    );
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600 } });
    expect(r.text).not.toMatch(STACK);
  });

  it('a body nested within the limit still goes through', async () => {
    const r = await postRaw('/llm/v1/chat/completions', deep(100));
    expect(r.status).toBe(200);
  });

  it('leaves no stack trace in the gateway output', () => {
    expect(gw.output).not.toMatch(STACK);
    expect(gw.output).not.toMatch(/internal error|Maximum call stack/);
  });
});

describe('malformed JSON', () => {
  it.each([
    ['an unexpected token', `{"model": ${MARKER}, "messages": []}`],
    ['a bare word', MARKER],
    ['an unterminated string', `{"model": "gpt-4o", "messages": [{"role": "user", "content": "${MARKER}`],
    ['a control character', `{"model": "gpt-4o", "messages": [{"role": "user", "content": "${MARKER}\u0001"}]}`],
  ])('with %s: 400, and the body is quoted nowhere', async (_what, body) => {
    const r = await postRaw('/llm/v1/chat/completions', body);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.text).error.message).toMatch(/^request body is not valid JSON/);
    expect(r.text).not.toContain(MARKER);
  });

  it('the access log says why without the content', async () => {
    await gw.waitFor('error="request body is not valid JSON');
    expect(gw.output).not.toContain(MARKER);
  });
});
