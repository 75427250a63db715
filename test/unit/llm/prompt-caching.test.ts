// promptCaching: breakpoints placed in the provider's format, within the 4-breakpoint budget,
// above minTokens, never twice, never mutating the client's body.
import { describe, expect, it } from 'vitest';
import { applyPromptCaching, PROMPT_CACHING_DEFAULTS, type PromptCaching } from '../../../src/llm/prompt-caching.js';

const ALL: PromptCaching = { ...PROMPT_CACHING_DEFAULTS, cacheTools: true, minTokens: 0 };
const EPH = { type: 'ephemeral' };
const POINT = { cachePoint: { type: 'default' } };

function anthropic() {
  return {
    model: 'claude-sonnet-4',
    system: 'You are a coding agent.',
    tools: [
      { name: 'a', input_schema: {} },
      { name: 'b', input_schema: {} },
    ],
    messages: [
      { role: 'user', content: 'first' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'ok' },
          { type: 'thinking', thinking: 'hmm', signature: 's' },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: 'done' }] },
    ],
  };
}

describe('promptCaching, Anthropic Messages', () => {
  it('marks the tools, the system prompt and the conversation before the new turn', () => {
    const body = anthropic();
    const before = structuredClone(body);
    const out = applyPromptCaching('messages', body, body.model, ALL) as ReturnType<typeof anthropic> & Record<string, never>;
    expect(body).toEqual(before); // the client's body is untouched
    expect(out.tools[1]).toEqual({ name: 'b', input_schema: {}, cache_control: EPH });
    expect(out.tools[0]).toEqual(before.tools[0]);
    expect(out.system).toEqual([{ type: 'text', text: 'You are a coding agent.', cache_control: EPH }]);
    // second-to-last message; its last block is thinking (not markable), so the text block before it
    expect((out.messages[1]!.content as unknown[])[0]).toEqual({ type: 'text', text: 'ok', cache_control: EPH });
    expect(out.messages[2]).toEqual(before.messages[2]);
  });

  it('follows cacheSystem/cacheMessages/cacheTools and cacheMessageOffset', () => {
    const body = anthropic();
    const out = applyPromptCaching('messages', body, body.model, {
      ...ALL,
      cacheTools: false,
      cacheSystem: false,
      cacheMessageOffset: 1,
    }) as Record<string, never>;
    expect(out.tools).toEqual(body.tools);
    expect(out.system).toBe(body.system);
    expect((out.messages as unknown as { content: unknown }[])[0]!.content).toEqual([{ type: 'text', text: 'first', cache_control: EPH }]);
    expect(applyPromptCaching('messages', body, body.model, { ...ALL, cacheTools: false, cacheSystem: false, cacheMessages: false })).toBe(
      body,
    );
  });

  it('counts the client breakpoints against the limit of 4 and never marks a block twice', () => {
    const body = anthropic();
    body.tools[1] = { ...body.tools[1]!, cache_control: EPH } as never;
    const marked = [1, 2, 3].map((i) => ({ type: 'text', text: `m${i}`, cache_control: EPH }));
    (body.messages[2] as { content: unknown[] }).content.push(...marked);
    // 4 client breakpoints: nothing is added
    expect(applyPromptCaching('messages', body, body.model, ALL)).toBe(body);
    (body.messages[2] as { content: unknown[] }).content.splice(-2);
    // 2 client breakpoints: the system prompt and the conversation get theirs, the tools keep the client's
    const out = applyPromptCaching('messages', body, body.model, ALL) as Record<string, never>;
    expect(Array.isArray(out.system)).toBe(true);
    expect(out.tools).toBe(body.tools);
  });

  it('places a breakpoint only above minTokens (4 characters a token) of prompt before it', () => {
    const body = anthropic();
    expect(applyPromptCaching('messages', body, body.model, { ...ALL, minTokens: 1024 })).toBe(body);
    const long = { ...body, system: 'x'.repeat(4200) };
    const out = applyPromptCaching('messages', long, long.model, { ...ALL, minTokens: 1024 }) as Record<string, never>;
    expect(out.tools).toBe(long.tools); // tools alone are below the threshold
    expect(Array.isArray(out.system)).toBe(true);
  });
});

describe('promptCaching, Bedrock Converse', () => {
  const converse = () => ({
    system: [{ text: 'You are a coding agent.' }],
    toolConfig: { tools: [{ toolSpec: { name: 'a', inputSchema: { json: {} } } }] },
    messages: [
      { role: 'user', content: [{ text: 'first' }] },
      { role: 'assistant', content: [{ text: 'ok' }] },
      { role: 'user', content: [{ text: 'next' }] },
    ],
  });

  it('appends cachePoint blocks for Claude and Nova models', () => {
    const body = converse();
    const before = structuredClone(body);
    const out = applyPromptCaching('converse', body, 'anthropic.claude-sonnet-4-20250514-v1:0', ALL) as ReturnType<typeof converse>;
    expect(body).toEqual(before);
    expect(out.system).toEqual([{ text: 'You are a coding agent.' }, POINT]);
    expect(out.toolConfig.tools.at(-1)).toEqual(POINT);
    expect(out.messages[1]!.content).toEqual([{ text: 'ok' }, POINT]);
    expect(out.messages[2]).toEqual(before.messages[2]);
    expect((applyPromptCaching('converse', body, 'amazon.nova-pro-v1:0', ALL) as typeof out).system.at(-1)).toEqual(POINT);
  });

  it('leaves models without prompt caching alone, and keeps within 4 cache points', () => {
    const body = converse();
    expect(applyPromptCaching('converse', body, 'meta.llama3-70b-instruct-v1:0', ALL)).toBe(body);
    expect(applyPromptCaching('converse', body, 'anthropic.claude-v2', ALL)).toBe(body);
    const full = { ...body, messages: body.messages.map((m) => ({ ...m, content: [...m.content, POINT] })) };
    full.system = [...full.system, POINT] as never;
    expect(applyPromptCaching('converse', full, 'anthropic.claude-3-5-sonnet', ALL)).toBe(full);
  });

  it('does nothing for OpenAI-format providers (they cache prefixes themselves)', () => {
    const body = { model: 'gpt-4o', messages: [] };
    expect(applyPromptCaching('completions', body, 'gpt-4o', ALL)).toBe(body);
  });
});
