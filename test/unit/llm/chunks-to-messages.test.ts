// The OpenAI-chunks -> Anthropic-events state machine beyond the golden corpus: compatible
// servers' variations (no tool index, reused index, usage on the finish chunk, errors in
// vLLM's shape), interleaved tool arguments, and failure paths.
import { GatewayError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import type { StreamTransducer } from '../../../src/llm/convert/types.js';
import type { Usage } from '../../../src/llm/usage.js';
import { assembleMessages } from '../../golden/accumulate.js';
import { readAnthropicSse, type AnthropicEvent } from '../../golden/harness.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const chunk = (delta: object, finish: string | null = null, extra: object = {}): string =>
  `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
const DONE = 'data: [DONE]\n\n';

function open(): { t: StreamTransducer; usage: Usage[] } {
  const usage: Usage[] = [];
  let n = 0;
  const t = conversionFor('messages', 'completions', { newId: (p) => `${p}gen${++n}` }).stream({
    includeUsage: false,
    onUsage: (u) => usage.push(u),
  });
  return { t, usage };
}

function events(bytes: Uint8Array): AnthropicEvent[] {
  return readAnthropicSse(Buffer.from(bytes));
}

describe('ChunksToMessages', () => {
  it('separates tool calls sent without an index (some OpenAI-compatible servers)', () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(
          chunk({ role: 'assistant', tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'f', arguments: '{"x":1}' } }] }) +
            chunk({ tool_calls: [{ id: 'call_b', type: 'function', function: { name: 'g', arguments: '{"y":' } }] }) +
            chunk({ tool_calls: [{ function: { arguments: '2}' } }] }) +
            chunk({}, 'tool_calls') +
            DONE,
        ),
      ),
    );
    const msg = assembleMessages(out);
    expect(msg.blocks).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'f', json: '{"x":1}' },
      { type: 'tool_use', id: 'call_b', name: 'g', json: '{"y":2}' },
    ]);
    expect(msg.stop).toBe('tool_use');
  });

  it('starts a new block when a server reuses index 0 with a new id', () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(
          chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{}' } }] }) +
            chunk({ tool_calls: [{ index: 0, id: 'call_b', function: { name: 'g', arguments: '{}' } }] }) +
            chunk({}, 'tool_calls') +
            DONE,
        ),
      ),
    );
    expect(assembleMessages(out).blocks.map((b) => (b.type === 'tool_use' ? b.id : b.type))).toEqual(['call_a', 'call_b']);
  });

  it('keeps interleaved arguments on their own call', () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(
          chunk({ tool_calls: [{ index: 0, id: 'call_a', function: { name: 'f', arguments: '{"a":' } }] }) +
            chunk({ tool_calls: [{ index: 1, id: 'call_b', function: { name: 'g', arguments: '{"b":2}' } }] }) +
            chunk({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }) +
            chunk({}, 'tool_calls') +
            DONE,
        ),
      ),
    );
    const tools = assembleMessages(out).blocks;
    expect(tools).toEqual([
      { type: 'tool_use', id: 'call_a', name: 'f', json: '{"a":1}' },
      { type: 'tool_use', id: 'call_b', name: 'g', json: '{"b":2}' },
    ]);
  });

  it('gives calls without an id a generated toolu_ id', () => {
    const { t } = open();
    const out = events(
      t.push(enc(chunk({ tool_calls: [{ index: 0, function: { name: 'f', arguments: '{}' } }] }) + chunk({}, 'tool_calls') + DONE)),
    );
    expect(assembleMessages(out).blocks[0]).toMatchObject({ type: 'tool_use', id: 'toolu_gen1', name: 'f' });
  });

  it("reads OpenRouter's `reasoning` field as thinking and keeps a signature extension", () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(
          chunk({ reasoning: 'think' }) + chunk({ reasoning_signature: 'sig' }) + chunk({ content: 'answer' }) + chunk({}, 'stop') + DONE,
        ),
      ),
    );
    expect(assembleMessages(out).blocks).toEqual([
      { type: 'thinking', thinking: 'think', signature: 'sig' },
      { type: 'text', text: 'answer' },
    ]);
  });

  it('turns a refusal into text and content_filter into stop_reason refusal', () => {
    const { t } = open();
    const msg = assembleMessages(events(t.push(enc(chunk({ refusal: "I can't help with that." }) + chunk({}, 'content_filter') + DONE))));
    expect(msg.blocks).toEqual([{ type: 'text', text: "I can't help with that." }]);
    expect(msg.stop).toBe('refusal');
  });

  it('accepts a usage chunk with choices null (vLLM) and reports exact usage', () => {
    const { t, usage } = open();
    const usageChunk = `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: null, usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12, prompt_tokens_details: { cached_tokens: 4 } } })}\n\n`;
    const msg = assembleMessages(events(t.push(enc(chunk({ content: 'x' }) + chunk({}, 'stop') + usageChunk + DONE))));
    expect(usage).toEqual([{ inputTokens: 10, outputTokens: 2, cacheReadTokens: 4 }]);
    expect(msg.usage).toMatchObject({ input_tokens: 6, cache_read_input_tokens: 4, output_tokens: 2 });
  });

  it("converts vLLM's error object mid-stream into an Anthropic error event", () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(
          chunk({ content: 'x' }) +
            `data: {"object":"error","message":"out of memory","type":"InternalServerError","param":null,"code":500}\n\n`,
        ),
      ),
    );
    expect(out.at(-1)).toEqual({ event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'out of memory' } } });
    expect(t.end()).toHaveLength(0);
  });

  it('maps an OpenAI rate limit error event to rate_limit_error', () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(
          chunk({ content: 'x' }) +
            `data: {"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}\n\n`,
        ),
      ),
    );
    expect(out.at(-1)!.data).toEqual({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  });

  it("reports fail() as an Anthropic error event with the kind's type, code and reason", () => {
    const { t } = open();
    t.push(enc(chunk({ content: 'x' })));
    expect(events(t.fail(new GatewayError('upstream_timeout', 'upstream timed out')))).toEqual([
      {
        event: 'error',
        data: {
          type: 'error',
          error: { type: 'timeout_error', message: 'upstream timed out', code: 'upstream_timeout', reason: 'Timeout' },
        },
      },
    ]);
    expect(t.push(enc(DONE))).toHaveLength(0);
  });

  it('refuses a [DONE] that no chunk preceded', () => {
    const { t } = open();
    const out = events(t.push(enc(DONE)));
    expect(out).toEqual([
      {
        event: 'error',
        data: {
          type: 'error',
          error: {
            type: 'api_error',
            message: expect.stringContaining('without any completion chunk'),
            code: 'upstream_bad_response',
            reason: 'UpstreamFailure',
          },
        },
      },
    ]);
  });

  it('reports an empty upstream as truncated', () => {
    const { t } = open();
    expect(events(t.end())).toEqual([
      {
        event: 'error',
        data: {
          type: 'error',
          error: {
            type: 'api_error',
            message: 'upstream stream ended before finish_reason and [DONE]',
            code: 'upstream_bad_response',
            reason: 'UpstreamFailure',
          },
        },
      },
    ]);
  });

  it('closes the open block before the next kind starts', () => {
    const { t } = open();
    const out = events(
      t.push(
        enc(chunk({ reasoning_content: 'r' }) + chunk({ content: 't' }) + chunk({ reasoning_content: 'r2' }) + chunk({}, 'stop') + DONE),
      ),
    );
    expect(out.map((e) => `${e.event}${'index' in e.data ? `:${String(e.data.index)}` : ''}`)).toEqual([
      'message_start',
      'content_block_start:0',
      'content_block_delta:0',
      'content_block_stop:0',
      'content_block_start:1',
      'content_block_delta:1',
      'content_block_stop:1',
      'content_block_start:2',
      'content_block_delta:2',
      'content_block_stop:2',
      'message_delta',
      'message_stop',
    ]);
  });
});
