// LiteLLM `model_list` entries ("deployments") as `llm.models` entries: `litellm_params.model`
// (`provider/model`) picks the provider and the model sent upstream, `api_key` and `api_base`
// become params, rpm/tpm become the model's own rate limits, sampling parameters its defaults.
// Routing between deployments (load balancing, fallbacks) is decided in routing.ts.
import type { Json } from '../plan.js';
import { count, envRef, type LiteLlmSource, section, seconds, type YamlPath } from './source.js';

/** How a LiteLLM provider prefix is served here; OpenAI-compatible APIs go through openAI at their base URL. */
interface ProviderRow {
  readonly kind: 'openAI' | 'anthropic';
  /** The environment variable LiteLLM reads the key from when `api_key` is not given. */
  readonly envKey?: string;
  readonly baseUrl?: string;
  /** Only usable with an `api_base` (self-hosted OpenAI-compatible servers). */
  readonly needsBase?: boolean;
}

const PROVIDERS: Readonly<Record<string, ProviderRow>> = {
  openai: { kind: 'openAI', envKey: 'OPENAI_API_KEY' },
  anthropic: { kind: 'anthropic', envKey: 'ANTHROPIC_API_KEY' },
  groq: { kind: 'openAI', envKey: 'GROQ_API_KEY', baseUrl: 'https://api.groq.com/openai/v1' },
  deepseek: { kind: 'openAI', envKey: 'DEEPSEEK_API_KEY', baseUrl: 'https://api.deepseek.com/v1' },
  xai: { kind: 'openAI', envKey: 'XAI_API_KEY', baseUrl: 'https://api.x.ai/v1' },
  mistral: { kind: 'openAI', envKey: 'MISTRAL_API_KEY', baseUrl: 'https://api.mistral.ai/v1' },
  openrouter: { kind: 'openAI', envKey: 'OPENROUTER_API_KEY', baseUrl: 'https://openrouter.ai/api/v1' },
  together_ai: { kind: 'openAI', envKey: 'TOGETHERAI_API_KEY', baseUrl: 'https://api.together.xyz/v1' },
  fireworks_ai: { kind: 'openAI', envKey: 'FIREWORKS_AI_API_KEY', baseUrl: 'https://api.fireworks.ai/inference/v1' },
  deepinfra: { kind: 'openAI', envKey: 'DEEPINFRA_API_KEY', baseUrl: 'https://api.deepinfra.com/v1/openai' },
  cerebras: { kind: 'openAI', envKey: 'CEREBRAS_API_KEY', baseUrl: 'https://api.cerebras.ai/v1' },
  hosted_vllm: { kind: 'openAI', needsBase: true },
  lm_studio: { kind: 'openAI', needsBase: true },
  litellm_proxy: { kind: 'openAI', needsBase: true },
};

/** Request parameters LiteLLM sets on every call to a deployment: the model's `defaults` here. */
const SAMPLING = ['temperature', 'max_tokens', 'max_completion_tokens', 'top_p', 'frequency_penalty', 'presence_penalty', 'seed', 'stop'];

export interface Deployment {
  readonly index: number;
  readonly path: YamlPath;
  /** `model_name`: what clients ask for. */
  readonly name: string;
  /** The llm.models entry without name and visibility. */
  readonly entry: Json;
  /** For weighted routing: `weight`, else rpm, else 1 (LiteLLM's simple-shuffle). */
  readonly weight: number;
  readonly note: string;
  readonly retries: number | undefined;
  readonly timeout: string | undefined;
  /** rpm / tpm as this model's own buckets (routing.ts decides whether they can apply). */
  readonly limits: readonly RateLimit[];
}

export interface RateLimit {
  readonly key: 'rpm' | 'tpm';
  readonly path: YamlPath;
  readonly bucket: Json;
}

export function readDeployments(src: LiteLlmSource): Deployment[] {
  const list = src.data.model_list;
  if (list === undefined) return [];
  if (!Array.isArray(list)) {
    src.skipped(['model_list'], 'expected a list of models');
    return [];
  }
  const out: Deployment[] = [];
  list.forEach((raw, index) => {
    const d = readDeployment(src, raw, ['model_list', index], index);
    if (d !== null) out.push(d);
  });
  return out;
}

function readDeployment(src: LiteLlmSource, raw: unknown, path: YamlPath, index: number): Deployment | null {
  const m = section(src, raw, path);
  const name = m.model_name;
  for (const k of Object.keys(m)) {
    if (k === 'model_info')
      src.skipped([...path, k], 'model metadata is not used', 'prices come from the gateway’s price catalog (config.modelCatalog)');
    else if (k !== 'model_name' && k !== 'litellm_params') src.skipped([...path, k], 'unknown model_list key');
  }
  if (typeof name !== 'string' || name === '') {
    src.skipped(path, 'a model without a model_name is not imported');
    return null;
  }
  const p = { ...section(src, m.litellm_params, [...path, 'litellm_params']) };
  const at = (k: string): YamlPath => [...path, 'litellm_params', k];
  const written = String(p.model ?? name);
  const target = providerOf(src, name, p.model ?? name, at('model'));
  if (target === null) return null;
  delete p.model;
  const entry: Json = { provider: target.row.kind };
  const params: Json = target.model !== undefined ? { model: target.model } : {};
  const key = p.api_key !== undefined ? envRef(p.api_key) : target.row.envKey !== undefined ? `$${target.row.envKey}` : undefined;
  if (key !== undefined) params.apiKey = key;
  const base = p.api_base ?? p.base_url ?? target.row.baseUrl;
  if (target.row.needsBase === true && base === undefined) {
    src.skipped(at('model'), `provider "${target.prefix}" needs an api_base`);
    return null;
  }
  if (base !== undefined) params.baseUrl = envRef(base);
  delete p.api_key;
  delete p.api_base;
  delete p.base_url;
  if (Object.keys(params).length > 0) entry.params = params;
  if (target.transformation !== undefined) entry.transformation = { model: target.transformation };
  const defaults = Object.fromEntries(SAMPLING.filter((k) => p[k] !== undefined).map((k) => [k, envRef(p[k])]));
  for (const k of SAMPLING) delete p[k];
  if (Object.keys(defaults).length > 0) entry.defaults = defaults;
  const headers = headersOf(src, p, at);
  if (headers !== undefined) entry.requestHeaders = { set: headers };
  const limits = rateLimits(src, p, at);
  const weight = count(p.weight) ?? count(p.rpm) ?? 1;
  const retries = count(p.max_retries);
  const timeout = seconds(p.timeout);
  for (const k of ['weight', 'rpm', 'tpm', 'max_retries', 'timeout']) delete p[k];
  leftovers(src, p, at);
  return { index, path, name, entry, weight, note: `${src.where(path)}: ${written}`, retries, timeout, limits };
}

interface Target {
  readonly prefix: string;
  readonly row: ProviderRow;
  /** The model sent upstream; undefined: the client's (wildcard deployments). */
  readonly model: string | undefined;
  /** CEL turning the client's model into the upstream one (wildcards with a prefix). */
  readonly transformation: string | undefined;
}

/** `provider/model` (no prefix: OpenAI, as in LiteLLM); wildcards keep the client's model. */
function providerOf(src: LiteLlmSource, name: string, value: unknown, path: YamlPath): Target | null {
  if (typeof value !== 'string' || value === '') {
    src.skipped(path, 'litellm_params.model must be a string');
    return null;
  }
  const slash = value.indexOf('/');
  const prefix = slash < 0 ? 'openai' : value.slice(0, slash);
  const upstream = slash < 0 ? value : value.slice(slash + 1);
  const row = PROVIDERS[prefix];
  if (row === undefined) {
    src.skipped(
      path,
      `provider "${prefix}" is not served by this gateway yet (openai, anthropic and OpenAI-compatible APIs are)`,
      'if it speaks the OpenAI API, use provider openAI with params.baseUrl',
    );
    return null;
  }
  if (!upstream.includes('*')) return { prefix, row, model: upstream, transformation: undefined };
  // A wildcard deployment sends what the client's `*` matched, inside the upstream pattern.
  const [namePre, nameSuf] = splitStar(name);
  const [upPre, upSuf] = splitStar(upstream);
  if (nameSuf === undefined || upSuf === undefined || name.split('*').length > 2 || upstream.split('*').length > 2) {
    src.skipped(path, `wildcard "${value}" for model_name "${name}" cannot be expressed (one * on each side is needed)`);
    return null;
  }
  let expr = 'llmRequest.model';
  if (namePre !== '') expr = `${expr}.stripPrefix(${JSON.stringify(namePre)})`;
  if (nameSuf !== '') expr = `${expr}.stripSuffix(${JSON.stringify(nameSuf)})`;
  if (upPre !== '') expr = `${JSON.stringify(upPre)} + ${expr}`;
  if (upSuf !== '') expr = `${expr} + ${JSON.stringify(upSuf)}`;
  return { prefix, row, model: undefined, transformation: expr === 'llmRequest.model' ? undefined : expr };
}

function splitStar(s: string): [string, string | undefined] {
  const i = s.indexOf('*');
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** `extra_headers` / `headers` and OpenAI's `organization` are headers set on every upstream request. */
function headersOf(src: LiteLlmSource, p: Json, at: (k: string) => YamlPath): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const k of ['extra_headers', 'headers']) {
    const h = section(src, p[k], at(k));
    for (const [name, v] of Object.entries(h)) out[name] = String(envRef(v));
    delete p[k];
  }
  if (typeof p.organization === 'string') out['OpenAI-Organization'] = String(envRef(p.organization));
  delete p.organization;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** rpm / tpm: per-minute buckets for this model. */
function rateLimits(src: LiteLlmSource, p: Json, at: (k: string) => YamlPath): RateLimit[] {
  const out: RateLimit[] = [];
  for (const [k, type] of [
    ['rpm', 'requests'],
    ['tpm', 'tokens'],
  ] as const) {
    if (p[k] === undefined) continue;
    const n = count(p[k]);
    if (n === undefined || n === 0) src.skipped(at(k), `${k} must be a positive whole number`);
    else out.push({ key: k, path: at(k), bucket: { type, maxTokens: n, tokensPerFill: n, fillInterval: '1m' } });
  }
  return out;
}

/** What is left of litellm_params was not mapped: each key is a finding. */
function leftovers(src: LiteLlmSource, p: Json, at: (k: string) => YamlPath): void {
  for (const k of Object.keys(p)) {
    if (k === 'drop_params') {
      src.approximate(at(k), DROP_PARAMS.message, DROP_PARAMS.instead);
    } else if (k === 'stream_timeout') {
      src.skipped(at(k), 'no per-deployment stream timeout', 'set llm.policies.timeout.firstByteTimeout or streamIdleTimeout');
    } else if (k === 'litellm_credential_name') {
      src.skipped(at(k), 'credential_list entries are not imported', 'write the key as params.apiKey ("$VAR")');
    } else {
      src.skipped(at(k), `litellm_params.${k} has no equivalent here`);
    }
  }
}

export const DROP_PARAMS = {
  message:
    'drop_params is not needed: each request is translated for its provider, and a field the provider cannot take is refused with a 400 naming it',
  instead: 'to strip a field for a model, add it to the model’s transformation with the value null',
};
