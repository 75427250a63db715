// Imported virtual keys and teams into the gateway's store (the file a gateway will own, or the
// Redis a fleet shares). Run again, it updates the records and leaves spend alone, so spend is
// never counted twice. A file store in use by a running gateway is refused (its lock).
import { EmbeddedStore } from '../keys/embedded-store.js';
import { createKey, revokeKey, teamRecord, updateKey } from '../keys/records.js';
import { RedisStore } from '../keys/redis-store.js';
import type { KeyStore } from '../keys/store.js';
import { keyScope, teamScope, type BudgetPeriod } from '../keys/types.js';
import type { DatabaseImport } from './litellm/database.js';

export type StoreTarget = { readonly file: string } | { readonly redis: { readonly url: string; readonly namespace: string } };

export interface WriteSummary {
  readonly created: number;
  readonly updated: number;
  readonly revoked: number;
  readonly teams: number;
  readonly spendUsd: number;
}

export async function writeImportedKeys(db: DatabaseImport, target: StoreTarget): Promise<WriteSummary> {
  const store = await open(target);
  try {
    return await write(store, db);
  } finally {
    await store.close();
  }
}

async function open(target: StoreTarget): Promise<KeyStore> {
  if ('file' in target) return EmbeddedStore.open({ path: target.file });
  const s = new RedisStore({ url: target.redis.url, namespace: target.redis.namespace, timeoutMs: 5000 });
  await s.ready(10_000);
  return s;
}

async function write(store: KeyStore, db: DatabaseImport): Promise<WriteSummary> {
  let created = 0;
  let updated = 0;
  let revoked = 0;
  let spendUsd = 0;
  const teams = new Map((await store.listTeams()).map((t) => [t.name, t]));
  for (const t of db.teams) {
    const prev = teams.get(t.name);
    await store.putTeam(teamRecord(t.name, t.fields, prev, 'import'));
    if (prev === undefined && t.spend > 0) {
      await store.importSpend(teamScope(t.name), { usd: t.spend, tokens: 0 }, periodsOf(t.period));
      spendUsd += t.spend;
    }
  }
  for (const k of db.keys) {
    const prev = await store.getKey(k.id);
    let rec =
      prev !== undefined
        ? { ...updateKey(prev, k.fields), digest: k.digest }
        : createKey(k.fields, { source: 'import', id: k.id, digest: k.digest, hint: k.hint }).record;
    if (k.revoked) {
      rec = revokeKey(rec);
      revoked++;
    }
    await store.putKey(rec);
    if (prev !== undefined) {
      updated++;
      continue;
    }
    created++;
    if (k.spend > 0) {
      await store.importSpend(keyScope(k.id), { usd: k.spend, tokens: 0 }, periodsOf(k.period));
      spendUsd += k.spend;
    }
  }
  return { created, updated, revoked, teams: db.teams.length, spendUsd };
}

/** LiteLLM's spend counts in the current window of the key's budget period (and in its lifetime). */
function periodsOf(p: BudgetPeriod): { day: boolean; month: boolean } {
  return { day: p === 'daily', month: p === 'daily' || p === 'monthly' };
}
