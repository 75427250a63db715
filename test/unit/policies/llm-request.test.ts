// policies.ai request shaping: model aliases with wildcards, defaults, overrides, prompts in
// both client formats.
import { describe, expect, it } from 'vitest';
import { compileAliases, resolveAlias, shapeBody, type LlmRequestShaping } from '../../../src/policies/llm-request.js';

describe('modelAliases', () => {
  const a = compileAliases({ fast: 'gpt-4o-mini', 'claude-*': 'claude-sonnet-4-5', 'claude-3-*': 'claude-3-5-haiku', '*': 'gpt-4o' });
  it('exact names first, then the most specific (longest) pattern', () => {
    expect(resolveAlias(a, 'fast')).toBe('gpt-4o-mini');
    expect(resolveAlias(a, 'claude-3-opus')).toBe('claude-3-5-haiku');
    expect(resolveAlias(a, 'claude-opus-4')).toBe('claude-sonnet-4-5');
    expect(resolveAlias(a, 'anything')).toBe('gpt-4o');
  });
  it('regex characters in a pattern are literal', () => {
    const b = compileAliases({ 'gpt-4.1*': 'x' });
    expect(resolveAlias(b, 'gpt-4.1-mini')).toBe('x');
    expect(resolveAlias(b, 'gpt-4x1')).toBe('gpt-4x1');
  });
});

const shaping = (over: Partial<LlmRequestShaping>): LlmRequestShaping => ({
  aliases: null,
  defaults: null,
  overrides: null,
  prepend: [],
  append: [],
  ...over,
});

describe('shapeBody', () => {
  it('defaults fill only what is absent; overrides always win', () => {
    const body: Record<string, unknown> = { temperature: 0.9, messages: [] };
    shapeBody(shaping({ defaults: { temperature: 0.1, top_p: 0.5 }, overrides: { max_tokens: 64 } }), body, 'completions');
    expect(body).toEqual({ temperature: 0.9, top_p: 0.5, max_tokens: 64, messages: [] });
  });

  it('completions: prompts become messages around the client messages', () => {
    const body = { messages: [{ role: 'user', content: 'hi' }] };
    shapeBody(
      shaping({ prepend: [{ role: 'system', content: 'Be brief.' }], append: [{ role: 'user', content: 'Answer in French.' }] }),
      body,
      'completions',
    );
    expect(body.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'hi' },
      { role: 'user', content: 'Answer in French.' },
    ]);
  });

  it('messages: system prompts join the system field (string or blocks), others become messages', () => {
    const s = shaping({
      prepend: [
        { role: 'system', content: 'A' },
        { role: 'user', content: 'ctx' },
      ],
      append: [{ role: 'system', content: 'Z' }],
    });
    const str: Record<string, unknown> = { system: 'client', messages: [{ role: 'user', content: 'hi' }] };
    shapeBody(s, str, 'messages');
    expect(str.system).toBe('A\nclient\nZ');
    expect(str.messages).toEqual([
      { role: 'user', content: 'ctx' },
      { role: 'user', content: 'hi' },
    ]);
    const blocks: Record<string, unknown> = { system: [{ type: 'text', text: 'client' }], messages: [] };
    shapeBody(s, blocks, 'messages');
    expect(blocks.system).toEqual([
      { type: 'text', text: 'A' },
      { type: 'text', text: 'client' },
      { type: 'text', text: 'Z' },
    ]);
  });
});
