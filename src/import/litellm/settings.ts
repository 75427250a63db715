// LiteLLM's settings sections: what maps (the master key, retries, timeouts, fallbacks, the
// routing strategy, aliases) and, for everything else, what to do instead. Every key of every
// section is either mapped or reported; nothing is dropped silently.
import { createHash } from 'node:crypto';
import type { ImportedKey, Json } from '../plan.js';
import { DROP_PARAMS, type Deployment } from './deployments.js';
import type { RoutingSettings } from './routing.js';
import { count, envRef, type LiteLlmSource, section, seconds, type YamlPath } from './source.js';

const OBSERVE =
  'send traces with config.tracing (OTLP: Langfuse, Phoenix, Datadog...), and read the access log and the Prometheus metrics on :15020';
const NO_DB = 'the gateway keeps its configuration in this file and needs no database';
const TEAMS =
  "import LiteLLM's keys, teams and budgets from its database with `agentgateway import --from litellm --database <url>` (a keys: section), or declare them under keys: (budgets per key and team, in USD or tokens)";

/** Keys with no equivalent here, and what to do instead (keys not listed get a generic line). */
const ADVICE: Readonly<Record<string, string>> = {
  'general_settings.database_url': `${NO_DB}; import the keys, teams, budgets and spend kept there with \`agentgateway import --from litellm --database <url>\``,
  'general_settings.store_model_in_db': `${NO_DB}; edit it (or the admin UI on :15000) and it reloads live`,
  'general_settings.database_connection_pool_limit': NO_DB,
  'general_settings.alerting': 'alert on the Prometheus metrics on :15020',
  'general_settings.alerting_threshold': 'alert on the Prometheus metrics on :15020',
  'general_settings.ui_username': 'the admin UI is on :15000; protect it with ADMIN_TOKEN',
  'general_settings.ui_password': 'the admin UI is on :15000; protect it with ADMIN_TOKEN',
  'general_settings.enable_jwt_auth': 'validate JWTs with llm.policies.jwtAuth',
  'general_settings.litellm_jwtauth': 'validate JWTs with llm.policies.jwtAuth',
  'general_settings.custom_auth': 'use llm.policies.apiKey, jwtAuth or basicAuth, and authorization rules (CEL)',
  'general_settings.max_parallel_requests': 'limit request rates with llm.policies.localRateLimit',
  'general_settings.global_max_parallel_requests': 'limit request rates with llm.policies.localRateLimit',
  'general_settings.disable_spend_logs': 'spend is not logged to a database here; costs are in the access log and metrics',
  'litellm_settings.success_callback': OBSERVE,
  'litellm_settings.failure_callback': OBSERVE,
  'litellm_settings.callbacks': OBSERVE,
  'litellm_settings.service_callback': OBSERVE,
  'litellm_settings.cache': 'the gateway does not cache responses',
  'litellm_settings.cache_params': 'the gateway does not cache responses',
  'litellm_settings.max_budget': TEAMS,
  'litellm_settings.budget_duration': TEAMS,
  'litellm_settings.default_team_settings': TEAMS,
  'litellm_settings.max_internal_user_budget': TEAMS,
  'litellm_settings.set_verbose': 'set AGW_LOG_LEVEL=debug',
  'litellm_settings.json_logs': 'set AGW_LOG_FORMAT=json',
  'litellm_settings.guardrails': 'use llm.policies.guardrails (regex or webhook guards)',
  'router_settings.redis_host': 'share rate limits between gateways with llm.policies.redisRateLimit',
  'router_settings.redis_port': 'share rate limits between gateways with llm.policies.redisRateLimit',
  'router_settings.redis_password': 'share rate limits between gateways with llm.policies.redisRateLimit',
  'router_settings.allowed_fails': 'set health.eviction.consecutiveFailures on the models of a failover virtual model',
  'router_settings.cooldown_time': 'set health.eviction.duration on the models of a failover virtual model',
  'router_settings.context_window_fallbacks': 'no equivalent; a failover virtual model fails over on errors, not on context size',
  'router_settings.content_policy_fallbacks': 'no equivalent; a failover virtual model fails over on errors',
  environment_variables: 'set these in the gateway’s environment (values are not copied)',
  credential_list: 'write each key as params.apiKey ("$VAR") on its models',
  guardrails: 'use llm.policies.guardrails (regex or webhook guards)',
  team_settings: TEAMS,
};

const SECTIONS = ['model_list', 'router_settings', 'litellm_settings', 'general_settings'];

export interface Settings {
  readonly routing: RoutingSettings;
  readonly apiKeys: ImportedKey[];
  /** llm.policies entries (retry, timeout) with their notes. */
  readonly policies: Map<string, { value: Json; note: string }>;
}

export function readSettings(src: LiteLlmSource, deployments: readonly Deployment[]): Settings {
  for (const k of Object.keys(src.data)) if (!SECTIONS.includes(k)) unmapped(src, [k], k);
  const router = section(src, src.data.router_settings, ['router_settings']);
  const litellm = section(src, src.data.litellm_settings, ['litellm_settings']);
  const general = section(src, src.data.general_settings, ['general_settings']);
  const used = new Set<string>();
  const take = (sec: 'router_settings' | 'litellm_settings' | 'general_settings', key: string) => {
    used.add(`${sec}.${key}`);
    return { router_settings: router, litellm_settings: litellm, general_settings: general }[sec][key];
  };
  const routing: RoutingSettings = {
    strategy: strategy(src, take('router_settings', 'routing_strategy')),
    fallbacks: fallbacks(
      src,
      take('router_settings', 'fallbacks') ?? take('litellm_settings', 'fallbacks'),
      router.fallbacks !== undefined,
    ),
    defaultFallbacks: defaultFallbacks(src, take('litellm_settings', 'default_fallbacks')),
    aliases: aliases(src, take('router_settings', 'model_group_alias')),
  };
  const policies = new Map<string, { value: Json; note: string }>();
  const retry = retries(src, deployments, take('router_settings', 'num_retries') ?? take('litellm_settings', 'num_retries'));
  if (retry !== null) policies.set('retry', retry);
  const timeout = timeouts(src, deployments, take('router_settings', 'timeout') ?? take('litellm_settings', 'request_timeout'));
  if (timeout !== null) policies.set('timeout', timeout);
  const apiKeys = masterKey(src, take('general_settings', 'master_key'));
  if (take('litellm_settings', 'drop_params') !== undefined)
    src.approximate(['litellm_settings', 'drop_params'], DROP_PARAMS.message, DROP_PARAMS.instead);
  for (const [sec, values] of [
    ['router_settings', router],
    ['litellm_settings', litellm],
    ['general_settings', general],
  ] as const) {
    for (const k of Object.keys(values)) if (!used.has(`${sec}.${k}`)) unmapped(src, [sec, k], `${sec}.${k}`);
  }
  return { routing, apiKeys, policies };
}

function unmapped(src: LiteLlmSource, path: YamlPath, key: string): void {
  const advice = ADVICE[key];
  src.skipped(path, advice !== undefined ? 'no equivalent' : 'not recognised, so not imported', advice ?? 'review it by hand');
}

function strategy(src: LiteLlmSource, value: unknown): RoutingSettings['strategy'] {
  const path = ['router_settings', 'routing_strategy'];
  if (value === undefined || value === 'simple-shuffle') return 'weighted';
  if (
    value === 'least-busy' ||
    value === 'latency-based-routing' ||
    value === 'usage-based-routing' ||
    value === 'usage-based-routing-v2'
  ) {
    src.approximate(path, `${String(value)} becomes pick-2 over health and latency (EWMA) with in-flight requests counted`);
    return 'balanced';
  }
  src.skipped(path, `routing strategy ${JSON.stringify(value)} has no equivalent; deployments are weighted by weight or rpm`);
  return 'weighted';
}

type Fallbacks = Map<string, { targets: string[]; path: YamlPath }>;

/** `[{model: [fallback, ...]}, ...]`. */
function fallbacks(src: LiteLlmSource, value: unknown, inRouter: boolean): Fallbacks {
  const base: YamlPath = [inRouter ? 'router_settings' : 'litellm_settings', 'fallbacks'];
  const out: Fallbacks = new Map();
  if (value === undefined) return out;
  if (!Array.isArray(value)) {
    src.skipped(base, 'fallbacks must be a list of {model: [fallbacks]}');
    return out;
  }
  value.forEach((entry, i) => {
    for (const [model, targets] of Object.entries(section(src, entry, [...base, i]))) {
      const path = [...base, i, model];
      if (!Array.isArray(targets) || targets.some((t) => typeof t !== 'string'))
        src.skipped(path, 'fallbacks must be a list of model names');
      else out.set(model, { targets: targets as string[], path });
    }
  });
  return out;
}

function defaultFallbacks(src: LiteLlmSource, value: unknown): RoutingSettings['defaultFallbacks'] {
  const path = ['litellm_settings', 'default_fallbacks'];
  if (value === undefined) return null;
  if (!Array.isArray(value) || value.some((t) => typeof t !== 'string')) {
    src.skipped(path, 'default_fallbacks must be a list of model names');
    return null;
  }
  return { targets: value as string[], path };
}

function aliases(src: LiteLlmSource, value: unknown): RoutingSettings['aliases'] {
  const path = ['router_settings', 'model_group_alias'];
  const out = new Map<string, { target: string; path: YamlPath }>();
  for (const [alias, target] of Object.entries(section(src, value, path))) {
    const t = typeof target === 'string' ? target : (target as { model?: unknown } | null)?.model;
    if (typeof t === 'string') out.set(alias, { target: t, path: [...path, alias] });
    else src.skipped([...path, alias], 'an alias needs a model name');
  }
  return out;
}

/** num_retries, else the largest per-deployment max_retries, retried on 429 and 5xx like LiteLLM. */
function retries(src: LiteLlmSource, deployments: readonly Deployment[], value: unknown): { value: Json; note: string } | null {
  const global = count(value);
  const perModel = deployments.filter((d) => d.retries !== undefined);
  const attempts = global ?? Math.max(0, ...perModel.map((d) => d.retries!));
  if (new Set(perModel.map((d) => d.retries)).size > 1 || (global !== undefined && perModel.length > 0)) {
    for (const d of perModel)
      src.approximate([...d.path, 'litellm_params', 'max_retries'], `retries apply to every model here: ${attempts}`);
  }
  if (attempts === 0) return null;
  const from = global !== undefined ? 'num_retries' : 'max_retries of the deployments';
  return {
    value: { attempts, codes: [429, 500, 502, 503, 504, 529] },
    note: `${from}: each retry may go to another deployment of a virtual model`,
  };
}

/** The request timeout: router/litellm setting, else the largest per-deployment timeout. */
function timeouts(src: LiteLlmSource, deployments: readonly Deployment[], value: unknown): { value: Json; note: string } | null {
  const perModel = deployments.filter((d) => d.timeout !== undefined);
  const global = seconds(value);
  const longest = perModel.map((d) => d.timeout!).sort((a, b) => ms(b) - ms(a))[0];
  const requestTimeout = global ?? longest;
  if (new Set(perModel.map((d) => d.timeout)).size > 1 || (global !== undefined && perModel.length > 0)) {
    for (const d of perModel)
      src.approximate([...d.path, 'litellm_params', 'timeout'], `the timeout applies to every model here: ${requestTimeout}`);
  }
  if (requestTimeout === undefined) return null;
  return { value: { requestTimeout }, note: `LiteLLM timeout (seconds): the whole request, streams included` };
}

function ms(d: string): number {
  return d.endsWith('ms') ? Number(d.slice(0, -2)) : Number(d.slice(0, -1)) * 1000;
}

/** The master key stays the key clients send; a literal one is stored as its SHA-256 only. */
function masterKey(src: LiteLlmSource, value: unknown): ImportedKey[] {
  if (value === undefined) return [];
  const path = ['general_settings', 'master_key'];
  if (typeof value !== 'string' || value === '') {
    src.skipped(path, 'master_key must be a string');
    return [];
  }
  const ref = envRef(value) as string;
  const metadata = { name: 'litellm-master-key' };
  const entry = ref.startsWith('$')
    ? { key: ref, metadata }
    : { keyHash: `sha256:${createHash('sha256').update(value).digest('hex')}`, metadata };
  const how = ref.startsWith('$') ? `read from ${ref.slice(1)} at start` : 'kept as its SHA-256 hash, not in clear';
  return [
    {
      entry,
      note: `${src.where(path)}: clients keep sending the master key (Authorization: Bearer, or x-api-key); ${how}`,
    },
  ];
}
