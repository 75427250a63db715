// The native InvokeModel watch (Bedrock passthrough and detect routes): usage from Bedrock's
// token-count headers, or a Claude body's usage; InvokeModelWithResponseStream's `chunk` events
// (base64 JSON) read whole, split at every byte and byte by byte, usage from the last chunk's
// invocation metrics (cache included), the model from Claude's message_start, the first token at
// the first delta; a corrupt stream only stops the watching.
import { describe, expect, it } from 'vitest';
import { encodeConverseEvent, encodeConverseException } from '../../../src/llm/stream/eventstream.js';
import { bedrockCallFromPath } from '../../../src/llm/stream/converse-watch.js';
import { InvokeStreamWatch, readInvokeResponse, usageFromInvokeHeaders } from '../../../src/llm/stream/invoke-watch.js';
import type { Usage } from '../../../src/llm/usage.js';

const EXPECTED: Usage = { inputTokens: 1045, outputTokens: 9, cacheReadTokens: 1024, cacheWriteTokens: 0 };
const chunk = (payload: unknown) =>
  encodeConverseEvent('chunk', { bytes: Buffer.from(JSON.stringify(payload)).toString('base64'), p: 'abcdefg' });
const METRICS = {
  inputTokenCount: 21,
  outputTokenCount: 9,
  invocationLatency: 411,
  firstByteLatency: 120,
  cacheReadInputTokenCount: 1024,
  cacheWriteInputTokenCount: 0,
};

const CLAUDE = Buffer.concat([
  chunk({ type: 'message_start', message: { model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 21, output_tokens: 1 } } }),
  chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
  chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } }),
  chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } }),
  chunk({ type: 'content_block_stop', index: 0 }),
  chunk({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }),
  chunk({ type: 'message_stop', 'amazon-bedrock-invocationMetrics': METRICS }),
]);
// A Titan Text stream: no `type`, every chunk carries text, the last the metrics.
const TITAN = Buffer.concat([
  chunk({ outputText: 'Hel', index: 0, totalOutputTextTokenCount: null, completionReason: null }),
  chunk({
    outputText: 'lo',
    index: 0,
    completionReason: 'FINISH',
    'amazon-bedrock-invocationMetrics': { inputTokenCount: 5, outputTokenCount: 2 },
  }),
]);

type Seen = { usage: Usage[]; firstTokens: number; models: string[] };
function watch(chunks: Buffer[]): Seen {
  const seen: Seen = { usage: [], firstTokens: 0, models: [] };
  const w = new InvokeStreamWatch({
    onUsage: (u) => seen.usage.push(u),
    onFirstToken: () => seen.firstTokens++,
    onModel: (m) => seen.models.push(m),
  });
  for (const c of chunks) w.push(c);
  w.end();
  return seen;
}

const hdr = (pairs: Record<string, string>) => Object.entries(pairs).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);

describe('invoke watch', () => {
  it('names the operation and model of every native Bedrock path', () => {
    expect(bedrockCallFromPath('/bedrock/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke')).toEqual({
      model: 'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      op: 'invoke',
    });
    expect(bedrockCallFromPath('/model/amazon.titan-text-express-v1/invoke-with-response-stream')?.op).toBe('invoke-with-response-stream');
    expect(bedrockCallFromPath('/model/m/converse-stream')?.op).toBe('converse-stream');
    expect(bedrockCallFromPath('/model/m/count-tokens')).toBeNull();
  });

  it('reads usage from the token-count headers, cache included; none without them', () => {
    const raw = hdr({
      'content-type': 'application/json',
      'X-Amzn-Bedrock-Input-Token-Count': '21',
      'X-Amzn-Bedrock-Output-Token-Count': '9',
      'X-Amzn-Bedrock-Cache-Read-Input-Token-Count': '1024',
      'X-Amzn-Bedrock-Cache-Write-Input-Token-Count': '0',
    });
    expect(usageFromInvokeHeaders(raw)).toEqual(EXPECTED);
    expect(usageFromInvokeHeaders(hdr({ 'x-amzn-bedrock-input-token-count': '7' }))).toEqual({ inputTokens: 7, outputTokens: 0 });
    expect(usageFromInvokeHeaders(hdr({ 'content-type': 'application/json' }))).toBeNull();
  });

  it('reads a Claude body when the headers say nothing', () => {
    const seen: Seen = { usage: [], firstTokens: 0, models: [] };
    readInvokeResponse(
      {
        type: 'message',
        model: 'claude-x',
        usage: { input_tokens: 21, output_tokens: 9, cache_read_input_tokens: 1024, cache_creation_input_tokens: 0 },
      },
      { onUsage: (u) => seen.usage.push(u), onFirstToken: () => {}, onModel: (m) => seen.models.push(m) },
    );
    expect(seen.usage).toEqual([EXPECTED]);
    expect(seen.models).toEqual(['claude-x']);
  });

  it('reads a Claude stream whole, split at every byte, and byte by byte', () => {
    const want: Seen = { usage: [EXPECTED], firstTokens: 1, models: ['claude-sonnet-4-5-20250929'] };
    expect(watch([CLAUDE])).toEqual(want);
    for (let i = 1; i < CLAUDE.length; i++) expect(watch([CLAUDE.subarray(0, i), CLAUDE.subarray(i)])).toEqual(want);
    expect(watch([...CLAUDE].map((b) => Buffer.from([b])))).toEqual(want);
  });

  it('reads a stream of a model without event types (Titan): first token at the first chunk', () => {
    const want: Seen = { usage: [{ inputTokens: 5, outputTokens: 2 }], firstTokens: 1, models: [] };
    for (let i = 1; i < TITAN.length; i++) expect(watch([TITAN.subarray(0, i), TITAN.subarray(i)])).toEqual(want);
  });

  it('never changes the bytes; an exception reports nothing; a corrupt message stops the watching', () => {
    const copy = Buffer.from(CLAUDE);
    watch([CLAUDE.subarray(0, 100), CLAUDE.subarray(100)]);
    expect(CLAUDE.equals(copy)).toBe(true);
    expect(watch([Buffer.from(encodeConverseException('modelStreamErrorException', 'boom'))])).toEqual({
      usage: [],
      firstTokens: 0,
      models: [],
    });
    const corrupt = Buffer.from(CLAUDE);
    corrupt[9] = corrupt[9]! ^ 0xff;
    expect(watch([corrupt])).toEqual({ usage: [], firstTokens: 0, models: [] });
  });
});
