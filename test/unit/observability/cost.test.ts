import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { costOf, loadCostCatalog } from '../../../src/observability/cost.js';

describe('price catalog', () => {
  const builtin = loadCostCatalog(undefined, '.');

  it('answers each lookup for its own arguments, asked in a row or alternately', () => {
    const asks: [string, string | undefined, string | undefined][] = [
      ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
      ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
      ['openai', 'no-such-model', 'gpt-4o-mini'],
      ['openai', 'no-such-model', 'no-such-model'],
      ['anthropic', 'no-such-model', 'gpt-4o-mini'],
      ['openai', 'gpt-4o', 'gpt-4o'],
      ['anthropic', 'gpt-4o', 'gpt-4o'],
      ['openai', undefined, 'gpt-4o'],
      ['openai', 'gpt-4o', undefined],
      ['openai', 'gpt-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ];
    const fresh = (a: (typeof asks)[number]) => loadCostCatalog(undefined, '.').lookup(...a);
    for (const a of [...asks, ...asks.reverse()]) expect(builtin.lookup(...a), a.join(' ')).toEqual(fresh(a));
    expect(builtin.lookup('openai', 'no-such-model', 'no-such-model').status).toBe('Missing');
    expect(builtin.lookup('openai', 'no-such-model', 'gpt-4o-mini').status).toBe('Exact');
    expect(builtin.lookup('anthropic', 'gpt-4o', 'gpt-4o').status).toBe('Missing');
  });

  it('ships list prices and resolves dated ids and -latest aliases to the undated entry', () => {
    const exact = builtin.lookup('openai', 'gpt-4o-mini', undefined);
    expect(exact.status).toBe('Exact');
    expect(exact.rates!.input * 1e6).toBeCloseTo(0.15);
    expect(builtin.lookup('openai', 'gpt-4o-mini-2024-07-18', undefined).rates).toEqual(exact.rates);
    expect(builtin.lookup('anthropic', 'claude-sonnet-4-5-20250929', undefined).status).toBe('Exact');
    expect(builtin.lookup('anthropic', 'claude-3-5-haiku-latest', undefined).status).toBe('Exact');
  });

  it('prices Claude Opus 4.8 and Opus 5 at Anthropic list price; models no source confirms stay unpriced', () => {
    for (const m of ['claude-opus-4-8', 'claude-opus-5']) {
      const r = builtin.lookup('anthropic', m, undefined);
      expect(r.status).toBe('Exact');
      // Per-token rates: the catalog's per-million figures divided once.
      expect(r.rates!.input * 1e6).toBeCloseTo(5, 9);
      expect(r.rates!.output * 1e6).toBeCloseTo(25, 9);
      expect(r.rates!.cacheRead * 1e6).toBeCloseTo(0.5, 9);
      expect(r.rates!.cacheWrite * 1e6).toBeCloseTo(6.25, 9);
    }
    for (const m of ['o1-pro', 'gpt-5.5-nano']) expect(builtin.lookup('openai', m, undefined).status).toBe('Missing');
    // gpt-5.6 is OpenAI's alias of GPT-5.6 Sol, priced the same
    const sol = builtin.lookup('openai', 'gpt-5.6-sol', undefined);
    expect(sol.status).toBe('Exact');
    expect(builtin.lookup('openai', 'gpt-5.6', undefined).rates).toEqual(sol.rates);
  });

  it('prefers the response model, falls back to the requested one, and reports misses', () => {
    const r = builtin.lookup('openai', 'some-fine-tune', 'gpt-4o');
    expect(r.rates!.output * 1e6).toBeCloseTo(10);
    expect(builtin.lookup('openai', 'nope', 'nope-either').status).toBe('Missing');
    expect(builtin.lookup('anthropic', 'gpt-4o', undefined).status).toBe('Missing');
  });

  it('prices Bedrock, Azure, the presets and OpenRouter ids; an unknown model stays unpriced', () => {
    const rate = (p: string, m: string) => builtin.lookup(p, m, undefined).rates!.input * 1e6;
    // Bedrock: inference-profile prefix, date and -v1:0 stripped; Claude at Anthropic's list price
    expect(rate('aws.bedrock', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBeCloseTo(3);
    expect(rate('aws.bedrock', 'global.anthropic.claude-haiku-4-5-20251001-v1:0')).toBeCloseTo(1);
    expect(rate('aws.bedrock', 'amazon.nova-pro-v1:0')).toBeCloseTo(0.8);
    expect(rate('aws.bedrock', 'amazon.titan-embed-text-v2:0')).toBeCloseTo(0.02);
    expect(rate('azure', 'gpt-4.1-mini')).toBeCloseTo(0.4);
    expect(rate('gcp.vertex_ai', 'claude-sonnet-4-5@20250929')).toBeCloseTo(3);
    expect(rate('gcp.vertex_ai', 'claude-haiku-4-5-20251001')).toBeCloseTo(1);
    // Gemini at the Gemini API's list price, previews and revisions at their base model's, on Vertex too
    expect(rate('gcp.gemini', 'gemini-2.5-flash')).toBeCloseTo(0.3);
    expect(rate('gcp.gemini', 'gemini-3-pro-preview')).toBeCloseTo(2);
    expect(rate('gcp.vertex_ai', 'gemini-2.0-flash-001')).toBeCloseTo(0.1);
    expect(rate('groq', 'llama-3.3-70b-versatile')).toBeCloseTo(0.59);
    // DeepSeek at its peak (list) rate; deepseek-chat was retired and has no price
    expect(rate('deepseek', 'deepseek-v4-pro')).toBeCloseTo(1.32);
    expect(builtin.lookup('deepseek', 'deepseek-chat', undefined).status).toBe('Missing');
    expect(rate('openrouter', 'anthropic/claude-sonnet-4.5')).toBeCloseTo(3);
    expect(rate('openrouter', 'openai/gpt-4o')).toBeCloseTo(2.5);
    // google/ and x-ai/ ids at the Gemini API's and xAI's list price, Google's preview suffix dropped
    expect(rate('openrouter', 'google/gemini-3.1-pro-preview')).toBeCloseTo(2);
    expect(rate('openrouter', 'x-ai/grok-4.5')).toBeCloseTo(2);
    expect(builtin.lookup('openrouter', 'meta-llama/llama-4-maverick', undefined).status).toBe('Missing');
    expect(builtin.lookup('aws.bedrock', 'us.unknown.model-v1:0', undefined)).toEqual({ status: 'Missing', rates: undefined });
    expect(builtin.lookup('ollama', 'llama3.2', undefined).status).toBe('Missing');
  });

  it('config sources override per model and can replace the built-in catalog', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-cost-'));
    writeFileSync(
      join(dir, 'prices.json'),
      JSON.stringify({ providers: { openai: { models: { 'gpt-4o': { rates: { input: '1', output: '2' } } } } } }),
    );
    const c = loadCostCatalog(
      {
        sources: [
          { file: 'prices.json' },
          { inline: { providers: { anthropic: { models: { 'my-model': { rates: { input: 3, output: 4, cacheRead: 0.5 } } } } } } },
        ],
      },
      dir,
    );
    expect(c.lookup('openai', 'gpt-4o', undefined).rates!.input).toBeCloseTo(1e-6);
    expect(c.lookup('anthropic', 'my-model', undefined).rates!.cacheRead).toBeCloseTo(0.5e-6);
    expect(c.lookup('openai', 'gpt-4o-mini', undefined).status).toBe('Exact');
    const only = loadCostCatalog({ builtin: false, sources: [{ file: 'prices.json' }] }, dir);
    expect(only.lookup('openai', 'gpt-4o-mini', undefined).status).toBe('Missing');
    expect(loadCostCatalog({ builtin: false }, dir).lookup('openai', 'gpt-4o', undefined).status).toBe('NoCatalog');
  });

  it('names the source and the bad field of a broken catalog file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-cost-'));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ providers: { openai: { models: { x: { rates: { input: 1 } } } } } }));
    expect(() => loadCostCatalog({ sources: [{ file: 'bad.json' }] }, dir)).toThrow(
      /sources\[0\]\.file: .*bad\.json: providers\.openai\.models\.x\.rates\.output/,
    );
    expect(() => loadCostCatalog({ sources: [{ file: 'missing.json' }] }, dir)).toThrow(/cannot read model catalog .*ENOENT/);
  });

  it('says a file that is not JSON is not, without quoting it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-cost-'));
    writeFileSync(join(dir, 'secret.env'), 'OPENAI_API_KEY=sk-live-do-not-echo\n');
    let message = '';
    try {
      loadCostCatalog({ sources: [{ file: 'secret.env' }] }, dir);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/sources\[0\]\.file: model catalog .*secret\.env is not valid JSON$/);
    expect(message).not.toMatch(/OPENAI|sk-live/);
  });
});

describe('cost of a request', () => {
  const rates = { input: 3e-6, output: 15e-6, cacheRead: 0.3e-6, cacheWrite: 3.75e-6, reasoning: 15e-6 };

  it('prices the uncached prompt, cache reads, cache writes and output apart', () => {
    // 1000 prompt tokens of which 600 cache reads and 100 cache writes; 50 output
    const c = costOf({ inputTokens: 1000, outputTokens: 50, cacheReadTokens: 600, cacheWriteTokens: 100 }, rates);
    expect(c).toBeCloseTo(300 * 3e-6 + 600 * 0.3e-6 + 100 * 3.75e-6 + 50 * 15e-6, 12);
  });

  it('prices reasoning tokens at their own rate within the output', () => {
    const c = costOf({ inputTokens: 10, outputTokens: 100, reasoningTokens: 60 }, { ...rates, reasoning: 1e-6 });
    expect(c).toBeCloseTo(10 * 3e-6 + 40 * 15e-6 + 60 * 1e-6, 12);
  });
});
