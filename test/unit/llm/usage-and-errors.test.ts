// Usage arithmetic between the formats and provider-error reading, including the odd bodies
// proxies and compatible servers send.
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import { clientStatus, readProviderError, statusForType, typeForStatus } from '../../../src/llm/formats/provider-errors.js';
import type { ChatCompletionChunk } from '../../../src/llm/formats/completions.js';
import {
  CompletionsUsageTally,
  completionsUsage,
  MessagesUsageTally,
  messagesUsage,
  usageFromCompletions,
  usageFromMessages,
} from '../../../src/llm/formats/usage.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('usage reports of one stream combine in one place', () => {
  it('Anthropic: later counters replace earlier ones, per field, never add', () => {
    const t = new MessagesUsageTally();
    t.add({ input_tokens: 34824, output_tokens: 1 }); // an all-inclusive early figure
    expect(t.add({ input_tokens: 3883, cache_read_input_tokens: 30464, output_tokens: 57 })).toEqual({
      inputTokens: 34347,
      outputTokens: 57,
      cacheReadTokens: 30464,
    });
  });

  it('Anthropic: an output-only delta keeps the input side of message_start', () => {
    const t = new MessagesUsageTally();
    t.add({ input_tokens: 10, cache_read_input_tokens: 900, cache_creation_input_tokens: 0, output_tokens: 1 });
    expect(t.add({ output_tokens: 40 })).toEqual({ inputTokens: 910, outputTokens: 40, cacheReadTokens: 900, cacheWriteTokens: 0 });
  });

  it('Anthropic: zero placeholders never erase counts already seen, and zeros first are replaced', () => {
    const t = new MessagesUsageTally();
    t.add({ input_tokens: 25, output_tokens: 1 });
    expect(t.add({ input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 })).toEqual({ inputTokens: 25, outputTokens: 1 });
    const z = new MessagesUsageTally();
    z.add({ input_tokens: 0, output_tokens: 0 });
    expect(z.add({ input_tokens: 5, output_tokens: 9 })).toEqual({ inputTokens: 5, outputTokens: 9 });
  });

  it('OpenAI-compatible: the latest snapshot wins, wherever the server put it', () => {
    const t = new CompletionsUsageTally();
    const chunk = (extra: Record<string, unknown>) =>
      ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', ...extra }) as ChatCompletionChunk;
    expect(t.add(chunk({ choices: [], usage: null }))).toBeNull();
    t.add(chunk({ choices: [], usage: { prompt_tokens: 21, completion_tokens: 1, total_tokens: 22 } }));
    expect(t.add(chunk({ choices: [], usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 } }))).toEqual({
      inputTokens: 21,
      outputTokens: 1,
    });
    const kimi = {
      index: 0,
      delta: {},
      finish_reason: 'stop',
      usage: { prompt_tokens: 30, completion_tokens: 4, total_tokens: 34, cached_tokens: 16 },
    };
    expect(t.add(chunk({ choices: [kimi] }))).toEqual({ inputTokens: 30, outputTokens: 4, cacheReadTokens: 16 });
    const groq = { usage: { prompt_tokens: 40, completion_tokens: 5, total_tokens: 45 } };
    expect(t.add(chunk({ choices: [], x_groq: groq }))).toEqual({ inputTokens: 40, outputTokens: 5 });
  });
});

describe('usage mapping', () => {
  it('reads DeepSeek and Moonshot cache hits as cache reads', () => {
    expect(usageFromCompletions({ prompt_tokens: 1520, completion_tokens: 8, total_tokens: 1528, prompt_cache_hit_tokens: 1408 })).toEqual({
      inputTokens: 1520,
      outputTokens: 8,
      cacheReadTokens: 1408,
    });
  });

  it('counts Anthropic cache reads and writes into the total prompt', () => {
    expect(
      usageFromMessages({ input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 5 }),
    ).toEqual({
      inputTokens: 130,
      outputTokens: 5,
      cacheReadTokens: 100,
      cacheWriteTokens: 20,
    });
  });

  it('writes OpenAI usage with cached tokens and the cache-write count kept', () => {
    expect(completionsUsage({ inputTokens: 130, outputTokens: 5, cacheReadTokens: 100, cacheWriteTokens: 20 })).toEqual({
      prompt_tokens: 130,
      completion_tokens: 5,
      total_tokens: 135,
      prompt_tokens_details: { cached_tokens: 100, cache_write_tokens: 20 },
      cache_read_input_tokens: 100,
      cache_creation_input_tokens: 20,
    });
  });

  it('subtracts cached parts for Anthropic input_tokens, saturating at zero', () => {
    expect(messagesUsage({ inputTokens: 130, outputTokens: 5, cacheReadTokens: 100, cacheWriteTokens: 20 })).toMatchObject({
      input_tokens: 10,
    });
    expect(messagesUsage({ inputTokens: 50, outputTokens: 5, cacheReadTokens: 100 })).toMatchObject({
      input_tokens: 0,
      cache_read_input_tokens: 100,
    });
  });

  it('reads cache writes and reasoning from either convention', () => {
    expect(
      usageFromCompletions({
        prompt_tokens: 10,
        completion_tokens: 4,
        total_tokens: 14,
        cache_read_input_tokens: 3,
        cache_creation_input_tokens: 2,
        completion_tokens_details: { reasoning_tokens: 1 },
      }),
    ).toEqual({
      inputTokens: 10,
      outputTokens: 4,
      cacheReadTokens: 3,
      cacheWriteTokens: 2,
      reasoningTokens: 1,
    });
  });

  it('ignores junk counters', () => {
    expect(usageFromMessages({ input_tokens: -3, output_tokens: Number.NaN })).toEqual({ inputTokens: 0, outputTokens: 0 });
  });
});

describe('provider errors', () => {
  it('keeps a plain-text body as the message and caps very long ones', () => {
    expect(readProviderError(502, bytes('bad gateway\n'))).toEqual({ status: 502, type: 'api_error', message: 'bad gateway' });
    const long = readProviderError(500, bytes('x'.repeat(5000)));
    expect(long.message.length).toBeLessThan(2100);
  });

  it('says which status an empty body came with', () => {
    expect(readProviderError(503, new Uint8Array(0))).toEqual({
      status: 503,
      type: 'overloaded_error',
      message: 'upstream returned HTTP 503',
    });
  });

  it('reads string errors and vLLM error objects', () => {
    expect(readProviderError(400, bytes('{"error":"model is required"}')).message).toBe('model is required');
    expect(
      readProviderError(400, bytes('{"object":"error","message":"max_tokens too large","type":"BadRequestError","param":null,"code":400}')),
    ).toEqual({
      status: 400,
      type: 'invalid_request_error',
      message: 'max_tokens too large',
    });
  });

  it('uses the status over OpenAI’s generic invalid_request_error label', () => {
    expect(readProviderError(404, bytes('{"error":{"message":"no such model","type":"invalid_request_error"}}')).type).toBe(
      'not_found_error',
    );
  });

  it('maps statuses between dialects', () => {
    expect(clientStatus('openai', 529)).toBe(503);
    expect(clientStatus('anthropic', 529)).toBe(529);
    expect(clientStatus('openai', 200)).toBe(502);
    expect(typeForStatus(408)).toBe('timeout_error');
    expect(statusForType('rate_limit_error')).toBe(429);
  });

  it('turns a 529 from Anthropic into a 503 for OpenAI clients with the message kept', () => {
    const e = conversionFor('completions', 'messages').error(
      529,
      bytes('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}'),
    );
    expect(e).toEqual({ status: 503, body: { error: { message: 'Overloaded', type: 'server_error', param: null, code: null } } });
  });

  it('wraps a non-dialect JSON error from a same-format provider', () => {
    const e = conversionFor('messages', 'messages').error(500, bytes('{"detail":"Internal Server Error"}'));
    expect(e).toEqual({
      status: 500,
      body: { type: 'error', error: { type: 'api_error', message: '{"detail":"Internal Server Error"}' } },
    });
  });
});
