// The native Converse watch on detect routes: model from the path, usage from the JSON response
// and from the ConverseStream metadata event under any chunking, the first token at the first
// contentBlockDelta, and a corrupt stream that only stops the watching.
import { describe, expect, it } from 'vitest';
import { encodeConverseEvent, encodeConverseException } from '../../../src/llm/stream/eventstream.js';
import { ConverseStreamWatch, converseModelFromPath, readConverseResponse } from '../../../src/llm/stream/converse-watch.js';
import type { Usage } from '../../../src/llm/usage.js';

const USAGE = { inputTokens: 21, outputTokens: 9, totalTokens: 1054, cacheReadInputTokens: 1024, cacheWriteInputTokens: 0 };
const EXPECTED: Usage = { inputTokens: 1045, outputTokens: 9, cacheReadTokens: 1024, cacheWriteTokens: 0 };

const STREAM = Buffer.concat([
  encodeConverseEvent('messageStart', { role: 'assistant' }),
  encodeConverseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }),
  encodeConverseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'lo' } }),
  encodeConverseEvent('contentBlockStop', { contentBlockIndex: 0 }),
  encodeConverseEvent('messageStop', { stopReason: 'end_turn' }),
  encodeConverseEvent('metadata', { usage: USAGE, metrics: { latencyMs: 411 } }),
]);

function watch(chunks: Buffer[]): { usage: Usage[]; firstTokens: number } {
  const seen = { usage: [] as Usage[], firstTokens: 0 };
  const w = new ConverseStreamWatch({ onUsage: (u) => seen.usage.push(u), onFirstToken: () => seen.firstTokens++ });
  for (const c of chunks) w.push(c);
  w.end();
  return seen;
}

describe('converse watch', () => {
  it('reads the model id from Converse and ConverseStream paths, percent-decoded', () => {
    expect(converseModelFromPath('/bedrock/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse')).toBe(
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    );
    expect(converseModelFromPath('/model/amazon.nova-pro-v1:0/converse-stream')).toBe('amazon.nova-pro-v1:0');
    expect(converseModelFromPath('/model/amazon.titan-embed-text-v2:0/invoke')).toBeNull();
    expect(converseModelFromPath('/model/%E0%A4%A/converse')).toBeNull();
    expect(converseModelFromPath('/v1/chat/completions')).toBeNull();
  });

  it('reads usage from a Converse JSON response, cached tokens in the prompt', () => {
    const seen: Usage[] = [];
    readConverseResponse(
      { output: { message: { role: 'assistant', content: [] } }, usage: USAGE },
      { onUsage: (u) => seen.push(u), onFirstToken: () => {} },
    );
    expect(seen).toEqual([EXPECTED]);
  });

  it('reads the stream whole, split at every byte, and byte by byte', () => {
    expect(watch([STREAM])).toEqual({ usage: [EXPECTED], firstTokens: 1 });
    for (let i = 1; i < STREAM.length; i++) {
      expect(watch([STREAM.subarray(0, i), STREAM.subarray(i)])).toEqual({ usage: [EXPECTED], firstTokens: 1 });
    }
    expect(watch([...STREAM].map((b) => Buffer.from([b])))).toEqual({ usage: [EXPECTED], firstTokens: 1 });
  });

  it('never changes the bytes it is given', () => {
    const copy = Buffer.from(STREAM);
    watch([STREAM.subarray(0, 100), STREAM.subarray(100)]);
    expect(STREAM.equals(copy)).toBe(true);
  });

  it('an exception reports nothing; a corrupt message stops the watching without throwing', () => {
    const exception = Buffer.from(encodeConverseException('throttlingException', 'slow down'));
    expect(watch([exception])).toEqual({ usage: [], firstTokens: 0 });
    const corrupt = Buffer.from(STREAM);
    corrupt[9] = corrupt[9]! ^ 0xff; // the first prelude's checksum
    expect(watch([corrupt])).toEqual({ usage: [], firstTokens: 0 });
  });
});
