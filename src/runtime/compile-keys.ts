// The `keys:` section compiled: the store (a live object kept across reloads for as long as its
// location is unchanged, so its file lock, connections and reservations survive a reload), the
// per-key rate limiter (live too: buckets keep their state), and the keys and teams the config
// declares (rebuilt on every reload: removing one from the file stops it on the next request).
import { durationMs } from '../config/schema/common.js';
import type { DeclaredKeyT, KeysSectionT, TeamSpecT } from '../config/schema/keys.js';
import { EmbeddedStore } from '../keys/embedded-store.js';
import { StoreFileError } from '../keys/log-file.js';
import { RedisStore } from '../keys/redis-store.js';
import { hintOf } from '../keys/secrets.js';
import type { KeyStore } from '../keys/store.js';
import { UnopenedStore } from '../keys/unopened-store.js';
import type { KeyRecord, SoftCrossing, TeamRecord } from '../keys/types.js';
import { o200k } from '../llm/tokens.js';
import { log } from '../observability/log.js';
import { KeyLimiter } from '../policies/key-limits.js';
import { RedisBuckets } from '../policies/redis-rate-limit.js';
import { sha256 } from '../policies/secret-compare.js';
import { VirtualKeys } from '../policies/virtual-keys.js';

type Path = (string | number)[];

export interface KeysCompiler {
  live<T extends object>(id: string, spec: unknown, create: () => T): T;
  fail(path: Path, message: string): void;
  readFile(path: Path, file: string): string | undefined;
  resolveFile(file: string): string;
}

/** The store file when the config names none: beside the config file. */
export const DEFAULT_STORE_FILE = 'agentgateway-keys.db';

export type { VirtualKeys };

/** The keys: section. `open` false (a config check): the store is named, not opened. */
/** `alert` hears a settled charge crossing a soft budget (the gateway's observability). */
export function compileKeys(
  c: KeysCompiler,
  section: KeysSectionT | undefined,
  open: boolean,
  alert: (c: SoftCrossing) => void = () => {},
): VirtualKeys | null {
  if (section === undefined) return null;
  const store = openStore(c, section, open, alert);
  if (store === null) return null;
  // Reservations count input tokens and streams are metered with the o200k tokenizer: loaded
  // now (~0.2 s, in the background) rather than by the first request with a budget.
  if (open) void o200k();
  const redis = section.store?.redis;
  const limiter = c.live(`keys:limiter:${store.where}`, store.where, () =>
    redis === undefined
      ? new KeyLimiter(null)
      : new KeyLimiter({
          client: new RedisBuckets(redis.url, durationMs(redis.timeout ?? '500ms')),
          prefix: `agw:keys:{${redis.namespace ?? 'default'}}:rl:`,
        }),
  );
  const teams = new Map<string, TeamRecord>();
  (section.teams ?? []).forEach((t, i) => {
    if (teams.has(t.name)) c.fail(['keys', 'teams', i, 'name'], `team "${t.name}" is declared twice`);
    teams.set(t.name, declaredTeam(t));
  });
  const byDigest = new Map<string, KeyRecord>();
  const byId = new Map<string, KeyRecord>();
  (section.keys ?? []).forEach((k, i) => {
    const rec = declaredKey(c, k, ['keys', 'keys', i]);
    if (rec === null) return;
    if (byId.has(rec.id)) c.fail(['keys', 'keys', i, 'name'], `key "${rec.id}" is declared twice`);
    if (byDigest.has(rec.digest)) c.fail(['keys', 'keys', i], `key "${rec.id}" has the same secret as "${byDigest.get(rec.digest)!.id}"`);
    byDigest.set(rec.digest, rec);
    byId.set(rec.id, rec);
  });
  return new VirtualKeys(
    store,
    byDigest,
    byId,
    teams,
    {
      typicalOutputTokens: section.typicalOutputTokens ?? 1024,
      maxCostPerRequest: section.maxCostPerRequest,
      unpricedModels: section.unpricedModels ?? 'refuse',
    },
    limiter,
  );
}

function openStore(c: KeysCompiler, section: KeysSectionT, open: boolean, alert: (c: SoftCrossing) => void): KeyStore | null {
  const redis = section.store?.redis;
  if (!open) {
    return redis !== undefined
      ? new UnopenedStore('redis', new URL(redis.url).host)
      : new UnopenedStore('file', c.resolveFile(section.store?.file ?? DEFAULT_STORE_FILE));
  }
  if (redis !== undefined) {
    const ns = redis.namespace ?? 'default';
    return c.live(`keys:store:${redis.url}#${ns}`, { url: redis.url, ns }, () =>
      withAlerts(new RedisStore({ url: redis.url, namespace: ns, timeoutMs: durationMs(redis.timeout ?? '500ms') }), alert),
    );
  }
  const path = c.resolveFile(section.store?.file ?? DEFAULT_STORE_FILE);
  try {
    return c.live(`keys:store:${path}`, path, () =>
      withAlerts(EmbeddedStore.open({ path, syncMs: durationMs(section.store?.syncInterval ?? '200ms') }), alert),
    );
  } catch (e) {
    if (!(e instanceof StoreFileError)) throw e;
    c.fail(['keys', 'store'], e.message);
    return null;
  }
}

function withAlerts<T extends KeyStore>(store: T, alert: (c: SoftCrossing) => void): T {
  store.onSoftLimit = alert;
  const torn = (store as { tornTail?: boolean }).tornTail === true ? '; a torn last record (a crash mid-write) was dropped' : '';
  log.info(`keys store: ${store.kind} ${store.where}${torn}`);
  return store;
}

function governed(spec: TeamSpecT | DeclaredKeyT) {
  return {
    metadata: spec.metadata ?? {},
    allowedModels: spec.allowedModels ?? null,
    rateLimits: spec.rateLimits ?? [],
    budgets: spec.budgets ?? [],
    maxCostPerRequest: spec.maxCostPerRequest,
    source: 'config' as const,
    version: 0,
    createdAt: '',
    updatedAt: '',
  };
}

function declaredTeam(t: TeamSpecT): TeamRecord {
  return { name: t.name, ...governed(t) };
}

function declaredKey(c: KeysCompiler, k: DeclaredKeyT, path: Path): KeyRecord | null {
  let digest: string;
  let hint = '…';
  if (k.keyHash !== undefined) digest = k.keyHash.slice('sha256:'.length).toLowerCase();
  else {
    const secret = typeof k.key === 'string' ? k.key : c.readFile([...path, 'key'], k.key!.file)?.trim();
    if (secret === undefined) return null;
    if (secret === '') {
      c.fail([...path, 'key'], 'the key is empty');
      return null;
    }
    digest = sha256(secret).toString('hex');
    hint = hintOf(secret);
  }
  return {
    id: k.name,
    digest,
    name: k.name,
    hint,
    team: k.team,
    user: k.user,
    app: k.app,
    expiresAt: k.expiresAt,
    ...governed(k),
  };
}
