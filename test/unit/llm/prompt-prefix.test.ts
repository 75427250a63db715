// The stable prefix a session key is made from: the same for every turn of a conversation, different
// across conversations, bounded in the work it does.
import { describe, expect, it } from 'vitest';
import { promptPrefixText } from '../../../src/llm/prompt-prefix.js';

const S = { messages: 1, maxChars: 16_384 };
const tools = [
  { name: 'read_file', description: 'Reads a file', input_schema: { type: 'object', properties: { path: { type: 'string' } } } },
];

/** An Anthropic conversation after `turns` exchanges, with Claude Code's moving cache marker. */
function anthropicTurn(first: string, turns: number, system = 'You are a coding agent.') {
  const messages: Record<string, unknown>[] = [{ role: 'user', content: [{ type: 'text', text: first }] }];
  for (let t = 1; t <= turns; t++) {
    messages.push({ role: 'assistant', content: [{ type: 'text', text: `answer ${t}` }] });
    messages.push({ role: 'user', content: [{ type: 'text', text: `follow-up ${t}` }] });
  }
  const last = messages.at(-1)!.content as Record<string, unknown>[];
  last[0]!.cache_control = { type: 'ephemeral' };
  return { model: 'claude', max_tokens: 100, system, tools, messages };
}

function openaiTurn(first: string, turns: number) {
  const messages: Record<string, unknown>[] = [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: first },
  ];
  for (let t = 1; t <= turns; t++) messages.push({ role: 'assistant', content: `a${t}` }, { role: 'user', content: `u${t}` });
  return { model: 'gpt', messages, tools: [{ type: 'function', function: { name: 'read_file', parameters: {} } }] };
}

describe('prompt prefix', () => {
  it('is the same for every turn of a conversation, in both formats', () => {
    const a = promptPrefixText(anthropicTurn('fix the bug in parser.ts', 0), 'messages', S);
    for (let t = 1; t < 6; t++) expect(promptPrefixText(anthropicTurn('fix the bug in parser.ts', t), 'messages', S)).toBe(a);
    const o = promptPrefixText(openaiTurn('hello', 0), 'completions', S);
    for (let t = 1; t < 6; t++) expect(promptPrefixText(openaiTurn('hello', t), 'completions', S)).toBe(o);
    expect(a).toContain('You are a coding agent.');
    expect(a).toContain('read_file');
  });

  it('differs between conversations, system prompts and tool lists', () => {
    const base = promptPrefixText(anthropicTurn('task one', 2), 'messages', S);
    expect(promptPrefixText(anthropicTurn('task two', 2), 'messages', S)).not.toBe(base);
    expect(promptPrefixText(anthropicTurn('task one', 2, 'Another agent.'), 'messages', S)).not.toBe(base);
    expect(promptPrefixText({ ...anthropicTurn('task one', 2), tools: [] }, 'messages', S)).not.toBe(base);
  });

  it('includes more messages when asked (a fixed few-shot preamble)', () => {
    const two = { messages: 2, maxChars: 16_384 };
    expect(promptPrefixText(openaiTurn('q', 1), 'completions', two)).toContain('a1');
    expect(promptPrefixText(openaiTurn('q', 1), 'completions', S)).not.toContain('a1');
  });

  it('reads at most maxChars, half from each end, so a long shared preamble does not hide the conversation', () => {
    const system = 'x'.repeat(200_000);
    const a = promptPrefixText(anthropicTurn('task A', 1, system), 'messages', S);
    const b = promptPrefixText(anthropicTurn('task B', 1, system), 'messages', S);
    expect(a.length).toBeLessThanOrEqual(S.maxChars + 1);
    expect(a).not.toBe(b);
    expect(a).toContain('task A');
  });

  it('is empty without a prompt, and takes an OpenAI prompt without system messages', () => {
    expect(promptPrefixText({ model: 'm' }, 'messages', S)).toBe('');
    expect(promptPrefixText({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, 'completions', S)).toContain('hi');
  });
});
