// Usage arithmetic between the formats and provider-error reading, including the odd bodies
// proxies and compatible servers send.
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import { clientStatus, readProviderError, statusForType, typeForStatus } from '../../../src/llm/formats/provider-errors.js';
import { completionsUsage, messagesUsage, usageFromCompletions, usageFromMessages } from '../../../src/llm/formats/usage.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('usage mapping', () => {
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
