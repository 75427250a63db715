// Without a `timeout` policy a silent upstream no longer holds a request for ten minutes: every
// route has default upstream limits (here shortened with config.backend) that a route's own
// timeout policy replaces. And a route name used twice in a listener is a warning naming both.
import { createServer, type Server, type Socket } from 'node:net';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { openaiStream } from '../helpers/provider-formats.js';
import { plainMock, post, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
let silent: Server;
const sockets = new Set<Socket>();
let up: MockUpstream;
let gw: GatewayProcess;

/** Accepts connections, reads requests, never answers. */
function silentServer(): Promise<Server> {
  const s = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.resume();
  });
  return new Promise((r) => s.listen(0, '127.0.0.1', () => r(s)));
}

beforeAll(async () => {
  [silent, up] = await Promise.all([silentServer(), plainMock()]);
  const silentAt = `127.0.0.1:${(silent.address() as { port: number }).port}`;
  gw = await startGateway(`config:
  backend: {backendRequestTimeout: 1s, streamIdleTimeout: 1s}
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: host
      matches: [{path: {pathPrefix: /host}}]
      backends: [{host: "${silentAt}"}]
    - name: own
      matches: [{path: {pathPrefix: /own}}]
      policies: {timeout: {backendRequestTimeout: 2s}}
      backends: [{host: "${silentAt}"}]
    - name: llm
      matches: [{path: {pathPrefix: /llm}}]
      backends: [{ai: {name: silent, provider: {openAI: {}}, hostOverride: "${silentAt}"}}]
    - name: stall
      matches: [{path: {pathPrefix: /stall}}]
      backends: [{ai: {name: stalling, provider: {openAI: {}}, hostOverride: "127.0.0.1:${up.port}"}}]
    - name: host
      matches: [{path: {pathPrefix: /again}}]
      backends: [{host: "${silentAt}"}]
`);
});
afterAll(async () => {
  expect(await gw?.stop()).toBe(0);
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent?.close(r));
  await up?.close();
});

describe('default upstream time limits', () => {
  it('a silent host backend: 504 naming the default limit it hit', async () => {
    const r = await post(`${BASE}/host/anything`, {});
    expect(r.status).toBe(504);
    expect(r.text).toMatch(/sent no response headers within the default backendRequestTimeout \(1000 ms\)/);
  });

  it("a silent LLM provider: a 504 in the caller's dialect", async () => {
    const openai = new OpenAI({ baseURL: `${BASE}/llm/v1`, apiKey: 'k', maxRetries: 0 });
    const err = (await openai.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/default backendRequestTimeout/);
  });

  it('a stream that goes silent ends with an error event instead of hanging', async () => {
    up.handler = (req, res) => {
      const events = openaiStream(req.json);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(events[0]); // then nothing, connection held open
    };
    const openai = new OpenAI({ baseURL: `${BASE}/stall/v1`, apiKey: 'k', maxRetries: 0 });
    const stream = await openai.chat.completions.create({ model: 'gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    const failure = await (async () => {
      for await (const _ of stream);
    })().catch((e: unknown) => e as Error);
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).toMatch(/streamIdleTimeout/);
  });

  it("a route's own timeout policy replaces the default for the phase it bounds", async () => {
    const r = await post(`${BASE}/own/anything`, {});
    expect(r.status).toBe(504);
    expect(r.text).toMatch(/within backendRequestTimeout \(2000 ms\)/);
    expect(r.text).not.toMatch(/default/);
  });
});

describe('route names', () => {
  it('a name used twice in one listener is a warning naming both places; both routes serve', async () => {
    expect(gw.output).toMatch(
      /binds\[0\]\.listeners\[0\]\.routes\[4\]\.name \(.*config-\d+\.yaml:20:13\): route name "host" is already used by binds\[0\]\.listeners\[0\]\.routes\[0\] \(.*:7:7\)/,
    );
    expect((await post(`${BASE}/again/x`, {})).status).toBe(504);
  });
});
