// The one interface in front of virtual keys, teams and spend. Two implementations: the
// embedded store (a file the gateway owns, everything in memory: every call on the request path
// is synchronous) and the Redis store (shared by every replica: the calls that must be atomic
// across replicas are Lua scripts, and may return promises). The request path treats a value
// and a promise alike.
import type { Admission, Amount, ChargedScope, KeyRecord, Reservation, Scope, ScopeSpend, SoftCrossing, TeamRecord } from './types.js';

export interface AdmitArgs {
  readonly scopes: readonly ChargedScope[];
  readonly estimate: Amount;
  /** Stored records the caller read from its cache: the Redis store checks they are current. */
  readonly records: readonly { readonly kind: 'key' | 'team'; readonly id: string; readonly version: number }[];
}

export interface ScopeState {
  readonly spend: ScopeSpend | undefined;
  /** Held by requests in flight (this process's, or the fleet's with Redis). */
  readonly reserved: Amount;
}

/** A stored record changed since it was read (another replica revoked or edited it): read it again. */
export class StaleRecord extends Error {
  constructor(
    readonly kind: 'key' | 'team',
    readonly id: string,
  ) {
    super(`${kind} ${id} changed`);
  }
}

/**
 * How long a request whose estimate does not fit what a budget has left waits for the requests
 * holding the rest to settle, before it takes what is left (ledger.ts, admit). Long enough for
 * ordinary answers to finish; a long stream holding the budget does not stall others for longer.
 */
export const ADMISSION_WAIT_MS = 10_000;

/** The store could not answer (Redis down or too slow). */
export class StoreUnavailable extends Error {}

export interface KeyStore {
  readonly kind: 'file' | 'redis';
  /** Where it lives, for logs (a path, or host:port; never a password). */
  readonly where: string;
  /** Called for every soft limit a settled charge crosses. */
  onSoftLimit: (c: SoftCrossing) => void;

  // ---- the request path ----
  /** The stored key whose secret has this SHA-256 (revoked and expired ones included). */
  findKey(digest: string): KeyRecord | undefined | Promise<KeyRecord | undefined>;
  /** A stored team (cached; teams change rarely). */
  findTeam(name: string): TeamRecord | undefined | Promise<TeamRecord | undefined>;
  /** Reserves the estimate against every scope's hard budgets; throws StaleRecord or StoreUnavailable. */
  admit(args: AdmitArgs): Admission | Promise<Admission>;
  /** More for a reservation whose real usage outgrew it; resolves to what was granted. */
  extend(r: Reservation, want: Amount): Amount | Promise<Amount>;
  /** Releases the reservation and charges the real usage (never throws; best effort with Redis). */
  settle(r: Reservation | null, scopes: readonly ChargedScope[], actual: Amount): void;

  // ---- management (the admin API, the importer) ----
  listKeys(): Promise<KeyRecord[]>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  /** Creates or replaces a key; resolves once the change is durable. */
  putKey(rec: KeyRecord): Promise<void>;
  listTeams(): Promise<TeamRecord[]>;
  putTeam(rec: TeamRecord): Promise<void>;
  scopeState(scopes: readonly Scope[]): Promise<Map<Scope, ScopeState>>;
  /** Adds spend recorded elsewhere (imported from LiteLLM) to the current windows. */
  importSpend(scope: Scope, amount: Amount, periods: { day: boolean; month: boolean }): Promise<void>;
  close(): Promise<void>;
}
