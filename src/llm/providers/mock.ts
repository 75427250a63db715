// The built-in `mock` provider: answers chat completions and messages locally, in each
// provider's exact wire format (streaming included), with a configurable first-token delay and
// token rate. It lets a newcomer get a real answer with no keys and no internet, and gives the
// benchmarks an upstream-free lane.
import type { ApiFormat, Conversion, Json } from '../convert/types.js';
import { errorBody } from '../formats/errors.js';
import { formatPath, type Provider } from './types.js';
import type { Usage } from '../usage.js';

export const mock: Provider = {
  name: 'mock',
  formats: ['completions', 'messages'],
  port: 0,
  basePath: '/v1',
  path: formatPath,
  credential: (key) => ({ name: 'authorization', value: `Bearer ${key}` }),
  requiredHeaders: [],
};

export interface MockSettings {
  model?: string;
  response?: string;
  tokensPerSecond?: number;
  firstTokenDelayMs?: number;
}

/** One piece of the reply: write `data` at `atMs` after the request arrived. */
export interface MockEvent {
  atMs: number;
  data: string;
}

export interface MockReply {
  status: number;
  contentType: string;
  events: MockEvent[];
  /** What the reply reports as usage (also in its body), for the gateway's own accounting. */
  usage?: Usage;
  model?: string;
}

export const DEFAULT_MOCK_RESPONSE = 'Hello from the agentgateway mock provider! Point a route at a real provider to get real answers.';

let counter = 0;
function nextId(prefix: string): string {
  counter = (counter + 1) % 1e9;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36).padStart(6, '0')}`;
}

export function mockRespond(format: ApiFormat, body: Json, settings: MockSettings): MockReply {
  const problem = validate(format, body);
  if (problem !== undefined) {
    const dialect = format === 'messages' ? 'anthropic' : 'openai';
    return json(400, errorBody(dialect, 400, 'invalid_request_error', problem));
  }
  const model = typeof body.model === 'string' && body.model !== '' ? body.model : (settings.model ?? 'mock-model');
  const text = settings.response ?? DEFAULT_MOCK_RESPONSE;
  const tokens = splitTokens(text);
  const inputTokens = estimateTokens(body);
  const stream = body.stream === true;
  let reply: MockReply;
  if (format === 'completions') {
    reply = stream
      ? completionsStream(model, tokens, inputTokens, body, settings)
      : json(200, completionsBody(model, text, tokens.length, inputTokens));
  } else {
    reply = stream
      ? messagesStream(model, tokens, inputTokens, settings)
      : json(200, messagesBody(model, text, tokens.length, inputTokens));
  }
  return { ...reply, usage: { inputTokens, outputTokens: tokens.length }, model };
}

/**
 * A client format the mock does not speak natively (Responses) is answered through `conv`, its
 * conversion to chat completions: the request is translated, the completions reply generated,
 * and the reply translated back event by event, keeping each event's time.
 */
export function mockRespondVia(conv: Conversion, body: Json, settings: MockSettings): MockReply {
  const reply = mockRespond(conv.to, conv.request(body), settings);
  if (reply.status !== 200) return reply;
  if (reply.contentType !== 'text/event-stream') {
    const out = conv.response(JSON.parse(reply.events[0]!.data) as Json, () => {}, body);
    return { ...reply, events: [{ atMs: 0, data: JSON.stringify(out) }] };
  }
  const t = conv.stream({ includeUsage: true, onUsage: () => {}, request: body });
  const events = reply.events.map((e) => ({ atMs: e.atMs, data: Buffer.from(t.push(Buffer.from(e.data))).toString('utf8') }));
  const last = events.at(-1);
  if (last !== undefined) last.data += Buffer.from(t.end()).toString('utf8');
  return { ...reply, events };
}

export function mockModels(model: string | undefined): MockReply {
  const id = model ?? 'mock-model';
  return json(200, { object: 'list', data: [{ id, object: 'model', created: 0, owned_by: 'agentgateway-mock' }] });
}

function validate(format: ApiFormat, body: Json): string | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return '`messages` must be a non-empty array';
  if (format === 'messages' && typeof body.max_tokens !== 'number') return '`max_tokens` is required';
  return undefined;
}

function json(status: number, value: Json): MockReply {
  return { status, contentType: 'application/json', events: [{ atMs: 0, data: JSON.stringify(value) }] };
}

/** Words with their leading space, a fair stand-in for tokens. */
export function splitTokens(text: string): string[] {
  return text.match(/\s*\S+/g) ?? [];
}

/** Rough prompt size (4 characters a token), enough for usage figures that move with input. */
function estimateTokens(body: Json): number {
  const chars = JSON.stringify(body.messages ?? '').length + (typeof body.system === 'string' ? body.system.length : 0);
  return Math.max(1, Math.ceil(chars / 4));
}

function timing(settings: MockSettings): (i: number) => number {
  const first = settings.firstTokenDelayMs ?? 0;
  const gap = settings.tokensPerSecond ? 1000 / settings.tokensPerSecond : 0;
  return (i) => first + Math.round(i * gap);
}

function completionsUsage(inputTokens: number, outputTokens: number): Json {
  return {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens,
    total_tokens: inputTokens + outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function completionsBody(model: string, text: string, outputTokens: number, inputTokens: number): Json {
  return {
    id: nextId('chatcmpl-mock'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text, refusal: null, annotations: [] },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: completionsUsage(inputTokens, outputTokens),
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
}

function completionsStream(model: string, tokens: string[], inputTokens: number, body: Json, settings: MockSettings): MockReply {
  const includeUsage = (body.stream_options as Json | undefined)?.include_usage === true;
  const head = {
    id: nextId('chatcmpl-mock'),
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_mock',
  };
  const usageNull = includeUsage ? { usage: null } : {};
  const chunk = (delta: Json, finish: string | null) =>
    `data: ${JSON.stringify({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...usageNull })}\n\n`;
  const at = timing(settings);
  const events: MockEvent[] = [{ atMs: at(0), data: chunk({ role: 'assistant', content: '', refusal: null }, null) }];
  tokens.forEach((t, i) => events.push({ atMs: at(i), data: chunk({ content: t }, null) }));
  const end = at(Math.max(0, tokens.length - 1));
  events.push({ atMs: end, data: chunk({}, 'stop') });
  if (includeUsage) {
    events.push({
      atMs: end,
      data: `data: ${JSON.stringify({ ...head, choices: [], usage: completionsUsage(inputTokens, tokens.length) })}\n\n`,
    });
  }
  events.push({ atMs: end, data: 'data: [DONE]\n\n' });
  return { status: 200, contentType: 'text/event-stream', events };
}

function messagesUsage(inputTokens: number, outputTokens: number): Json {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

function messagesBody(model: string, text: string, outputTokens: number, inputTokens: number): Json {
  return {
    id: nextId('msg_mock'),
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: messagesUsage(inputTokens, outputTokens),
  };
}

function messagesStream(model: string, tokens: string[], inputTokens: number, settings: MockSettings): MockReply {
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const at = timing(settings);
  const message = {
    id: nextId('msg_mock'),
    type: 'message',
    role: 'assistant',
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: messagesUsage(inputTokens, 1),
  };
  const events: MockEvent[] = [
    { atMs: at(0), data: ev('message_start', { message }) },
    { atMs: at(0), data: ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) },
    { atMs: at(0), data: ev('ping', {}) },
  ];
  tokens.forEach((t, i) =>
    events.push({ atMs: at(i), data: ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: t } }) }),
  );
  const end = at(Math.max(0, tokens.length - 1));
  events.push(
    { atMs: end, data: ev('content_block_stop', { index: 0 }) },
    {
      atMs: end,
      data: ev('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: tokens.length } }),
    },
    { atMs: end, data: ev('message_stop', {}) },
  );
  return { status: 200, contentType: 'text/event-stream', events };
}
