// LiteLLM's own tables -> virtual keys and teams with their budgets and spend so far, so every
// client keeps the key it has: LiteLLM stores `hash_token(sk-...)`, the SHA-256 hex of the key,
// which is exactly the digest the gateway looks keys up by. Read with node-postgres (loaded only
// here). Rows are read whole (SELECT *), so older and newer LiteLLM schemas both import; a
// column a version lacks is simply absent.
//
//   LiteLLM_VerificationToken  token (hash), key_alias/key_name, team_id, user_id, models,
//                              max_budget + budget_duration, spend, tpm/rpm_limit, expires,
//                              blocked, metadata, budget_id -> LiteLLM_BudgetTable (soft_budget, ...)
//   LiteLLM_TeamTable          team_alias, models, max_budget, soft_budget, budget_duration, spend,
//                              tpm/rpm_limit, blocked
import { createHash } from 'node:crypto';
import { periodOfDuration } from '../../keys/periods.js';
import type { Budget, BudgetPeriod, KeyRateLimit } from '../../keys/types.js';
import type { Finding } from '../plan.js';
import { ImportInputError } from './source.js';

type Row = Record<string, unknown>;

export interface ImportedTeam {
  readonly name: string;
  readonly fields: {
    metadata: Record<string, string>;
    allowedModels: string[] | null;
    rateLimits: KeyRateLimit[];
    budgets: Budget[];
  };
  readonly spend: number;
  readonly period: BudgetPeriod;
}

export interface ImportedVirtualKey {
  readonly id: string;
  readonly digest: string;
  readonly hint: string;
  readonly fields: {
    name: string;
    team?: string;
    user?: string;
    metadata: Record<string, string>;
    allowedModels: string[] | null;
    rateLimits: KeyRateLimit[];
    budgets: Budget[];
    expiresAt?: string;
  };
  readonly revoked: boolean;
  readonly spend: number;
  readonly period: BudgetPeriod;
}

export interface DatabaseImport {
  readonly keys: ImportedVirtualKey[];
  readonly teams: ImportedTeam[];
  readonly findings: Finding[];
}

/** LiteLLM's "any model" markers in a models list. */
const ANY = new Set(['all-proxy-models', 'all-team-models', '*']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/;

export async function readLiteLlmDatabase(url: string): Promise<DatabaseImport> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (e) {
    throw new ImportInputError(`cannot connect to LiteLLM's database at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  try {
    const rows = async (table: string): Promise<Row[]> => {
      try {
        return (await client.query(`SELECT * FROM "${table}"`)).rows as Row[];
      } catch (e) {
        throw new ImportInputError(`${redactUrl(url)}: cannot read "${table}" (is this LiteLLM's database?): ${(e as Error).message}`);
      }
    };
    const [tokens, teams, budgets] = [
      await rows('LiteLLM_VerificationToken'),
      await rows('LiteLLM_TeamTable'),
      await rows('LiteLLM_BudgetTable'),
    ];
    return mapDatabase(tokens, teams, budgets);
  } finally {
    await client.end().catch(() => {});
  }
}

/** The rows as keys, teams and findings (pure, for tests). */
export function mapDatabase(tokens: Row[], teams: Row[], budgetRows: Row[]): DatabaseImport {
  const findings: Finding[] = [];
  const budgets = new Map(budgetRows.map((b) => [String(b.budget_id), b]));
  const teamNames = new Map<string, string>();
  const outTeams = teams.map((t) => {
    const id = String(t.team_id);
    const name = typeof t.team_alias === 'string' && NAME.test(t.team_alias) ? t.team_alias : id;
    if (name !== t.team_alias && t.team_alias != null)
      note(
        findings,
        'LiteLLM_TeamTable',
        name,
        'approximate',
        `team alias "${String(t.team_alias)}" is not a valid name here; the team is named by its id`,
      );
    teamNames.set(id, name);
    const period = periodFor(findings, 'LiteLLM_TeamTable', name, t.budget_duration);
    if (t.blocked === true)
      note(findings, 'LiteLLM_TeamTable', name, 'skipped', 'the team is blocked in LiteLLM; revoke its keys to block them here');
    return {
      name,
      fields: {
        metadata: strings(t.metadata),
        allowedModels: models(t.models),
        rateLimits: limits(t.rpm_limit, t.tpm_limit),
        budgets: budget(t.max_budget, t.soft_budget, period),
      },
      spend: num(t.spend),
      period,
    } satisfies ImportedTeam;
  });
  const keys = tokens.map((k) => mapKey(k, budgets, teamNames, findings));
  return { keys, teams: outTeams, findings };
}

function mapKey(k: Row, budgets: Map<string, Row>, teamNames: Map<string, string>, findings: Finding[]): ImportedVirtualKey {
  const token = String(k.token);
  let digest = token.toLowerCase();
  const name =
    (typeof k.key_alias === 'string' && k.key_alias) || (typeof k.key_name === 'string' && k.key_name) || `litellm-${token.slice(0, 12)}`;
  if (!/^[0-9a-f]{64}$/.test(digest)) {
    // Very old LiteLLM versions stored the key itself: hash it as the newer ones do.
    digest = createHash('sha256').update(token).digest('hex');
    note(
      findings,
      'LiteLLM_VerificationToken',
      name,
      'approximate',
      'this key was stored unhashed by LiteLLM; it is kept as its SHA-256 only',
    );
  }
  const b = typeof k.budget_id === 'string' ? budgets.get(k.budget_id) : undefined;
  const maxBudget = k.max_budget ?? b?.max_budget;
  const duration = k.budget_duration ?? b?.budget_duration;
  const period = periodFor(findings, 'LiteLLM_VerificationToken', name, duration);
  const team = typeof k.team_id === 'string' ? (teamNames.get(k.team_id) ?? k.team_id) : undefined;
  if (k.max_parallel_requests != null)
    note(
      findings,
      'LiteLLM_VerificationToken',
      name,
      'skipped',
      `max_parallel_requests (${String(k.max_parallel_requests)}) has no equivalent; use rateLimits`,
    );
  if (nonEmpty(k.model_max_budget))
    note(
      findings,
      'LiteLLM_VerificationToken',
      name,
      'skipped',
      'per-model budgets (model_max_budget) are not imported; the key budget applies to every model',
    );
  const expires =
    k.expires instanceof Date ? k.expires.toISOString() : typeof k.expires === 'string' ? new Date(k.expires).toISOString() : undefined;
  return {
    id: `litellm_${digest.slice(0, 12)}`,
    digest,
    hint: typeof k.key_name === 'string' && k.key_name.startsWith('sk-') ? k.key_name : '…',
    fields: {
      name,
      ...(team !== undefined ? { team } : {}),
      ...(typeof k.user_id === 'string' ? { user: k.user_id } : {}),
      metadata: strings(k.metadata),
      allowedModels: models(k.models),
      rateLimits: limits(k.rpm_limit ?? b?.rpm_limit, k.tpm_limit ?? b?.tpm_limit),
      budgets: budget(maxBudget, b?.soft_budget, period),
      ...(expires !== undefined ? { expiresAt: expires } : {}),
    },
    revoked: k.blocked === true,
    spend: num(k.spend),
    period,
  };
}

function periodFor(findings: Finding[], table: string, who: string, duration: unknown): BudgetPeriod {
  const d = typeof duration === 'string' ? duration : null;
  const p = periodOfDuration(d);
  if (d !== null && !p.exact) {
    note(
      findings,
      table,
      who,
      'approximate',
      `budget_duration "${d}" becomes a ${p.period} budget (UTC calendar periods; LiteLLM counts from the last reset)`,
    );
  } else if (d !== null) {
    note(
      findings,
      table,
      who,
      'approximate',
      `budget_duration "${d}" resets at the start of each UTC ${p.period === 'daily' ? 'day' : 'month'}, not ${d} after LiteLLM's last reset`,
    );
  }
  return p.period;
}

function budget(max: unknown, soft: unknown, period: BudgetPeriod): Budget[] {
  const limit = typeof max === 'number' && max > 0 ? max : undefined;
  const s = typeof soft === 'number' && soft > 0 ? soft : undefined;
  return limit === undefined && s === undefined ? [] : [{ unit: 'usd', period, limit, soft: s }];
}

function limits(rpm: unknown, tpm: unknown): KeyRateLimit[] {
  const out: KeyRateLimit[] = [];
  const n = (v: unknown) => (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' ? Number(v) : Number.NaN);
  if (n(rpm) > 0) out.push({ type: 'requests', maxTokens: n(rpm), tokensPerFill: n(rpm), fillInterval: '1m' });
  if (n(tpm) > 0) out.push({ type: 'tokens', maxTokens: n(tpm), tokensPerFill: n(tpm), fillInterval: '1m' });
  return out;
}

function models(v: unknown): string[] | null {
  if (!Array.isArray(v) || v.length === 0) return null;
  const names = v.filter((m): m is string => typeof m === 'string');
  return names.some((m) => ANY.has(m)) ? null : names;
}

function strings(v: unknown): Record<string, string> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return {};
  return Object.fromEntries(Object.entries(v).map(([k, val]) => [k, typeof val === 'string' ? val : JSON.stringify(val)]));
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(v);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function nonEmpty(v: unknown): boolean {
  return v !== null && typeof v === 'object' && Object.keys(v).length > 0;
}

function note(findings: Finding[], table: string, who: string, kind: Finding['kind'], message: string): void {
  findings.push({ at: { file: 'database', path: `${table}[${who}]`, line: 0, col: 0 }, kind, message });
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '<database url>';
  }
}
