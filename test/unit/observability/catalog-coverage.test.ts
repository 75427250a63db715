// Every model an example config names is in the built-in price catalog: a user who copies one of
// configs/ gets a cost for each request, never an unpriced (Missing) model. Self-hosted servers
// (Ollama, vLLM) and the built-in mock have no list price and are left out. The same holds for
// each provider's current public model list, at the list prices its own pages publish; a model
// nobody could price stays Missing (no cost), never $0.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { loadCostCatalog } from '../../../src/observability/cost.js';
import { type ObservedRequest, summarize } from '../../../src/observability/summary.js';
import { compile } from '../../../src/runtime/compile.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';
import { serviceAccountJson } from '../../helpers/google-mocks.js';

const CONFIGS = join(import.meta.dirname, '../../../configs');
const UNPRICED = new Set(['mock', 'ollama', 'vllm']);
const pools = new PoolFactory(new ConnectOverrides());
/**
 * On a dated Azure apiVersion the configured model is a deployment name (configs/azure.yaml's
 * gpt-4o-prod); Azure's answer names the real model, which is what the catalog prices.
 */
const DEPLOYMENT_NAMES = new Set(['azure/gpt-4o-prod']);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) return yamlFiles(p);
    return f.endsWith('.yaml') ? [p] : [];
  });
}

/** Every (provider name, model) an AI backend of the compiled snapshot sends upstream. */
function providerModels(root: unknown): [string, string][] {
  const out = new Map<string, [string, string]>();
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || seen.has(v)) return;
    seen.add(v);
    const o = v as Record<string, unknown>;
    const provider = o.provider as { name?: unknown; formats?: unknown } | undefined;
    if (provider !== undefined && typeof provider?.name === 'string' && Array.isArray(provider.formats) && typeof o.model === 'string') {
      out.set(`${provider.name}/${o.model}`, [provider.name, o.model]);
    }
    for (const child of v instanceof Map ? v.values() : Object.values(o)) walk(child);
  };
  walk(root);
  return [...out.values()];
}

// Placeholders for the variables the examples read (keys, regions, projects); a service-account
// file for Vertex; variables with a default in the file keep it.
const saFile = join(mkdtempSync(join(tmpdir(), 'catalog-')), 'sa.json');
writeFileSync(saFile, serviceAccountJson());
const FILES: Record<string, string | undefined> = { VERTEX_CREDENTIALS: saFile, REDIS_URL: undefined, IDP_JWKS_URL: undefined };
const env = new Proxy({} as NodeJS.ProcessEnv, {
  get: (_t, k) => (typeof k !== 'string' ? undefined : k in FILES ? FILES[k] : 'placeholder'),
});

describe('every model of the example configs is priced', () => {
  const catalog = loadCostCatalog(undefined, CONFIGS);
  for (const file of yamlFiles(CONFIGS)) {
    it(file.slice(CONFIGS.length + 1), () => {
      const { snapshot } = compile(loadConfigFile(file, env), pools, 1);
      const unpriced = providerModels(snapshot)
        .filter(([p, m]) => !UNPRICED.has(p) && !DEPLOYMENT_NAMES.has(`${p}/${m}`))
        .filter(([p, m]) => catalog.lookup(p, m, m).status !== 'Exact');
      expect(unpriced).toEqual([]);
    });
  }
});

/**
 * Each provider's current public model list as of the catalog's date (2026-12-07; the providers'
 * model and pricing pages, see model-prices.sources.md), with the ids clients send: dated
 * snapshots, previews, revisions, aliases and region prefixes resolve to the listed base model.
 * `unpriced` are listed models with no price a source could confirm: they must stay Missing (no
 * cost, never $0), and a price added for one must move it to `priced`.
 */
const CURRENT: Record<string, { priced: string[]; unpriced?: string[] }> = {
  openai: {
    priced: [
      'gpt-6.2-astra',
      'gpt-6.2-sol',
      'gpt-6.1-sol',
      'gpt-6.1-terra',
      'gpt-6-astra',
      'gpt-6-sol',
      'gpt-6-luna',
      'gpt-5.6',
      'gpt-5.6-sol',
      'gpt-5.6-terra',
      'gpt-5.6-luna',
      'gpt-5.5',
      'gpt-5.5-pro',
      'gpt-5.4',
      'gpt-5.4-mini',
      'gpt-5.4-nano',
      'gpt-5.4-pro',
      'gpt-5.2',
      'gpt-5.2-pro',
      'gpt-5.1',
      'gpt-5',
      'gpt-5-mini',
      'gpt-5-nano',
      'gpt-5-pro',
      'gpt-4.1',
      'gpt-4.1-mini',
      'gpt-4.1-nano',
      'gpt-4o',
      'gpt-4o-2024-08-06',
      'gpt-4o-mini',
      'o3',
      'o3-pro',
      'o3-mini',
      'o4-mini',
      'o1',
      'text-embedding-3-small',
      'text-embedding-3-large',
    ],
    unpriced: ['o1-pro'],
  },
  anthropic: {
    priced: [
      'claude-fable-5-2',
      'claude-mythos-5-2',
      'claude-fable-5-1',
      'claude-mythos-5-1',
      'claude-fable-5',
      'claude-mythos-5',
      'claude-opus-5-5',
      'claude-opus-5',
      'claude-opus-4-8',
      'claude-opus-4-7',
      'claude-opus-4-6',
      'claude-sonnet-5-5',
      'claude-sonnet-5',
      'claude-sonnet-4-6',
      'claude-haiku-5-5',
      'claude-haiku-4-5-20251001',
      'claude-opus-4-5-20251101',
      'claude-sonnet-4-5-20250929',
      'claude-opus-4-1-20250805',
      'claude-opus-4-20250514',
      'claude-sonnet-4-20250514',
      'claude-3-5-haiku-20241022',
      'claude-3-haiku-20240307',
    ],
    unpriced: ['claude-mythos-preview'],
  },
  'gcp.gemini': {
    priced: [
      'gemini-4-carbon',
      'gemini-4-argon',
      'gemini-4-neon',
      'gemini-4-hydrogen',
      'gemini-3.8-flash',
      'gemini-3.7-flash',
      'gemini-3.5-flash',
      'gemini-3.5-flash-lite',
      'gemini-3.1-pro-preview',
      'gemini-3.1-flash-lite',
      'gemini-3-flash-preview',
      'gemini-2.5-pro',
      'gemini-2.5-flash',
      'gemini-2.5-flash-preview-09-2025',
      'gemini-2.5-flash-lite',
      'gemini-2.0-flash-001',
      'gemini-embedding-001',
      'models/gemini-3.8-flash',
    ],
    unpriced: ['gemini-3.6-flash'],
  },
  'gcp.vertex_ai': {
    priced: ['gemini-4-argon', 'gemini-3.8-flash', 'gemini-2.5-pro', 'claude-haiku-5-5', 'claude-opus-5-5', 'claude-sonnet-4-5@20250929'],
  },
  'aws.bedrock': {
    priced: [
      'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
      'anthropic.claude-haiku-5-5',
      'global.anthropic.claude-opus-5-5',
      'anthropic.claude-fable-5',
      'amazon.nova-2-lite-v1:0',
      'us.amazon.nova-2-lite-v1:0',
      'amazon.nova-pro-v1:0',
      'amazon.nova-lite-v1:0',
      'amazon.nova-micro-v1:0',
      'us.amazon.nova-premier-v1:0',
      'amazon.titan-embed-text-v2:0',
      'amazon.nova-2-multimodal-embeddings-v1:0',
      'cohere.embed-english-v3',
      'cohere.embed-multilingual-v3',
      'cohere.embed-v4:0',
      'us.meta.llama3-3-70b-instruct-v1:0',
      'us.deepseek.r1-v1:0',
      'openai.gpt-oss-120b-1:0',
    ],
  },
  azure: { priced: ['gpt-6.2-sol', 'gpt-5.6-sol', 'gpt-5.5', 'gpt-4o', 'gpt-4.1', 'o4-mini', 'text-embedding-3-small'] },
  deepseek: { priced: ['deepseek-flash', 'deepseek-v4-flash', 'deepseek-v4-pro'], unpriced: ['deepseek-chat', 'deepseek-reasoner'] },
  xai: {
    priced: [
      'grok-4.7',
      'grok-4.6',
      'grok-4.5',
      'grok-4.3',
      'grok-4.20-0309-reasoning',
      'grok-4.20-0309-non-reasoning',
      'grok-4.20-multi-agent-0309',
    ],
    unpriced: ['grok-build-0.1'],
  },
  groq: { priced: ['llama-3.3-70b-versatile', 'llama-3.1-8b-instant', 'openai/gpt-oss-120b', 'openai/gpt-oss-20b', 'qwen/qwen3-32b'] },
  cerebras: { priced: ['llama-3.3-70b', 'llama3.1-8b', 'gpt-oss-120b', 'qwen-3-32b', 'zai-glm-4.7'] },
  mistral: {
    priced: [
      'mistral-large-latest',
      'mistral-medium-latest',
      'mistral-small-latest',
      'magistral-medium-latest',
      'magistral-small-latest',
      'codestral-latest',
      'devstral-medium-latest',
      'ministral-8b-latest',
      'ministral-3b-latest',
      'mistral-embed',
    ],
  },
  openrouter: {
    priced: ['openai/gpt-6.2-sol', 'anthropic/claude-opus-5.5', 'anthropic/claude-haiku-5.5', 'google/gemini-3.8-flash', 'x-ai/grok-4.5'],
    unpriced: ['google/gemini-3.6-flash', 'meta-llama/llama-4-maverick'],
  },
};

/** USD per million tokens read on the provider's own page (model-prices.sources.md, status "provider"). */
const LIST_PRICES: [string, string, { input: number; output: number; cacheRead?: number; cacheWrite?: number }][] = [
  ['anthropic', 'claude-opus-5-5', { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 }],
  ['anthropic', 'claude-haiku-5-5', { input: 0.1, output: 0.5, cacheWrite: 0.125 }],
  ['anthropic', 'claude-fable-5-1', { input: 10, output: 50, cacheRead: 0.25, cacheWrite: 12.5 }],
  ['anthropic', 'claude-opus-4-7', { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 }],
  ['openai', 'gpt-6.2-sol', { input: 2, output: 10, cacheRead: 0.1, cacheWrite: 2.5 }],
  ['openai', 'gpt-6-luna', { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125 }],
  ['openai', 'gpt-6-sol', { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 }],
  ['openai', 'text-embedding-3-large', { input: 0.13, output: 0 }],
  ['gcp.gemini', 'gemini-3.8-flash', { input: 0.75, output: 3.75 }],
  ['gcp.gemini', 'gemini-4-argon', { input: 4, output: 20 }],
  ['deepseek', 'deepseek-v4-pro', { input: 1.32, output: 3.96, cacheRead: 0.044 }],
  ['xai', 'grok-4.5', { input: 2, output: 6 }],
];

describe("every model of each provider's current public list is priced", () => {
  const catalog = loadCostCatalog(undefined, CONFIGS);
  const status = (p: string, m: string) => catalog.lookup(p, m, m).status;
  for (const [provider, { priced, unpriced = [] }] of Object.entries(CURRENT)) {
    it(provider, () => {
      expect(priced.filter((m) => status(provider, m) !== 'Exact')).toEqual([]);
      expect(unpriced.filter((m) => status(provider, m) !== 'Missing')).toEqual([]);
    });
  }

  it("charges the provider's published list prices", () => {
    for (const [provider, model, want] of LIST_PRICES) {
      const rates = catalog.lookup(provider, model, model).rates;
      expect(rates, `${provider}/${model}`).toBeDefined();
      for (const [k, usdPerMillion] of Object.entries(want)) {
        // The catalog holds USD per token: its per-million figures divided once at load.
        expect(rates![k as keyof typeof want] * 1e6, `${provider}/${model} ${k}`).toBeCloseTo(usdPerMillion, 9);
      }
    }
  });

  it('a model outside the catalog stays unpriced (Missing), never $0', () => {
    expect(catalog.lookup('gcp.gemini', 'gemini-9-ultra', 'gemini-9-ultra')).toEqual({ status: 'Missing', rates: undefined });
  });

  it('a request to an unpriced model has no cost and counts as a Missing lookup; a priced one is charged', () => {
    const unknown = summarize(observed('anthropic', 'claude-opus-9'), catalog);
    expect(unknown.lookup).toBe('Missing');
    expect(unknown.cost).toBeUndefined();
    const known = summarize(observed('anthropic', 'claude-opus-5-5'), catalog);
    expect(known.lookup).toBe('Exact');
    // 1000 fresh input at $4/M, 200 cache reads at $0.20/M, 500 output at $20/M
    expect(known.cost).toBeCloseTo(1000 * 4e-6 + 200 * 0.2e-6 + 500 * 20e-6, 12);
  });
});

/** The smallest finished LLM request summarize() reads: provider, model and usage. */
function observed(provider: string, model: string): ObservedRequest {
  return {
    path: '/v1/messages',
    down: { method: 'POST', path: '/v1/messages', aborted: false },
    route: { key: '3000/l/r', name: 'r' },
    status: 200,
    timings: { startNs: process.hrtime.bigint() },
    upstream: { backend: { kind: 'ai', name: 'b', provider: { name: provider } }, attempt: 0, affinity: null },
    llm: {
      requestModel: model,
      upstreamModel: model,
      responseModel: model,
      tokens: { inputTokens: 1200, outputTokens: 500, cacheReadTokens: 200 },
    },
    limits: { rateLimitFailure: undefined },
    error: undefined,
    routeType: null,
  } as unknown as ObservedRequest;
}
