// The data of virtual keys, teams, budgets and spend, as every store keeps it. Plain JSON-able
// shapes: the embedded store writes them to its log, the Redis store to hashes, the admin API
// returns them (never with a secret: a key is known by its SHA-256 digest only).

export type BudgetUnit = 'usd' | 'tokens';
/** Calendar periods in UTC; `total` never resets. */
export type BudgetPeriod = 'daily' | 'monthly' | 'total';

export interface Budget {
  readonly unit: BudgetUnit;
  readonly period: BudgetPeriod;
  /** Hard limit: no request is admitted once it is used up, and a stream crossing it is cut. */
  readonly limit?: number | undefined;
  /** Soft limit: crossing it is reported (log line, metric, admin API), nothing is refused. */
  readonly soft?: number | undefined;
}

/** A per-key (or per-team) token bucket, as `localRateLimit` writes it. */
export interface KeyRateLimit {
  /** Default requests. */
  readonly type?: 'requests' | 'tokens' | undefined;
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  /** A duration such as `1m`. */
  readonly fillInterval: string;
}

export type RecordSource = 'api' | 'config' | 'import';

/** What keys and teams share: limits, budgets and the models they may use. */
export interface Governed {
  readonly metadata: Readonly<Record<string, string>>;
  /** Model names or patterns (`gpt-4o*`); null: any model. */
  readonly allowedModels: readonly string[] | null;
  readonly rateLimits: readonly KeyRateLimit[];
  readonly budgets: readonly Budget[];
  /** USD cap on one request's estimated cost; undefined: none (the config default applies). */
  readonly maxCostPerRequest?: number | undefined;
  readonly source: RecordSource;
  /** Bumped by every change; the Redis store uses it to tell a stale cached copy. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface KeyRecord extends Governed {
  /** Stable id (`key_...` from the API, the name from the config, `litellm_...` imported). */
  readonly id: string;
  /** SHA-256 of the secret, lower-case hex (LiteLLM's hash_token is the same function). */
  readonly digest: string;
  readonly name: string;
  /** What is shown instead of the secret: `sk-agw-…Ab12`. */
  readonly hint: string;
  readonly team?: string | undefined;
  readonly user?: string | undefined;
  readonly app?: string | undefined;
  readonly expiresAt?: string | undefined;
  readonly revokedAt?: string | undefined;
  readonly rotatedAt?: string | undefined;
}

export interface TeamRecord extends Governed {
  readonly name: string;
}

/** Spend in both units. */
export interface Amount {
  usd: number;
  tokens: number;
}

/** Spend of one scope (a key or a team): lifetime, this UTC day and this UTC month. */
export interface ScopeSpend {
  total: Amount;
  day: Amount & { id: string };
  month: Amount & { id: string };
  requests: number;
  lastUsedAt?: string | undefined;
}

/** A scope is `key:<id>` or `team:<name>`. */
export type Scope = string;

export const keyScope = (id: string): Scope => `key:${id}`;
export const teamScope = (name: string): Scope => `team:${name}`;

/** The scopes a request is charged to, with the budgets each enforces. */
export interface ChargedScope {
  readonly scope: Scope;
  readonly budgets: readonly Budget[];
}

/** The calendar windows a charge falls in (UTC), see periods.ts. */
export interface Windows {
  readonly day: string;
  readonly month: string;
}

/** Amounts set aside for one request in flight; settled (or released) exactly once. */
export interface Reservation {
  readonly id: string;
  readonly scopes: readonly ChargedScope[];
  /** What is reserved now (the grant: the estimate, or less when the budget had less left). */
  readonly held: Amount;
}

/** A hard budget that had nothing left. */
export interface Exhausted {
  readonly scope: Scope;
  readonly budget: Budget;
  readonly spent: number;
}

export type Admission = { readonly ok: true; readonly reservation: Reservation } | { readonly ok: false; readonly exhausted: Exhausted };

/** A soft limit crossed by a settled charge (reported once per crossing). */
export interface SoftCrossing {
  readonly scope: Scope;
  readonly budget: Budget;
  readonly spent: number;
}
