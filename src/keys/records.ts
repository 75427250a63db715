// Making and changing key and team records (the admin API and the importer): each change is a
// whole new record with a bumped version and updatedAt, so stores only ever replace records.
import { digestOf, hintOf, newId, newSecret } from './secrets.js';
import type { Budget, KeyRateLimit, KeyRecord, RecordSource, TeamRecord } from './types.js';

/** The fields a caller may set on a key (all but identity, secret and lifecycle). */
export interface KeyFields {
  name?: string | undefined;
  team?: string | null | undefined;
  user?: string | null | undefined;
  app?: string | null | undefined;
  metadata?: Record<string, string> | undefined;
  allowedModels?: string[] | null | undefined;
  rateLimits?: KeyRateLimit[] | undefined;
  budgets?: Budget[] | undefined;
  maxCostPerRequest?: number | null | undefined;
  expiresAt?: string | null | undefined;
}

export type TeamFields = Omit<KeyFields, 'name' | 'team' | 'user' | 'app' | 'expiresAt'>;

/** A new key and its secret (returned once, never stored). */
export function createKey(
  fields: KeyFields,
  opts: { source: RecordSource; id?: string; secret?: string; digest?: string; hint?: string; now?: Date },
): { record: KeyRecord; secret: string | null } {
  const now = (opts.now ?? new Date()).toISOString();
  const secret = opts.digest !== undefined ? null : (opts.secret ?? newSecret());
  const id = opts.id ?? newId('key');
  const record = applyFields(
    {
      id,
      digest: opts.digest ?? digestOf(secret!),
      name: fields.name ?? id,
      hint: opts.hint ?? (secret !== null ? hintOf(secret) : '…'),
      metadata: {},
      allowedModels: null,
      rateLimits: [],
      budgets: [],
      source: opts.source,
      version: 1,
      createdAt: now,
      updatedAt: now,
    },
    fields,
  );
  return { record, secret };
}

/** The key with these fields changed (undefined: kept; null: cleared). */
export function updateKey(k: KeyRecord, fields: KeyFields, now = new Date()): KeyRecord {
  return { ...applyFields(k, fields), version: k.version + 1, updatedAt: now.toISOString() };
}

/** A new secret for the key: the old one stops working at once; spend, budgets and id stay. */
export function rotateKey(k: KeyRecord, now = new Date()): { record: KeyRecord; secret: string } {
  const secret = newSecret();
  const at = now.toISOString();
  return { record: { ...k, digest: digestOf(secret), hint: hintOf(secret), rotatedAt: at, updatedAt: at, version: k.version + 1 }, secret };
}

export function revokeKey(k: KeyRecord, now = new Date()): KeyRecord {
  const at = now.toISOString();
  return { ...k, revokedAt: k.revokedAt ?? at, updatedAt: at, version: k.version + 1 };
}

export function teamRecord(
  name: string,
  fields: TeamFields,
  prev: TeamRecord | undefined,
  source: RecordSource,
  now = new Date(),
): TeamRecord {
  const at = now.toISOString();
  const base: TeamRecord = prev ?? {
    name,
    metadata: {},
    allowedModels: null,
    rateLimits: [],
    budgets: [],
    source,
    version: 0,
    createdAt: at,
    updatedAt: at,
  };
  return { ...applyFields(base, fields), version: base.version + 1, updatedAt: at };
}

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function statusOf(k: KeyRecord, nowMs = Date.now()): KeyStatus {
  if (k.revokedAt !== undefined) return 'revoked';
  if (k.expiresAt !== undefined && Date.parse(k.expiresAt) <= nowMs) return 'expired';
  return 'active';
}

function applyFields<T extends KeyRecord | TeamRecord>(rec: T, f: KeyFields): T {
  const out: Record<string, unknown> = { ...rec };
  const set = (k: string, v: unknown) => {
    if (v === undefined) return;
    if (v === null) delete out[k];
    else out[k] = v;
  };
  for (const k of ['name', 'team', 'user', 'app', 'metadata', 'rateLimits', 'budgets', 'maxCostPerRequest', 'expiresAt'] as const)
    set(k, f[k]);
  if (f.allowedModels !== undefined) out.allowedModels = f.allowedModels;
  return out as T;
}
