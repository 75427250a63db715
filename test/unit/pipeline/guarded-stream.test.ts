// Response masking on streams, after the conversion: an email split across three upstream
// events is masked in the client's events and no event carries a piece of it, for an OpenAI
// client on Anthropic and an Anthropic client on Anthropic.
import { anthropicEvent, messageStart } from '../../helpers/anthropic-events.js';
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import { GuardedStream } from '../../../src/pipeline/guarded-stream.js';
import { HeldStream } from '../../../src/pipeline/held-stream.js';
import type { PromptGuardPolicy } from '../../../src/policies/prompt-guard/guard.js';
import { BUILTIN_DETECTORS } from '../../../src/policies/prompt-guard/builtins.js';

const ev = anthropicEvent;
const PIECES = ['Write to jane.d', 'oe@exam', 'ple.com', ' today.'];
const anthropicEvents = [
  messageStart({ input_tokens: 5, output_tokens: 1 }, 'claude'),
  ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  ...PIECES.map((text) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text } })),
  ev('content_block_stop', { index: 0 }),
  ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } }),
  ev('message_stop', {}),
];

function run(client: 'completions' | 'messages', noted: string[] = []): string[] {
  const inner = conversionFor(client, 'messages').stream({ includeUsage: false, onUsage: () => {} });
  const g = new GuardedStream(
    inner,
    { mask: [BUILTIN_DETECTORS.email], reject: [] },
    client,
    client === 'messages' ? 'anthropic' : 'openai',
    (a) => noted.push(a),
  );
  const out = anthropicEvents.map((e) => Buffer.from(g.push(Buffer.from(e))).toString());
  out.push(Buffer.from(g.end()).toString());
  return out;
}

function text(out: string[], client: 'completions' | 'messages'): string {
  let t = '';
  for (const line of out.join('').split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const j = JSON.parse(line.slice(6));
    t += client === 'completions' ? (j.choices?.[0]?.delta?.content ?? '') : j.type === 'content_block_delta' ? j.delta.text : '';
  }
  return t;
}

describe('GuardedStream', () => {
  for (const client of ['completions', 'messages'] as const) {
    it(`${client} client: the split email is masked and never sent in pieces`, () => {
      const out = run(client);
      expect(text(out, client)).toBe('Write to <EMAIL_ADDRESS> today.');
      for (const o of out) for (const piece of ['jane', 'oe@exam', 'example', 'ple.com']) expect(o).not.toContain(piece);
      expect(out.join('')).toContain(client === 'completions' ? 'data: [DONE]' : 'event: message_stop');
    });

    it(`${client} client: the mask is reported once as a guard action when the stream ends`, () => {
      const noted: string[] = [];
      run(client, noted);
      expect(noted).toEqual(['response: mask (regex, streamed)']);
    });
  }

  it('a reject rule ends the stream with an error event in the client dialect', () => {
    const inner = conversionFor('completions', 'messages').stream({ includeUsage: false, onUsage: () => {} });
    const rejection = { status: 403, message: 'no emails here', headers: [] };
    const g = new GuardedStream(
      inner,
      { mask: [], reject: [{ detectors: [BUILTIN_DETECTORS.email], rejection }] },
      'completions',
      'openai',
    );
    const out = anthropicEvents.map((e) => Buffer.from(g.push(Buffer.from(e))).toString()).join('');
    expect(g.stopped).toBe(true);
    expect(out).toContain('"message":"no emails here"');
    expect(out).not.toContain('jane');
    expect(out).not.toContain('[DONE]');
  });
});

describe('GuardedStream and HeldStream for Responses clients', () => {
  const text = (out: string): { deltas: string; done: string[] } => {
    const evs = out
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)));
    return {
      deltas: evs
        .filter((e) => e.type === 'response.output_text.delta')
        .map((e) => e.delta)
        .join(''),
      done: [
        ...evs.filter((e) => e.type === 'response.output_text.done').map((e) => e.text),
        ...evs.filter((e) => e.type === 'response.completed').map((e) => e.response.output[0].content[0].text),
      ],
    };
  };
  const responses = () =>
    conversionFor('responses', 'messages').stream({ includeUsage: true, onUsage: () => {}, request: { model: 'claude', input: 'hi' } });

  it('regex masking: the deltas split at every upstream byte, and the whole-text copies, are masked', () => {
    const all = Buffer.from(anthropicEvents.join(''));
    for (let i = 1; i < all.length; i += 7) {
      const g = new GuardedStream(responses(), { mask: [BUILTIN_DETECTORS.email], reject: [] }, 'responses', 'openai');
      const out =
        [all.subarray(0, i), all.subarray(i)].map((c) => Buffer.from(g.push(c)).toString()).join('') + Buffer.from(g.end()).toString();
      expect(text(out)).toEqual({
        deltas: 'Write to <EMAIL_ADDRESS> today.',
        done: ['Write to <EMAIL_ADDRESS> today.', 'Write to <EMAIL_ADDRESS> today.'],
      });
      expect(out).not.toContain('jane');
    }
  });

  it('a webhook-held stream: a masked answer replaces the deltas and the whole-text copies', async () => {
    const policy = { guardAnswerText: (t: string) => t.replace('jane.doe@example.com', '[redacted]') } as unknown as PromptGuardPolicy;
    const h = new HeldStream(responses(), policy, 'responses', 'openai');
    for (const e of anthropicEvents) h.push(Buffer.from(e));
    h.end();
    const out = Buffer.from(await h.release()).toString();
    expect(text(out)).toEqual({ deltas: 'Write to [redacted] today.', done: ['Write to [redacted] today.', 'Write to [redacted] today.'] });
    expect(out).not.toContain('jane');
  });
});
