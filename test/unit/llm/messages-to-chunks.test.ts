// The Anthropic-events -> OpenAI-chunks state machine beyond the golden corpus: failure paths,
// usage accounting and the output contract (one buffer per push, nothing after the end).
import { anthropicEvent, messageStart } from '../../helpers/anthropic-events.js';
import { GatewayError } from '../../../src/errors.js';
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import type { StreamTransducer } from '../../../src/llm/convert/types.js';
import type { Usage } from '../../../src/llm/usage.js';
import { readOpenAiSse } from '../../golden/harness.js';

const enc = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const ev = anthropicEvent;
const START = messageStart();
const TEXT_START = ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
const delta = (text: string, index = 0): string => ev('content_block_delta', { index, delta: { type: 'text_delta', text } });

function open(includeUsage = true): { t: StreamTransducer; usage: Usage[] } {
  const usage: Usage[] = [];
  const t = conversionFor('completions', 'messages', { now: () => 1 }).stream({ includeUsage, onUsage: (u) => usage.push(u) });
  return { t, usage };
}

function frames(bytes: Uint8Array): unknown[] {
  return readOpenAiSse(Buffer.from(bytes));
}

describe('MessagesToChunks', () => {
  it('reports input usage at message_start, so an aborted stream still counts its prompt', () => {
    const { t, usage } = open();
    t.push(enc(START));
    expect(usage).toEqual([{ inputTokens: 25, outputTokens: 1 }]);
  });

  it('never lets a later zero replace the input tokens seen at message_start', () => {
    const { t, usage } = open();
    t.push(enc(START + TEXT_START + delta('hi')));
    const out = t.push(
      enc(
        ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 0, output_tokens: 7 } }) + ev('message_stop', {}),
      ),
    );
    expect(usage.at(-1)).toEqual({ inputTokens: 25, outputTokens: 7 });
    const usageChunk = frames(out).find((f) => typeof f === 'object' && (f as { choices: unknown[] }).choices.length === 0);
    expect(usageChunk).toMatchObject({ usage: { prompt_tokens: 25, completion_tokens: 7, total_tokens: 32 } });
  });

  it('emits one finish chunk even when several message_delta events arrive', () => {
    const { t } = open(false);
    const out = t.push(
      enc(
        START +
          TEXT_START +
          delta('a') +
          ev('message_delta', { delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 3 } }) +
          ev('message_delta', { delta: {}, usage: { output_tokens: 4 } }) +
          ev('message_stop', {}),
      ),
    );
    const finishes = frames(out).filter(
      (f) => typeof f === 'object' && (f as { choices: Array<{ finish_reason: unknown }> }).choices[0]?.finish_reason,
    );
    expect(finishes).toHaveLength(1);
    expect(finishes[0]).toMatchObject({ choices: [{ finish_reason: 'length' }] });
    expect(frames(out).at(-1)).toBe('[DONE]');
  });

  it('without include_usage writes no usage field and no usage chunk', () => {
    const { t } = open(false);
    const out = Buffer.from(
      t.push(
        enc(
          START +
            TEXT_START +
            delta('a') +
            ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }) +
            ev('message_stop', {}),
        ),
      ),
    );
    expect(out.toString()).not.toContain('"usage"');
  });

  it('turns fail() into an OpenAI error event and emits nothing afterwards', () => {
    const { t } = open();
    t.push(enc(START + TEXT_START + delta('partial')));
    const failed = frames(t.fail(new GatewayError('upstream_timeout', 'upstream timed out')));
    expect(failed).toEqual([
      { error: { message: 'upstream timed out', type: 'timeout', param: null, code: 'upstream_timeout', reason: 'Timeout' } },
    ]);
    expect(t.push(enc(delta('late')))).toHaveLength(0);
    expect(t.end()).toHaveLength(0);
  });

  it('does not add an error after a clean end', () => {
    const { t } = open();
    t.push(enc(START + ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 1 } }) + ev('message_stop', {})));
    expect(t.fail(new GatewayError('upstream_reset', 'socket closed'))).toHaveLength(0);
    expect(t.end()).toHaveLength(0);
  });

  it('maps upstream error event types to OpenAI types', () => {
    const cases: Array<[string, string]> = [
      ['overloaded_error', 'server_error'],
      ['rate_limit_error', 'rate_limit_error'],
      ['api_error', 'server_error'],
      ['invalid_request_error', 'invalid_request_error'],
      ['something_new', 'server_error'],
    ];
    for (const [anthropicType, openaiType] of cases) {
      const { t } = open();
      const out = frames(t.push(enc(START + ev('error', { error: { type: anthropicType, message: 'boom' } }))));
      expect(out.at(-1)).toEqual({ error: { message: 'boom', type: openaiType, param: null, code: null } });
      expect(out).not.toContain('[DONE]');
    }
  });

  it('treats a malformed frame as a broken upstream, not a crash', () => {
    const { t } = open();
    const out = frames(t.push(enc(START + 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,\n\n')));
    expect(out.at(-1)).toMatchObject({ error: { type: 'server_error', message: expect.stringContaining('malformed upstream stream') } });
    expect(t.end()).toHaveLength(0);
  });

  it('rejects content before message_start', () => {
    const { t } = open();
    const out = frames(t.push(enc(TEXT_START)));
    expect(out).toEqual([{ error: expect.objectContaining({ message: expect.stringContaining('before message_start') }) }]);
  });

  it('ignores server tool blocks, citations and unknown events', () => {
    const { t } = open(false);
    const out = frames(
      t.push(
        enc(
          START +
            ev('content_block_start', {
              index: 0,
              content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
            }) +
            ev('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: '{"query":"x"}' } }) +
            ev('content_block_stop', { index: 0 }) +
            ev('content_block_start', {
              index: 1,
              content_block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [] },
            }) +
            ev('content_block_stop', { index: 1 }) +
            ev('content_block_start', { index: 2, content_block: { type: 'text', text: '' } }) +
            ev('content_block_delta', { index: 2, delta: { type: 'citations_delta', citation: { type: 'web_search_result_location' } } }) +
            ev('content_block_delta', { index: 2, delta: { type: 'text_delta', text: 'Found it.' } }) +
            ev('brand_new_event', {}),
        ),
      ),
    );
    const deltas = out.map((f) => (f as { choices: Array<{ delta: object }> }).choices[0]!.delta);
    expect(deltas).toEqual([{ role: 'assistant', content: '' }, { content: 'Found it.' }]);
  });

  it('returns one Uint8Array per push and an empty one when nothing completed', () => {
    const { t } = open();
    const half = START.slice(0, 40);
    const first = t.push(enc(half));
    expect(first).toBeInstanceOf(Uint8Array);
    expect(first).toHaveLength(0);
    const second = t.push(enc(START.slice(40)));
    expect(second.length).toBeGreaterThan(0);
  });

  it('reports a truncated stream at end() even when the last frame was incomplete', () => {
    const { t } = open();
    t.push(enc(START + TEXT_START + 'event: content_block_delta\ndata: {"type":"content_bl'));
    expect(frames(t.end())).toEqual([
      { error: expect.objectContaining({ message: 'upstream stream ended before message_stop', type: 'server_error' }) },
    ]);
  });
});
