// Each timeout through the real gateway, against a mock that stalls far longer than the
// configured limits: before the response head, after it, and between stream events. Before any
// byte the client gets a 504 in its dialect; during a stream, an error event; either way the
// upstream request is aborted. No timing is asserted, only outcomes.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream, Recorded } from '../helpers/mock-upstream.js';
import { OPENAI_TEXT, openaiStream } from '../helpers/provider-formats.js';
import { plainMock, providerRoute, startGateway } from '../helpers/traffic.js';
import { waitUntil } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
/** Far longer than any configured timeout: the mock never gets there. */
const STALL_MS = 60_000;
let up: MockUpstream;
let gw: GatewayProcess;
const stalls: NodeJS.Timeout[] = [];

function stall(fn: () => void): void {
  stalls.push(setTimeout(fn, STALL_MS));
}

function route(name: string, timeout: string, extra = ''): string {
  return providerRoute(name, up.port, { policies: `timeout: {${timeout}}${extra}`, model: 'gpt-4o' });
}

beforeAll(async () => {
  up = await plainMock();
  gw = await startGateway(`binds:
- port: ${PORT}
  listeners:
  - routes:${route('headers', 'backendRequestTimeout: 300ms')}${route('firstbyte', 'firstByteTimeout: 300ms')}${route('idle', 'streamIdleTimeout: 300ms')}${route('whole', 'requestTimeout: 600ms')}${route('retried', 'backendRequestTimeout: 300ms', '\nretry: {attempts: 1, codes: [504]}')}
`);
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await up.close();
});
afterEach(() => {
  for (const t of stalls.splice(0)) clearTimeout(t);
  up.reset();
});

const openai = (route: string) => new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/${route}/v1`, apiKey: 'k', maxRetries: 0 });
const anthropic = (route: string) => new Anthropic({ baseURL: `http://127.0.0.1:${PORT}/${route}`, apiKey: 'k', maxRetries: 0 });
const ask = { model: 'x', messages: [{ role: 'user' as const, content: 'Hi' }] };

async function caught(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  return (await p.then(
    () => {
      throw new Error('expected the request to fail');
    },
    (e: unknown) => e,
  )) as InstanceType<typeof OpenAI.APIError>;
}

async function aborted(rec: () => Recorded): Promise<void> {
  await waitUntil(() => up.requests.length > 0 && rec().aborted, 5000, 'the upstream request aborted');
}

/** Streams `events`, then stalls without ending. */
function streamThenStall(res: ServerResponse, events: string[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const e of events) res.write(e);
  stall(() => res.end());
}

describe('backendRequestTimeout (no response head)', () => {
  it('is a 504 in the OpenAI dialect, and the upstream request is aborted', async () => {
    up.handler = (_req, res) => stall(() => res.end());
    const err = await caught(openai('headers').chat.completions.create(ask));
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/backendRequestTimeout/);
    await aborted(() => up.last);
  });

  it('is a 504 in the Anthropic dialect for an Anthropic client', async () => {
    up.handler = (_req, res) => stall(() => res.end());
    const err = (await caught(anthropic('headers').messages.create({ ...ask, max_tokens: 5 }))) as unknown as InstanceType<
      typeof Anthropic.APIError
    >;
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(err.status).toBe(504);
    expect((err.error as { error?: { type?: string } }).error?.type).toBe('timeout_error');
  });

  it('is retried when 504 is in retry.codes, on a fresh attempt', async () => {
    let n = 0;
    up.handler = (req, res) => (++n === 1 ? stall(() => res.end()) : up.stream(res, openaiStream(req.json)));
    let text = '';
    for await (const c of await openai('retried').chat.completions.create({ ...ask, stream: true }))
      text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe(OPENAI_TEXT);
    expect(up.requests).toHaveLength(2);
    expect(up.requests[0]!.aborted).toBe(true);
    expect(up.requests[1]!.headers['x-retry-attempt']).toBe('1');
  });
});

describe('firstByteTimeout (head sent, no body)', () => {
  it('a stream that never sends its first event: 504, since no byte reached the client', async () => {
    up.handler = (_req, res) => streamThenStall(res, []);
    const err = await caught(openai('firstbyte').chat.completions.create({ ...ask, stream: true }));
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/firstByteTimeout/);
    await aborted(() => up.last);
  });
});

describe('streamIdleTimeout (silence between events)', () => {
  it('OpenAI client: the text so far, then an error event, never [DONE]; the upstream is aborted', async () => {
    up.handler = (req, res) => streamThenStall(res, openaiStream(req.json).slice(0, 3));
    let text = '';
    const stream = await openai('idle').chat.completions.create({ ...ask, stream: true });
    const err = await caught(
      (async () => {
        for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
      })(),
    );
    expect(text).toBe('Hello!');
    expect(err.message).toMatch(/streamIdleTimeout/);
    await aborted(() => up.last);
  });

  it('Anthropic client on an OpenAI provider: the error arrives as an Anthropic error event', async () => {
    up.handler = (req, res) => streamThenStall(res, openaiStream(req.json).slice(0, 3));
    const r = await fetch(`http://127.0.0.1:${PORT}/idle/v1/messages`, {
      method: 'POST',
      body: JSON.stringify({ ...ask, max_tokens: 5, stream: true }),
    });
    const text = await r.text();
    expect(r.status).toBe(200);
    expect(text).toContain('event: error');
    expect(text).toMatch(/"type":"timeout_error"/);
    expect(text).not.toContain('message_stop');
  });
});

describe('requestTimeout (the whole request)', () => {
  it('cuts a stream that keeps going past it with an error event', async () => {
    // events keep coming (no idle timeout), but the request as a whole takes too long
    up.handler = async (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = openaiStream(req.json);
      for (let i = 0; !res.destroyed; i++) {
        res.write(events[Math.min(i, 1)]!);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const r = await fetch(`http://127.0.0.1:${PORT}/whole/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...ask, stream: true }),
    });
    const text = await r.text();
    expect(text).toContain('"content":"Hello"');
    expect(text).toMatch(/"error":\{"message":"request exceeded requestTimeout/);
    expect(text).not.toContain('[DONE]');
    await aborted(() => up.last);
  });

  it('answers 504 when the upstream never answers', async () => {
    up.handler = (_req, res) => stall(() => res.end());
    const err = await caught(openai('whole').chat.completions.create(ask));
    expect(err.status).toBe(504);
    expect(err.message).toMatch(/requestTimeout/);
  });
});
