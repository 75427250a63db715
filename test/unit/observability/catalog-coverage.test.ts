// Every model an example config names is in the built-in price catalog: a user who copies one of
// configs/ gets a cost for each request, never an unpriced (Missing) model. Self-hosted servers
// (Ollama, vLLM) and the built-in mock have no list price and are left out.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../src/config/load.js';
import { loadCostCatalog } from '../../../src/observability/cost.js';
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
 * Each provider's current public model list (the providers' model and pricing pages, as of the
 * catalog's date), with the ids clients send: dated snapshots, previews, revisions and region
 * prefixes resolve to the listed base model.
 */
const CURRENT: Record<string, string[]> = {
  openai: [
    'gpt-5.4',
    'gpt-5.4-mini',
    'gpt-5.4-nano',
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
    'o3-mini',
    'o4-mini',
    'o1',
    'text-embedding-3-small',
    'text-embedding-3-large',
  ],
  anthropic: [
    'claude-opus-4-6',
    'claude-sonnet-4-6',
    'claude-opus-4-5-20251101',
    'claude-sonnet-4-5-20250929',
    'claude-haiku-4-5-20251001',
    'claude-opus-4-1-20250805',
    'claude-opus-4-20250514',
    'claude-sonnet-4-20250514',
    'claude-3-7-sonnet-20250219',
    'claude-3-5-haiku-20241022',
    'claude-3-haiku-20240307',
  ],
  'gcp.gemini': [
    'gemini-3.5-flash',
    'gemini-3.1-pro-preview',
    'gemini-3.1-flash-lite-preview',
    'gemini-3-pro-preview',
    'gemini-3-flash-preview',
    'gemini-2.5-pro',
    'gemini-2.5-flash',
    'gemini-2.5-flash-preview-09-2025',
    'gemini-2.5-flash-lite',
    'gemini-2.0-flash-001',
    'gemini-2.0-flash-lite',
    'gemini-embedding-001',
    'models/gemini-2.5-flash',
  ],
  'gcp.vertex_ai': ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-3-pro-preview', 'claude-sonnet-4-5@20250929', 'claude-opus-4-6'],
  'aws.bedrock': [
    'us.anthropic.claude-sonnet-4-5-20250929-v1:0',
    'anthropic.claude-haiku-4-5-20251001-v1:0',
    'global.anthropic.claude-opus-4-6-v1',
    'amazon.nova-pro-v1:0',
    'amazon.nova-lite-v1:0',
    'amazon.nova-micro-v1:0',
    'us.amazon.nova-premier-v1:0',
    'amazon.titan-embed-text-v2:0',
    'cohere.embed-english-v3',
    'cohere.embed-multilingual-v3',
    'cohere.embed-v4:0',
    'us.meta.llama3-3-70b-instruct-v1:0',
    'us.deepseek.r1-v1:0',
    'openai.gpt-oss-120b-1:0',
  ],
  azure: ['gpt-4o', 'gpt-4.1', 'gpt-5', 'gpt-5.2', 'o4-mini', 'text-embedding-3-small'],
};

describe("every model of each provider's current public list is priced", () => {
  const catalog = loadCostCatalog(undefined, CONFIGS);
  for (const [provider, models] of Object.entries(CURRENT)) {
    it(provider, () => {
      expect(models.filter((m) => catalog.lookup(provider, m, m).status !== 'Exact')).toEqual([]);
    });
  }

  it('a model outside the catalog stays unpriced (Missing), never $0', () => {
    expect(catalog.lookup('gcp.gemini', 'gemini-9-ultra', 'gemini-9-ultra')).toEqual({ status: 'Missing', rates: undefined });
  });
});
