// policies.ai through the real gateway: regex guards (mask, reject with the configured status,
// body and headers) on prompts and answers, masking of a streamed answer whose secret is split
// across events, the guardrail webhook (pass, mask, reject, timeout with each failureMode) on
// prompts and answers, and request shaping (modelAliases, defaults, overrides, prompts).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import { sendJson, type MockUpstream } from '../helpers/mock-upstream.js';
import { openaiCompletion, openaiStream } from '../helpers/provider-formats.js';
import { plainMock, post, providerRoute, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
let up: MockUpstream;
let gw: GatewayProcess;
let hook: Server;
const hookCalls: { path: string; body: any }[] = [];

/** The guardrail service: rejects "forbidden", masks "secret", never answers "slow". */
function startHook(): Promise<Server> {
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw);
      hookCalls.push({ path: req.url!, body });
      const items: { role: string; content: string }[] =
        req.url === '/request' ? body.body.messages : body.body.choices.map((c: any) => c.message);
      const all = items.map((m) => m.content).join(' ');
      if (all.includes('slow')) return; // never answers
      const reply = (action: object) => sendJson(res, 200, { action });
      if (all.includes('forbidden')) return reply({ body: 'blocked by the guardrail', status_code: 422, reason: 'forbidden word' });
      if (!all.includes('secret') && !all.includes('assist')) return reply({ reason: 'fine' });
      const masked = items.map((m) => ({
        role: m.role,
        content: m.content.replaceAll('secret', '[redacted]').replaceAll('assist', '[help]'),
      }));
      reply(
        req.url === '/request'
          ? { body: { messages: masked }, reason: 'masked' }
          : { body: { choices: masked.map((message) => ({ message })) } },
      );
    });
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r(server)));
}

function route(name: string, ai: string): string {
  return providerRoute(name, up.port, { ai });
}

beforeAll(async () => {
  [up, hook] = await Promise.all([plainMock(), startHook()]);
  const hookHost = `127.0.0.1:${(hook.address() as AddressInfo).port}`;
  // Long enough that the local hook answers in time even with other test files running; only the
  // hook's "slow" case, which never answers, waits it out.
  const webhook = (extra: string) => `{webhook: {target: {host: "${hookHost}"}, timeout: 2s${extra}}}`;
  gw = await startGateway(`binds:
- port: ${PORT}
  listeners:
  - routes:${route(
    'regex',
    `promptGuard:
  request:
  - regex: {action: reject, rules: [{pattern: "(?i)drop\\\\s+table"}]}
    rejection: {status: 400, body: "SQL is not allowed", headers: {set: {x-guard: sql}}}
  - regex: {rules: [{builtin: email}, {builtin: creditCard}]}
  response:
  - regex: {action: mask, rules: [{builtin: email}, {builtin: phoneNumber}]}
  - regex: {action: reject, rules: [{builtin: ssn}]}
    rejection: {body: "the answer contained an SSN"}`,
  )}${route('hook', `promptGuard:\n  request: [${webhook('')}]\n  response: [{regex: {rules: [{builtin: email}]}}, ${webhook('')}]`)}${route('hookopen', `promptGuard:\n  request: [${webhook(', failureMode: failOpen')}]`)}${route(
    'shaping',
    `modelAliases: {fast: gpt-4o-mini, "claude-*": gpt-4o}
defaults: {temperature: 0.2, model: gpt-4.1}
overrides: {max_tokens: 64}
prompts:
  prepend: [{role: system, content: "Answer briefly."}]
  append: [{role: user, content: "Reply in English."}]`,
  )}
`);
});
afterAll(async () => {
  expect(await gw.stop()).toBe(0);
  await up.close();
  hook.closeAllConnections();
  await new Promise((r) => hook.close(r));
});
afterEach(() => {
  up.reset();
  hookCalls.length = 0;
});

const openai = (route: string) => new OpenAI({ baseURL: `${BASE}/${route}/v1`, apiKey: 'k', maxRetries: 0 });
const say = (content: string) => ({ model: 'gpt-4o', messages: [{ role: 'user' as const, content }] });
const answering = (content: string) => (req: { json: any }, res: Parameters<typeof sendJson>[0]) => {
  const c = openaiCompletion(req.json) as any;
  c.choices[0].message.content = content;
  sendJson(res, 200, c);
};

describe('regex guards', () => {
  it('mask the prompt before it leaves', async () => {
    await openai('regex').chat.completions.create(say('Mail jane@example.com, card 4111 1111 1111 1111.'));
    expect(up.last.json.messages[0].content).toBe('Mail <EMAIL_ADDRESS>, card <CREDIT_CARD>.');
  });

  it('reject with the configured status, message and headers, in the caller dialect', async () => {
    const err = (await openai('regex')
      .chat.completions.create(say('please DROP  TABLE users'))
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect(err.message).toMatch(/SQL is not allowed/);
    expect(err.headers?.get('x-guard')).toBe('sql');
    expect(up.requests).toHaveLength(0);
    const anthropic = new Anthropic({ baseURL: `${BASE}/regex`, apiKey: 'k', maxRetries: 0 });
    const aerr = (await anthropic.messages
      .create({ model: 'x', max_tokens: 5, messages: [{ role: 'user', content: 'drop table t' }] })
      .catch((e: unknown) => e)) as InstanceType<typeof Anthropic.APIError>;
    expect(aerr).toBeInstanceOf(Anthropic.BadRequestError);
    expect((aerr.error as any).error.message).toBe('SQL is not allowed');
  });

  it('mask a complete answer', async () => {
    up.handler = answering('Reach me at john@corp.example or 555-123-4567.');
    const r = await openai('regex').chat.completions.create(say('hi'));
    expect(r.choices[0]!.message.content).toBe('Reach me at <EMAIL_ADDRESS> or <PHONE_NUMBER>.');
  });

  it('reject an answer (default 403) without passing any of it on', async () => {
    up.handler = answering('Your SSN is 123-45-6789.');
    const err = (await openai('regex')
      .chat.completions.create(say('hi'))
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(err.message).toMatch(/the answer contained an SSN/);
  });

  it('mask a streamed answer whose email is split across events, sending no piece of it', async () => {
    up.handler = (req, res) => {
      const events = openaiStream(req.json);
      // replace the text deltas with an email split over three events
      const pieces = ['Write to jane.d', 'oe@exam', 'ple.com', ' or call 555-', '123-4567', ' today.'];
      const template = JSON.parse(events[1]!.slice(6));
      const text = pieces.map(
        (p) => `data: ${JSON.stringify({ ...template, choices: [{ ...template.choices[0], delta: { content: p } }] })}\n\n`,
      );
      void up.stream(res, [events[0]!, ...text, ...events.slice(10)]);
    };
    up.eventDelayMs = 5;
    const raw = await fetch(`${BASE}/regex/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...say('hi'), stream: true }),
    }).then((r) => r.text());
    for (const piece of ['jane', 'oe@exam', 'ple.com', '555-', '123-4567']) expect(raw).not.toContain(piece);
    let text = '';
    for await (const c of await openai('regex').chat.completions.create({ ...say('hi'), stream: true }))
      text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Write to <EMAIL_ADDRESS> or call <PHONE_NUMBER> today.');
  });

  it('an Anthropic client streaming from an OpenAI provider gets the masked text too', async () => {
    up.handler = (req, res) => {
      const events = openaiStream(req.json);
      const template = JSON.parse(events[1]!.slice(6));
      const text = ['a.b', '@example.org!'].map(
        (p) => `data: ${JSON.stringify({ ...template, choices: [{ ...template.choices[0], delta: { content: p } }] })}\n\n`,
      );
      void up.stream(res, [events[0]!, ...text, ...events.slice(10)]);
    };
    const anthropic = new Anthropic({ baseURL: `${BASE}/regex`, apiKey: 'k', maxRetries: 0 });
    const stream = anthropic.messages.stream({ model: 'x', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
    let text = '';
    stream.on('text', (t) => (text += t));
    await stream.finalMessage();
    expect(text).toBe('<EMAIL_ADDRESS>!');
  });
});

describe('guardrail webhook', () => {
  it('pass: the prompt goes on unchanged, the service saw the messages', async () => {
    const r = await openai('hook').chat.completions.create({
      model: 'x',
      messages: [
        { role: 'system', content: 'Be nice.' },
        { role: 'user', content: 'Hello' },
      ],
    });
    expect(r.choices[0]!.message.content).toBe('Hello! How can I [help] you today?'); // the response guard masked "assist"
    expect(hookCalls[0]).toEqual({
      path: '/request',
      body: {
        body: {
          messages: [
            { role: 'system', content: 'Be nice.' },
            { role: 'user', content: 'Hello' },
          ],
        },
      },
    });
    expect(hookCalls[1]!.path).toBe('/response');
    expect(up.last.json.messages).toEqual([
      { role: 'system', content: 'Be nice.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('mask: the service rewrites the prompt', async () => {
    await openai('hook').chat.completions.create(say('my secret plan'));
    expect(up.last.json.messages[0].content).toBe('my [redacted] plan');
  });

  it('reject: the status and body the service chose, in the caller dialect', async () => {
    const err = (await openai('hook')
      .chat.completions.create(say('something forbidden'))
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(err.status).toBe(422);
    expect(err.message).toMatch(/blocked by the guardrail/);
    expect(up.requests).toHaveLength(0);
  });

  it('timeout: failClosed refuses with 503, failOpen lets the prompt through', async () => {
    const closed = await post(`${BASE}/hook/v1/chat/completions`, say('a slow one'));
    expect(closed.status).toBe(503);
    expect(JSON.parse(closed.text).error.message).toMatch(/guardrail webhook failed/);
    expect(up.requests).toHaveLength(0);
    const open = await post(`${BASE}/hookopen/v1/chat/completions`, say('a slow one'));
    expect(open.status).toBe(200);
    expect(up.last.json.messages[0].content).toBe('a slow one');
  });

  it('a held stream goes through every response guard in order: regex, then the webhook', async () => {
    up.handler = (req, res) => {
      const events = openaiStream(req.json);
      const template = JSON.parse(events[1]!.slice(6));
      const text = ['Mail a.b@exa', 'mple.org, I assist.'].map(
        (p) => `data: ${JSON.stringify({ ...template, choices: [{ ...template.choices[0], delta: { content: p } }] })}\n\n`,
      );
      void up.stream(res, [events[0]!, ...text, ...events.slice(10)]);
    };
    const raw = await fetch(`${BASE}/hook/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({ ...say('hi'), stream: true }),
    }).then((r) => r.text());
    expect(raw).not.toContain('exa');
    let text = '';
    for (const line of raw.split('\n')) if (line.startsWith('data: {')) text += JSON.parse(line.slice(6)).choices[0]?.delta.content ?? '';
    expect(text).toBe('Mail <EMAIL_ADDRESS>, I [help].');
    expect(hookCalls.at(-1)!.body.body.choices[0].message.content).toBe('Mail <EMAIL_ADDRESS>, I assist.');
  });

  it('judges a streamed answer whole, before any of it is sent', async () => {
    let text = '';
    for await (const c of await openai('hook').chat.completions.create({ ...say('hi'), stream: true }))
      text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('Hello! How can I [help] you today?');
    expect(hookCalls.at(-1)).toEqual({
      path: '/response',
      body: { body: { choices: [{ message: { role: 'assistant', content: 'Hello! How can I assist you today?' } }] } },
    });
  });
});

describe('request shaping', () => {
  it('modelAliases (exact and wildcard), defaults, overrides and prompts', async () => {
    await openai('shaping').chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'Hi' }],
      temperature: 0.9,
      max_tokens: 5,
    });
    expect(up.last.json).toMatchObject({
      model: 'gpt-4o-mini',
      temperature: 0.9,
      max_tokens: 64,
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: 'Hi' },
        { role: 'user', content: 'Reply in English.' },
      ],
    });
    await openai('shaping').chat.completions.create({ model: 'claude-opus', messages: [{ role: 'user', content: 'Hi' }] });
    expect(up.last.json).toMatchObject({ model: 'gpt-4o', temperature: 0.2 });
  });

  it('defaults can supply the model the client left out', async () => {
    const r = await post(`${BASE}/shaping/v1/chat/completions`, { messages: [{ role: 'user', content: 'Hi' }] });
    expect(r.status).toBe(200);
    expect(up.last.json.model).toBe('gpt-4.1');
  });
});
