// Keys and teams as the admin API and UI show them: never a secret nor its digest (a key is
// shown by its hint), with spend in each budget's current window, what is left, when it resets,
// and what requests in flight hold.
import { periodEndMs, spentIn, windowsAt } from '../keys/periods.js';
import { statusOf, type KeyStatus } from '../keys/records.js';
import type { ScopeState } from '../keys/store.js';
import { keyScope, teamScope, type Amount, type Budget, type KeyRecord, type ScopeSpend, type TeamRecord } from '../keys/types.js';
import type { VirtualKeys } from '../policies/virtual-keys.js';

export interface BudgetView extends Budget {
  /** Spent in the current window (today, this month, or ever). */
  readonly spent: number;
  /** What the hard limit has left (null: no hard limit). */
  readonly remaining: number | null;
  readonly softCrossed: boolean;
  readonly resetsAt: string | null;
}

export interface SpendView {
  readonly total: Amount;
  readonly today: Amount;
  readonly month: Amount;
  readonly requests: number;
  readonly lastUsedAt: string | null;
  /** Held by requests in flight. */
  readonly reserved: Amount;
}

export interface KeyView extends Omit<KeyRecord, 'digest' | 'budgets'> {
  readonly status: KeyStatus;
  readonly budgets: BudgetView[];
  readonly spend: SpendView;
  /** Declared in the config file: read-only here. */
  readonly readOnly: boolean;
}

export interface TeamView extends Omit<TeamRecord, 'budgets'> {
  readonly budgets: BudgetView[];
  readonly spend: SpendView;
  readonly keys: number;
  readonly readOnly: boolean;
}

export interface KeysView {
  readonly store: { readonly kind: string; readonly where: string };
  readonly keys: KeyView[];
  readonly teams: TeamView[];
}

/** Every key (declared first, then stored) and team, with their spend. */
export async function keysView(vk: VirtualKeys): Promise<KeysView> {
  const stored = await vk.store.listKeys();
  const keys = [...vk.declaredById.values(), ...stored.filter((k) => !vk.declaredById.has(k.id))];
  const storedTeams = await vk.store.listTeams();
  const named = new Set([...keys.map((k) => k.team).filter((t): t is string => t !== undefined)]);
  const teams = [...vk.declaredTeams.values(), ...storedTeams.filter((t) => !vk.declaredTeams.has(t.name))];
  for (const t of teams) named.delete(t.name);
  // A team named by keys but without a record still has spend to show.
  for (const name of named)
    teams.push({
      name,
      metadata: {},
      allowedModels: null,
      rateLimits: [],
      budgets: [],
      source: 'api',
      version: 0,
      createdAt: '',
      updatedAt: '',
    });
  const state = await vk.store.scopeState([...keys.map((k) => keyScope(k.id)), ...teams.map((t) => teamScope(t.name))]);
  const now = Date.now();
  return {
    store: { kind: vk.store.kind, where: vk.store.where },
    keys: keys.map((k) => keyView(k, state.get(keyScope(k.id)), now)),
    teams: teams.map((t) => ({
      ...t,
      budgets: t.budgets.map((b) => budgetView(b, state.get(teamScope(t.name))?.spend, now)),
      spend: spendView(state.get(teamScope(t.name)), now),
      keys: keys.filter((k) => k.team === t.name).length,
      readOnly: t.source === 'config',
    })),
  };
}

export function keyView(k: KeyRecord, state: ScopeState | undefined, now = Date.now()): KeyView {
  const { digest: _digest, budgets, ...rest } = k;
  return {
    ...rest,
    status: statusOf(k, now),
    budgets: budgets.map((b) => budgetView(b, state?.spend, now)),
    spend: spendView(state, now),
    readOnly: k.source === 'config',
  };
}

function budgetView(b: Budget, s: ScopeSpend | undefined, now: number): BudgetView {
  const spent = spentIn(s, b.period, windowsAt(now))[b.unit];
  const end = periodEndMs(b.period, now);
  return {
    ...b,
    spent,
    remaining: b.limit === undefined ? null : Math.max(0, b.limit - spent),
    softCrossed: b.soft !== undefined && spent >= b.soft,
    resetsAt: end === null ? null : new Date(end).toISOString(),
  };
}

function spendView(state: ScopeState | undefined, now: number): SpendView {
  const s = state?.spend;
  const w = windowsAt(now);
  return {
    total: { ...(s?.total ?? { usd: 0, tokens: 0 }) },
    today: { ...spentIn(s, 'daily', w) },
    month: { ...spentIn(s, 'monthly', w) },
    requests: s?.requests ?? 0,
    lastUsedAt: s?.lastUsedAt ?? null,
    reserved: state?.reserved ?? { usd: 0, tokens: 0 },
  };
}
