// The OpenAI model-family table: which row a model id lands in, and how an effort is clamped to
// what the family accepts.
import { describe, expect, it } from 'vitest';
import { effortFor, openAiFamily } from '../../../src/llm/families/openai.js';

describe('OpenAI model families', () => {
  it.each([
    ['gpt-4o', 'gpt-4o, gpt-4.1, gpt-4, gpt-3.5 (no reasoning)'],
    ['gpt-4.1-mini-2025-04-14', 'gpt-4o, gpt-4.1, gpt-4, gpt-3.5 (no reasoning)'],
    ['chatgpt-4o-latest', 'gpt-4o, gpt-4.1, gpt-4, gpt-3.5 (no reasoning)'],
    ['o1-mini', 'o1-mini, o1-preview'],
    ['o1', 'o-series (o1, o3, o3-mini, o4-mini, ...)'],
    ['o4-mini-2025-04-16', 'o-series (o1, o3, o3-mini, o4-mini, ...)'],
    ['gpt-5', 'gpt-5, gpt-5-mini, gpt-5-nano'],
    ['gpt-5-nano-2025-08-07', 'gpt-5, gpt-5-mini, gpt-5-nano'],
    ['gpt-5-chat-latest', 'GPT chat snapshots (gpt-5-chat-latest, gpt-5.x-chat-latest)'],
    ['gpt-5.3-chat-latest', 'GPT chat snapshots (gpt-5-chat-latest, gpt-5.x-chat-latest)'],
    ['gpt-5.1', 'gpt-5.1'],
    ['gpt-5.2-2025-12-11', 'gpt-5.2, gpt-5.3'],
    ['gpt-5.4-mini', 'gpt-5.4, gpt-5.5'],
    ['gpt-5.5', 'gpt-5.4, gpt-5.5'],
    ['gpt-5.6-terra', 'gpt-5.6 and later (gpt-5.6-sol, -terra, -luna, ...)'],
    ['openai/GPT-5.6-SOL', 'gpt-5.6 and later (gpt-5.6-sol, -terra, -luna, ...)'],
    ['gpt-6', 'gpt-5.6 and later (gpt-5.6-sol, -terra, -luna, ...)'],
    ['gpt-oss-120b', 'any other model (OpenAI-compatible servers)'],
    ['deepseek-chat', 'any other model (OpenAI-compatible servers)'],
    ['meta-llama/Llama-3.3-70B-Instruct', 'any other model (OpenAI-compatible servers)'],
  ])('%s -> %s', (model, family) => {
    expect(openAiFamily(model).name).toBe(family);
    // Asked again (remembered per model): the same row, whatever was asked in between.
    openAiFamily(`${model}-other`);
    expect(openAiFamily(model).name).toBe(family);
    expect(openAiFamily(model.toUpperCase()).name).toBe(family);
  });

  it('sends an effort the family accepts, else the strongest one below it', () => {
    expect(effortFor(openAiFamily('gpt-5.6-sol'), 'max')).toBe('max');
    expect(effortFor(openAiFamily('gpt-5.4'), 'max')).toBe('xhigh');
    expect(effortFor(openAiFamily('gpt-5.1'), 'xhigh')).toBe('high');
    expect(effortFor(openAiFamily('o3'), 'max')).toBe('high');
    expect(effortFor(openAiFamily('gpt-5'), 'none')).toBe('minimal');
    expect(effortFor(openAiFamily('gpt-5'), 'low')).toBe('low');
    expect(effortFor(openAiFamily('deepseek-reasoner'), 'xhigh')).toBe('high');
    expect(effortFor(openAiFamily('gpt-4o'), 'high')).toBeNull();
  });

  it('knows which families need max_completion_tokens, explicit breakpoints and effort none with tools', () => {
    const rules = (m: string) => {
      const f = openAiFamily(m);
      return [f.maxCompletionTokensOnly, f.cacheBreakpoints, f.toolsWithReasoning];
    };
    expect(rules('gpt-4o')).toEqual([false, false, 'allowed']);
    expect(rules('o3-mini')).toEqual([true, false, 'allowed']);
    expect(rules('gpt-5.2')).toEqual([true, false, 'allowed']);
    expect(rules('gpt-5.5')).toEqual([true, false, 'effort-none']);
    expect(rules('gpt-5.6-luna')).toEqual([true, true, 'effort-none']);
    expect(rules('qwen3-32b')).toEqual([false, false, 'allowed']);
  });
});
