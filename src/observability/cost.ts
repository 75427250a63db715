// Cost accounting: a price catalog (USD per million tokens, per provider and model) and the
// price of one request's usage. The catalog ships as data (model-prices.json, list prices) and
// config.modelCatalog layers sources over it, later ones winning per model, as agentgateway's
// catalog sources do. Lookups happen once per (provider, model) series, not per request: the
// metrics layer keeps the result beside its cached label children.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { jsonSyntaxError } from '../config/errors.js';
import { CatalogData, type CatalogDataT, type ModelCatalogT, type ModelRatesT } from '../config/schema/observability.js';
import type { Usage } from '../llm/usage.js';
import builtin from './model-prices.json' with { type: 'json' };

/** agentgateway's agentgateway_cost_catalog_lookups_total status values. */
export type LookupStatus = 'Exact' | 'Missing' | 'NoCatalog';

/** USD per token (the catalog's per-million figures divided once at load). */
export interface Rates {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

export interface PriceLookup {
  status: LookupStatus;
  rates: Rates | undefined;
}

const PER_MILLION = 1e-6;
/** Dated ids and aliases resolve to the undated entry: gpt-4o-2024-08-06, claude-x-20250929, -latest. */
const VERSION_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/** Distinct (provider, models) lookups remembered; model names can come from clients. */
const MEMO_LIMIT = 4096;

export class CostCatalog {
  private readonly memo = new Map<string, PriceLookup>();

  constructor(private readonly models: ReadonlyMap<string, Rates>) {}

  get size(): number {
    return this.models.size;
  }

  /** The last lookup and its answer: a route's requests mostly ask the same (provider, models) in a row. */
  private last: { provider: string; responseModel: string | undefined; requestModel: string | undefined; found: PriceLookup } | null = null;

  /** Response model first (what actually answered), then the requested one, then undated forms. */
  lookup(provider: string, responseModel: string | undefined, requestModel: string | undefined): PriceLookup {
    // Runs for every priced LLM request (summary.ts): comparing three short strings beats
    // building the memo key (a new string to hash) each time.
    const last = this.last;
    if (last !== null && last.provider === provider && last.responseModel === responseModel && last.requestModel === requestModel) {
      return last.found;
    }
    const key = `${provider}\u0000${responseModel ?? ''}\u0000${requestModel ?? ''}`;
    let found = this.memo.get(key);
    if (found === undefined) {
      found = this.resolve(provider, responseModel, requestModel);
      if (this.memo.size < MEMO_LIMIT) this.memo.set(key, found);
    }
    this.last = { provider, responseModel, requestModel, found };
    return found;
  }

  private resolve(provider: string, responseModel: string | undefined, requestModel: string | undefined): PriceLookup {
    if (this.models.size === 0) return { status: 'NoCatalog', rates: undefined };
    for (const model of [responseModel, requestModel]) {
      if (model === undefined) continue;
      for (const [p, m] of candidates(provider, model)) {
        const rates = this.models.get(`${p}/${m}`);
        if (rates !== undefined) return { status: 'Exact', rates };
      }
    }
    return { status: 'Missing', rates: undefined };
  }
}

/** `-001`, `-preview`, `-preview-09-2025`, `-preview-05-06`, `-exp`: Google's revision and preview suffixes. */
const GOOGLE_REVISION = /(-\d{3}|-preview(-\d{2}-\d{2,4})?|-exp(-\d{2}-\d{2,4})?)$/;

/** Bedrock cross-region inference profiles prefix the model id with the geography. */
const BEDROCK_REGION = /^(us|eu|apac|jp|au|ca|us-gov|global)\./;

/**
 * Where a (provider, model) may be priced, most specific first: the id as given; without the
 * date or `-latest`; on Bedrock without the inference-profile prefix and the `-v1:0` version;
 * then the list price of the model's maker where the provider resells it at list (Azure OpenAI's
 * global deployments at OpenAI's prices, Claude on Bedrock and Vertex at Anthropic's, OpenRouter's
 * `vendor/model` ids at the vendor's).
 */
function candidates(provider: string, model: string): [string, string][] {
  const out: [string, string][] = [];
  const add = (p: string, m: string) => {
    for (const v of [m, m.replace(VERSION_SUFFIX, '')]) if (!out.some(([q, n]) => q === p && n === v)) out.push([p, v]);
  };
  add(provider, model);
  if (provider === 'aws.bedrock') {
    const base = model.replace(BEDROCK_REGION, '');
    const noRevision = base.replace(/:\d+$/, '');
    const noVersion = noRevision.replace(/-v\d+$/, '');
    for (const m of [base, noRevision, noVersion]) add(provider, m);
    if (noVersion.startsWith('anthropic.')) add('anthropic', noVersion.slice('anthropic.'.length));
  } else if (provider === 'azure') {
    add('openai', model);
  } else if (provider === 'gcp.vertex_ai' && /^claude-/.test(model)) {
    // Vertex names Claude versions `claude-x@YYYYMMDD`; the global endpoint sells at list.
    add('anthropic', model.replace('@', '-'));
  } else if (provider === 'gcp.gemini' || provider === 'gcp.vertex_ai') {
    // Google's revisions (`-001`), previews (`-preview`, `-preview-09-2025`) at the base model's
    // price; Gemini on Vertex AI at the Gemini API's list price.
    const base = model.replace(/^models\//, '').replace(GOOGLE_REVISION, '');
    add(provider, base);
    if (provider === 'gcp.vertex_ai') add('gcp.gemini', base);
  } else if (provider === 'openrouter') {
    const slash = model.indexOf('/');
    const vendor = model.slice(0, slash);
    const name = model.slice(slash + 1);
    if (vendor === 'openai') add('openai', name);
    if (vendor === 'anthropic') add('anthropic', name.replace(/\./g, '-'));
    if (vendor === 'google') add('gcp.gemini', name.replace(GOOGLE_REVISION, ''));
    if (vendor === 'x-ai') add('xai', name);
  }
  return out;
}

/**
 * USD for one request. Usage.inputTokens is the whole prompt (cache reads and writes included),
 * so the uncached remainder is priced at the input rate and the cached parts at their own;
 * reasoning tokens are part of the output and priced at the reasoning rate (default: output).
 */
export function costOf(u: Usage, r: Rates): number {
  const read = u.cacheReadTokens ?? 0;
  const write = u.cacheWriteTokens ?? 0;
  const fresh = Math.max(0, u.inputTokens - read - write);
  const reasoning = Math.min(u.reasoningTokens ?? 0, u.outputTokens);
  return fresh * r.input + read * r.cacheRead + write * r.cacheWrite + (u.outputTokens - reasoning) * r.output + reasoning * r.reasoning;
}

function toRates(r: ModelRatesT): Rates {
  const n = (v: number | string | undefined) => (v === undefined ? undefined : Number(v) * PER_MILLION);
  const input = n(r.input)!;
  const output = n(r.output)!;
  return { input, output, cacheRead: n(r.cacheRead) ?? input, cacheWrite: n(r.cacheWrite) ?? input, reasoning: n(r.reasoning) ?? output };
}

function addCatalog(into: Map<string, Rates>, data: CatalogDataT): void {
  for (const [provider, p] of Object.entries(data.providers)) {
    for (const [model, m] of Object.entries(p.models)) into.set(`${provider}/${model}`, toRates(m.rates));
  }
}

/** The built-in catalog overlaid with config.modelCatalog sources; file errors name the source. */
export function loadCostCatalog(settings: ModelCatalogT | undefined, baseDir: string): CostCatalog {
  const models = new Map<string, Rates>();
  if (settings?.builtin !== false) addCatalog(models, CatalogData.parse(builtin));
  (settings?.sources ?? []).forEach((source, i) => {
    const where = `config.modelCatalog.sources[${i}]`;
    addCatalog(models, source.inline ?? readCatalogFile(resolve(baseDir, source.file!), where));
  });
  return new CostCatalog(models);
}

function readCatalogFile(path: string, where: string): CatalogDataT {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`${where}.file: cannot read model catalog ${path}: ${why}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}.file: model catalog ${path} is ${jsonSyntaxError(text, e)}`);
  }
  const parsed = CatalogData.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${where}.file: ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
