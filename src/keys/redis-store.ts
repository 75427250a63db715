// The Redis store, for fleets: every replica reads and charges the same keys, teams and budgets.
// Records are cached by each replica (found by digest on first use, dropped when another replica
// announces a change on the events channel), and every admission checks in its Lua script that
// the cached versions are still current, so a key revoked through any replica stops working on
// the very next request everywhere. Reservations expire (RESERVATION_TTL_MS, renewed by streams
// that extend them), so a replica killed mid-request does not hold budget forever.
//
// Redis is the store of record here: run it with persistence (appendonly yes) if spend must
// survive a Redis restart. A settlement Redis cannot take is retried for a while (BACKLOG).
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { SHORT } from './ledger.js';
import { windowsAt } from './periods.js';
import { ADMIT, EXTEND, FIND, PUT_KEY, PUT_TEAM, SETTLE } from './redis-scripts.js';
import { ADMISSION_WAIT_MS, StaleRecord, StoreUnavailable, type AdmitArgs, type KeyStore, type ScopeState } from './store.js';
import type {
  Admission,
  Amount,
  Budget,
  ChargedScope,
  KeyRecord,
  Reservation,
  Scope,
  ScopeSpend,
  SoftCrossing,
  TeamRecord,
} from './types.js';

export interface RedisStoreOptions {
  readonly url: string;
  /** Namespace shared by the replicas of one fleet (default `default`). */
  readonly namespace?: string;
  /** Longest wait for Redis on the request path (default 500 ms). */
  readonly timeoutMs?: number;
  /** Clock of the budget windows (tests). */
  readonly now?: () => number;
  /** Longest wait for room others hold in a budget (default ADMISSION_WAIT_MS; tests). */
  readonly admissionWaitMs?: number;
}

/** A reservation not settled or renewed within this is released (its gateway died). */
export const RESERVATION_TTL_MS = 15 * 60_000;
/** How long "no such key" is remembered (a key created on another replica is announced sooner). */
const NEGATIVE_TTL_MS = 2_000;
const BACKLOG_LIMIT = 10_000;
const NO_SPEND = { usd: 0, tokens: 0 };

type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export class RedisStore implements KeyStore {
  readonly kind = 'redis' as const;
  readonly where: string;
  onSoftLimit: (c: SoftCrossing) => void = () => {};
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly p: string;
  private readonly channel: string;
  private readonly scripts: Record<'admit' | 'extend' | 'settle' | 'find' | 'putKey' | 'putTeam', Script>;
  private readonly keyCache = new Map<string, { rec: KeyRecord | null; until: number }>();
  private readonly teamCache = new Map<string, TeamRecord | null>();
  private readonly instance = randomBytes(6).toString('hex');
  private seq = 0;
  private backlog: (() => Promise<void>)[] = [];
  private backlogTimer: NodeJS.Timeout | null = null;
  private readonly now: () => number;
  private readonly admissionWaitMs: number;

  constructor(opts: RedisStoreOptions) {
    const timeout = opts.timeoutMs ?? 500;
    this.where = new URL(opts.url).host;
    this.now = opts.now ?? Date.now;
    this.admissionWaitMs = opts.admissionWaitMs ?? ADMISSION_WAIT_MS;
    this.p = `agw:keys:{${opts.namespace ?? 'default'}}:`;
    this.channel = `${this.p}events`;
    const base = { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: Math.max(timeout, 2000) } as const;
    // ioredis (~25 MB resident) loads only when a config keeps its keys in Redis
    const { Redis } = createRequire(import.meta.url)('ioredis') as { Redis: typeof import('ioredis').Redis };
    this.redis = new Redis(opts.url, { ...base, commandTimeout: timeout, retryStrategy: (n) => Math.min(n * 200, 2000) });
    this.sub = new Redis(opts.url, { ...base, retryStrategy: (n) => Math.min(n * 200, 2000) });
    this.redis.on('error', () => {});
    this.sub.on('error', () => {});
    // Messages missed while the subscription was down: forget everything cached.
    this.sub.on(
      'ready',
      () =>
        void this.sub.subscribe(this.channel).then(
          () => this.forget(),
          () => {},
        ),
    );
    this.sub.on('message', (_ch: string, msg: string) => this.onEvent(msg));
    const define = (name: string, lua: string) => {
      this.redis.defineCommand(name, { lua });
      return ((this.redis as unknown as Record<string, Script>)[name] as Script).bind(this.redis);
    };
    this.scripts = {
      admit: define('agwKeyAdmit', ADMIT),
      extend: define('agwKeyExtend', EXTEND),
      settle: define('agwKeySettle', SETTLE),
      find: define('agwKeyFind', FIND),
      putKey: define('agwKeyPut', PUT_KEY),
      putTeam: define('agwTeamPut', PUT_TEAM),
    };
  }

  /** Resolves once both connections are up (startup waits for it, bounded). */
  async ready(timeoutMs: number): Promise<void> {
    const up = (r: Redis) => (r.status === 'ready' ? Promise.resolve() : new Promise<void>((res) => r.once('ready', () => res())));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new StoreUnavailable(`redis at ${this.where} did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all([up(this.redis), up(this.sub)]), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- the request path ----

  findKey(digest: string): KeyRecord | undefined | Promise<KeyRecord | undefined> {
    const hit = this.keyCache.get(digest);
    if (hit !== undefined && (hit.rec !== null || hit.until > Date.now())) return hit.rec ?? undefined;
    return this.call(this.scripts.find(1, `${this.p}digest`, digest, `${this.p}key:`)).then((raw) => {
      const rec = raw === null ? null : withVersion(JSON.parse((raw as string[])[1]!) as KeyRecord, (raw as string[])[2]!);
      this.keyCache.set(digest, { rec, until: Date.now() + NEGATIVE_TTL_MS });
      return rec ?? undefined;
    });
  }

  findTeam(name: string): TeamRecord | undefined | Promise<TeamRecord | undefined> {
    const hit = this.teamCache.get(name);
    if (hit !== undefined) return hit ?? undefined;
    return this.call(this.redis.hmget(`${this.p}team:${name}`, 'rec', 'ver')).then(([rec, ver]) => {
      const t = rec == null ? null : withVersion(JSON.parse(rec) as TeamRecord, ver!);
      this.teamCache.set(name, t);
      return t ?? undefined;
    });
  }

  /**
   * Admission in Redis. A request short of room that other requests (on any replica) hold waits
   * for them to settle, asking again with backoff, then takes what is left (ledger.ts, admit).
   */
  async admit(args: AdmitArgs): Promise<Admission> {
    const until = performance.now() + this.admissionWaitMs; // real time, whatever the budget clock
    for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
      const a = await this.admitOnce(args, performance.now() < until);
      if (a !== SHORT) return a;
      await sleep(pause);
    }
  }

  private async admitOnce(args: AdmitArgs, mayWait: boolean): Promise<Admission | typeof SHORT> {
    const id = `${this.instance}.${++this.seq}`;
    const w = windowsAt(this.now());
    const recordKeys = args.records.map((r) => `${this.p}${r.kind}:${r.id}`);
    const raw = (await this.call(
      this.scripts.admit(
        2 + args.scopes.length + recordKeys.length,
        ...this.head(args.scopes),
        ...recordKeys,
        id,
        RESERVATION_TTL_MS,
        w.day,
        w.month,
        args.estimate.usd,
        args.estimate.tokens,
        args.scopes.length,
        args.records.length,
        ...budgetArgs(args.scopes),
        ...args.records.map((r) => String(r.version)),
        mayWait ? '1' : '0',
      ),
    )) as string[];
    if (raw[0] === 'short') return SHORT;
    if (raw[0] === 'stale') {
      const r = args.records[Number(raw[1]) - 1]!;
      this.drop(r.kind, r.id);
      throw new StaleRecord(r.kind, r.id);
    }
    if (raw[0] === 'exhausted') {
      const scope = args.scopes[Number(raw[1]) - 1]!;
      return { ok: false, exhausted: { scope: scope.scope, budget: scope.budgets[Number(raw[2]) - 1]!, spent: Number(raw[3]) } };
    }
    return { ok: true, reservation: { id, scopes: args.scopes, held: { usd: Number(raw[1]), tokens: Number(raw[2]) } } };
  }

  async extend(r: Reservation, want: Amount): Promise<Amount> {
    const w = windowsAt(this.now());
    const raw = (await this.call(
      this.scripts.extend(
        2 + r.scopes.length,
        ...this.head(r.scopes),
        r.id,
        RESERVATION_TTL_MS,
        w.day,
        w.month,
        want.usd,
        want.tokens,
        r.scopes.length,
        ...budgetArgs(r.scopes),
      ),
    )) as string[];
    return { usd: Number(raw[0]), tokens: Number(raw[1]) };
  }

  settle(r: Reservation | null, scopes: readonly ChargedScope[], actual: Amount): void {
    const w = windowsAt(this.now());
    const run = () => this.runSettle(r?.id ?? '', scopes, actual, w, { day: true, month: true }, 1);
    run().catch(() => this.retryLater(run));
  }

  // ---- management ----

  async listKeys(): Promise<KeyRecord[]> {
    const ids = await this.call(this.redis.smembers(`${this.p}keyids`));
    const out: KeyRecord[] = [];
    for (const id of ids) {
      const k = await this.getKey(id);
      if (k !== undefined) out.push(k);
    }
    return out;
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    const [rec, ver] = await this.call(this.redis.hmget(`${this.p}key:${id}`, 'rec', 'ver'));
    return rec == null ? undefined : withVersion(JSON.parse(rec) as KeyRecord, ver!);
  }

  async putKey(rec: KeyRecord): Promise<void> {
    const res = await this.call(
      this.scripts.putKey(
        3,
        `${this.p}digest`,
        `${this.p}key:${rec.id}`,
        `${this.p}keyids`,
        rec.id,
        rec.digest,
        JSON.stringify(rec),
        this.channel,
      ),
    );
    if (res === 'clash') throw new Error('another key has this secret');
    this.drop('key', rec.id);
  }

  async listTeams(): Promise<TeamRecord[]> {
    const names = await this.call(this.redis.smembers(`${this.p}teams`));
    const out: TeamRecord[] = [];
    for (const n of names) {
      const [rec, ver] = await this.call(this.redis.hmget(`${this.p}team:${n}`, 'rec', 'ver'));
      if (rec != null) out.push(withVersion(JSON.parse(rec) as TeamRecord, ver!));
    }
    return out;
  }

  async putTeam(rec: TeamRecord): Promise<void> {
    await this.call(this.scripts.putTeam(2, `${this.p}team:${rec.name}`, `${this.p}teams`, rec.name, JSON.stringify(rec), this.channel));
    this.teamCache.delete(rec.name);
  }

  async scopeState(scopes: readonly Scope[]): Promise<Map<Scope, ScopeState>> {
    const pipe = this.redis.pipeline();
    for (const s of scopes) pipe.hgetall(`${this.p}spend:${s}`);
    const results = (await this.call(pipe.exec())) ?? [];
    const out = new Map<Scope, ScopeState>();
    scopes.forEach((s, i) => out.set(s, stateOf(results[i]?.[1] as Record<string, string> | undefined)));
    return out;
  }

  async importSpend(scope: Scope, amount: Amount, periods: { day: boolean; month: boolean }): Promise<void> {
    await this.runSettle('', [{ scope, budgets: [] }], amount, windowsAt(this.now()), periods, 0);
  }

  async close(): Promise<void> {
    if (this.backlogTimer !== null) clearTimeout(this.backlogTimer);
    // Last chance for settlements Redis could not take.
    for (const run of this.backlog.splice(0)) await run().catch(() => {});
    this.redis.disconnect();
    this.sub.disconnect();
  }

  // ---- internals ----

  /** The first KEYS of every budget script: reservations, their expiries, then one spend hash per scope. */
  private head(scopes: readonly ChargedScope[]): string[] {
    return [`${this.p}res`, `${this.p}resexp`, ...scopes.map((s) => `${this.p}spend:${s.scope}`)];
  }

  private async runSettle(
    resId: string,
    scopes: readonly ChargedScope[],
    actual: Amount,
    w: { day: string; month: string },
    periods: { day: boolean; month: boolean },
    requests: number,
  ): Promise<void> {
    const raw = (await this.call(
      this.scripts.settle(
        2 + scopes.length,
        ...this.head(scopes),
        resId,
        w.day,
        w.month,
        actual.usd,
        actual.tokens,
        periods.day ? '1' : '0',
        periods.month ? '1' : '0',
        requests,
        scopes.length,
        ...budgetArgs(scopes),
      ),
    )) as string[];
    for (let i = 0; i + 2 < raw.length; i += 3) {
      const s = scopes[Number(raw[i]) - 1]!;
      this.onSoftLimit({ scope: s.scope, budget: s.budgets[Number(raw[i + 1]) - 1]!, spent: Number(raw[i + 2]) });
    }
  }

  private retryLater(run: () => Promise<void>): void {
    if (this.backlog.length >= BACKLOG_LIMIT) this.backlog.shift();
    this.backlog.push(run);
    if (this.backlogTimer !== null) return;
    const drain = async () => {
      this.backlogTimer = null;
      while (this.backlog.length > 0) {
        try {
          await this.backlog[0]!();
          this.backlog.shift();
        } catch {
          this.backlogTimer = setTimeout(() => void drain(), 1000);
          this.backlogTimer.unref();
          return;
        }
      }
    };
    this.backlogTimer = setTimeout(() => void drain(), 1000);
    this.backlogTimer.unref();
  }

  private async call<T>(p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      throw new StoreUnavailable(`keys store: redis at ${this.where}: ${(e as Error).message}`);
    }
  }

  private onEvent(msg: string): void {
    const [kind, id, ...digests] = msg.split(' ');
    if (kind === 'team') this.teamCache.delete(id!);
    if (kind !== 'key') return;
    for (const d of digests) if (d !== '') this.keyCache.delete(d);
    this.drop('key', id!);
  }

  private drop(kind: 'key' | 'team', id: string): void {
    if (kind === 'team') return void this.teamCache.delete(id);
    for (const [d, e] of this.keyCache) if (e.rec?.id === id) this.keyCache.delete(d);
  }

  private forget(): void {
    this.keyCache.clear();
    this.teamCache.clear();
  }
}

function withVersion<T extends { version: number }>(rec: T, ver: string): T {
  return { ...rec, version: Number(ver) };
}

/** Budgets in the scripts' ARGV layout (see redis-scripts.ts). */
function budgetArgs(scopes: readonly ChargedScope[]): (string | number)[] {
  const out: (string | number)[] = [];
  for (const s of scopes) {
    out.push(s.budgets.length);
    for (const b of s.budgets) out.push(b.unit, periodCode(b), b.limit ?? '', b.soft ?? '');
  }
  return out;
}

function periodCode(b: Budget): string {
  return b.period === 'daily' ? 'd' : b.period === 'monthly' ? 'm' : 't';
}

function stateOf(h: Record<string, string> | undefined): ScopeState {
  if (h === undefined || Object.keys(h).length === 0) return { spend: undefined, reserved: NO_SPEND };
  const n = (k: string) => Number(h[k] ?? 0);
  const spend: ScopeSpend = {
    total: { usd: n('t_usd'), tokens: n('t_tok') },
    day: { id: h.d_id ?? '', usd: n('d_usd'), tokens: n('d_tok') },
    month: { id: h.m_id ?? '', usd: n('m_usd'), tokens: n('m_tok') },
    requests: n('req'),
    ...(h.last !== undefined ? { lastUsedAt: new Date(Number(h.last)).toISOString() } : {}),
  };
  return { spend, reserved: { usd: Math.max(0, n('r_usd')), tokens: Math.max(0, n('r_tok')) } };
}
