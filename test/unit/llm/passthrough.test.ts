// Same-format streams: verbatim forwarding, the injected-usage chunk the client did not ask
// for, truncation and failure in the client's dialect, and the cheap watching path.
import { anthropicEvent } from '../../helpers/anthropic-events.js';
import { GatewayError } from '../../../src/errors.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import type { ApiFormat, StreamTransducer } from '../../../src/llm/convert/types.js';
import type { Usage } from '../../../src/llm/usage.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const str = (b: Uint8Array): string => Buffer.from(b).toString('utf8');
const chunk = (delta: object, finish: string | null = null): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [{ index: 0, delta, finish_reason: finish }], usage: null })}\n\n`;
const USAGE = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-x', choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } })}\n\n`;
const DONE = 'data: [DONE]\n\n';

interface Watch {
  t: StreamTransducer;
  usage: Usage[];
  models: string[];
  firstTokens: number;
}

function open(format: ApiFormat, includeUsage: boolean): Watch {
  const w: Watch = { t: undefined as never, usage: [], models: [], firstTokens: 0 };
  w.t = conversionFor(format, format).stream({
    includeUsage,
    onUsage: (u) => w.usage.push(u),
    onModel: (m) => w.models.push(m),
    onFirstToken: () => w.firstTokens++,
  });
  return w;
}

afterEach(() => vi.restoreAllMocks());

describe('completions pass-through', () => {
  it('forwards the upstream chunk itself when the client asked for usage', () => {
    const w = open('completions', true);
    const bytes = enc(': keep-alive\n\n' + chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Hi' }));
    expect(w.t.push(bytes)).toBe(bytes);
    expect(w.models).toEqual(['gpt-x']);
    expect(w.firstTokens).toBe(1);
  });

  it('drops the injected usage chunk when the client did not ask, but still reports usage', () => {
    const w = open('completions', false);
    const out = str(w.t.push(enc(chunk({ content: 'Hi' }) + chunk({}, 'stop') + USAGE + DONE)));
    expect(out).toBe(chunk({ content: 'Hi' }) + chunk({}, 'stop') + DONE);
    expect(w.usage).toEqual([{ inputTokens: 9, outputTokens: 3 }]);
    expect(str(w.t.end())).toBe('');
  });

  it('re-frames multi-line data as one data line per line', () => {
    const w = open('completions', false);
    expect(str(w.t.push(enc('data: {"a":\ndata: 1}\n\n')))).toBe('data: {"a":\ndata: 1}\n\n');
  });

  it('finds usage written Python-style (`": "` separators, trailing space) and in the finish chunk', () => {
    const w = open('completions', true);
    const py = (o: object) => `data: ${JSON.stringify(o).replaceAll('":', '": ').replaceAll(',"', ', "')} \n\n`;
    const head = { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'llama' };
    w.t.push(enc(py({ ...head, choices: [{ index: 0, delta: { content: 'Hi' }, finish_reason: null }] })));
    w.t.push(enc(py({ ...head, choices: [{ index: 0, delta: { content: '!' }, finish_reason: null }] })));
    w.t.push(
      enc(
        py({
          ...head,
          choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
        }),
      ),
    );
    expect(w.usage).toEqual([{ inputTokens: 5, outputTokens: 2 }]);
    // no [DONE], but the finish chunk was seen: a clean end
    expect(str(w.t.end())).toBe(DONE);
  });

  it('an upstream that stops after a content chunk with a null usage did not finish', () => {
    const w = open('completions', true);
    w.t.push(enc(chunk({ role: 'assistant', content: '' }) + chunk({ content: 'Hi' }) + chunk({ content: ' there' })));
    expect(str(w.t.end())).toContain('upstream stream ended before [DONE]');
  });

  it('parses only the frames it must: model, first token, usage', () => {
    const body =
      chunk({ role: 'assistant', content: '' }) +
      Array.from({ length: 200 }, (_, i) => chunk({ content: `w${i} "usage": {x} "error"` })).join('') +
      chunk({}, 'stop') +
      USAGE +
      DONE;
    const parse = vi.spyOn(JSON, 'parse');
    const w = open('completions', true);
    w.t.push(enc(body));
    w.t.end();
    // role chunk + first content chunk (model, first token) + the usage chunk
    expect(parse.mock.calls.length).toBe(3);
    expect(w.usage).toEqual([{ inputTokens: 9, outputTokens: 3 }]);
  });

  it('appends [DONE] when the upstream finished but closed without it', () => {
    const w = open('completions', true);
    w.t.push(enc(chunk({ content: 'Hi' }) + chunk({}, 'stop')));
    expect(str(w.t.end())).toBe(DONE);
  });

  it('ends a half-sent frame before its error event so the client can parse the error', () => {
    const w = open('completions', true);
    w.t.push(enc(chunk({ content: 'Hi' }) + 'data: {"id":"chatcmpl-1","cho'));
    const out = str(w.t.end());
    expect(out.startsWith('\n\ndata: {"error":')).toBe(true);
    expect(JSON.parse(out.trim().slice(6))).toEqual({
      error: {
        message: 'upstream stream ended before [DONE]',
        type: 'server_error',
        param: null,
        code: 'upstream_bad_response',
        reason: 'UpstreamFailure',
      },
    });
  });

  it('forwards an upstream error frame and adds nothing at the end', () => {
    const w = open('completions', false);
    const err = 'data: {"error":{"message":"boom","type":"server_error","param":null,"code":null}}\n\n';
    expect(str(w.t.push(enc(chunk({ content: 'Hi' }) + err)))).toBe(chunk({ content: 'Hi' }) + err);
    expect(str(w.t.end())).toBe('');
  });

  it('reports fail() in the OpenAI dialect', () => {
    const w = open('completions', true);
    w.t.push(enc(chunk({ content: 'Hi' })));
    expect(str(w.t.fail(new GatewayError('upstream_reset', 'connection reset')))).toBe(
      'data: {"error":{"message":"connection reset","type":"server_error","param":null,"code":"upstream_reset","reason":"UpstreamFailure"}}\n\n',
    );
    expect(str(w.t.end())).toBe('');
  });

  it('keeps usage on a chunk that also has choices (DeepSeek style)', () => {
    const w = open('completions', false);
    const last = `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'deepseek-chat', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } })}\n\n`;
    expect(str(w.t.push(enc(last + DONE)))).toBe(last + DONE);
    expect(w.usage).toEqual([{ inputTokens: 5, outputTokens: 1 }]);
  });
});

describe('messages pass-through', () => {
  const ev = anthropicEvent;
  const START = ev('message_start', {
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      content: [],
      model: 'claude-x',
      usage: { input_tokens: 10, cache_read_input_tokens: 5, output_tokens: 1 },
    },
  });

  it('forwards every byte and watches usage, model and first token', () => {
    const w = open('messages', false);
    const body = enc(
      START +
        ev('ping', {}) +
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) +
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'x' } }),
    );
    expect(w.t.push(body)).toBe(body);
    const tail = enc(ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 4 } }) + ev('message_stop', {}));
    expect(w.t.push(tail)).toBe(tail);
    expect(str(w.t.end())).toBe('');
    expect(w.models).toEqual(['claude-x']);
    expect(w.firstTokens).toBe(1);
    expect(w.usage.at(-1)).toEqual({ inputTokens: 15, outputTokens: 4, cacheReadTokens: 5 });
  });

  it('reports a stream without message_stop as an Anthropic error event', () => {
    const w = open('messages', false);
    w.t.push(enc(START));
    expect(str(w.t.end())).toBe(
      ev('error', {
        error: {
          type: 'api_error',
          message: 'upstream stream ended before message_stop',
          code: 'upstream_bad_response',
          reason: 'UpstreamFailure',
        },
      }),
    );
  });

  it('adds nothing after an upstream error event', () => {
    const w = open('messages', false);
    w.t.push(enc(START + ev('error', { error: { type: 'overloaded_error', message: 'Overloaded' } })));
    expect(str(w.t.end())).toBe('');
    expect(str(w.t.fail(new GatewayError('upstream_reset', 'reset')))).toBe('');
  });

  it("reports fail() with the kind's Anthropic type", () => {
    const w = open('messages', false);
    w.t.push(enc(START));
    expect(str(w.t.fail(new GatewayError('upstream_unreachable', 'unreachable')))).toBe(
      ev('error', { error: { type: 'api_error', message: 'unreachable', code: 'upstream_unreachable', reason: 'UpstreamFailure' } }),
    );
  });
});
