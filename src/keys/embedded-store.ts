// The default store: keys, teams and spend in memory, made durable by one log file the gateway
// owns (log-file.ts). Lookups, reservations and settlements are synchronous in-process calls, so
// concurrent requests are serialised by the event loop: two can never take the same headroom.
// Reservations are not logged: they die with the process, as do the requests that held them.
import { Ledger, SHORT } from './ledger.js';
import { LogFile, StoreFileError } from './log-file.js';
import { addSpend, emptySpend, windowsAt } from './periods.js';
import { ADMISSION_WAIT_MS, type AdmitArgs, type KeyStore, type ScopeState } from './store.js';
import type { Admission, Amount, ChargedScope, KeyRecord, Reservation, Scope, ScopeSpend, SoftCrossing, TeamRecord } from './types.js';

export interface EmbeddedOptions {
  readonly path: string;
  /** Group-commit interval of spend records (default 200 ms). */
  readonly syncMs?: number;
  /** Log bytes after which the file is rewritten as a snapshot (default 8 MiB). */
  readonly compactBytes?: number;
  /** Clock (tests). */
  readonly now?: () => number;
  /** Longest wait for room others hold in a budget (default ADMISSION_WAIT_MS; tests). */
  readonly admissionWaitMs?: number;
}

const SNAPSHOT_VERSION = 1;
/** Paths open in this process: two stores on one file would interleave their logs. */
const open = new Set<string>();

/** A request waiting for room in a budget others hold (ledger.ts, admit). */
interface Waiter {
  readonly args: AdmitArgs;
  readonly resolve: (a: Admission) => void;
  timer: NodeJS.Timeout | undefined;
}

export class EmbeddedStore implements KeyStore {
  readonly kind = 'file' as const;
  onSoftLimit: (c: SoftCrossing) => void = () => {};
  private readonly keys = new Map<string, KeyRecord>();
  private readonly byDigest = new Map<string, string>();
  private readonly teams = new Map<string, TeamRecord>();
  private readonly ledger = new Ledger();
  /** In arrival order: each settlement lets the first that now fits go. */
  private waiters: Waiter[] = [];
  private readonly now: () => number;
  private readonly admissionWaitMs: number;
  private readonly compactBytes: number;
  private log!: LogFile;
  private compactAt: number;
  /** The last line of the file was torn by a crash and dropped when it was opened. */
  tornTail = false;

  private constructor(
    readonly where: string,
    opts: EmbeddedOptions,
  ) {
    this.now = opts.now ?? Date.now;
    this.admissionWaitMs = opts.admissionWaitMs ?? ADMISSION_WAIT_MS;
    this.compactBytes = opts.compactBytes ?? 8 * 1024 * 1024;
    this.compactAt = this.compactBytes;
  }

  /** Opens (or creates) the store file; throws StoreFileError when it is locked or damaged. */
  static open(opts: EmbeddedOptions): EmbeddedStore {
    if (open.has(opts.path)) throw new StoreFileError(`${opts.path} is already open in this process`);
    const store = new EmbeddedStore(opts.path, opts);
    const { log, torn } = LogFile.open(opts.path, { syncMs: opts.syncMs ?? 200 }, (rec) => store.apply(rec));
    store.log = log;
    store.tornTail = torn;
    open.add(opts.path);
    return store;
  }

  // ---- the request path: synchronous ----

  findKey(digest: string): KeyRecord | undefined {
    const id = this.byDigest.get(digest);
    return id === undefined ? undefined : this.keys.get(id);
  }

  findTeam(name: string): TeamRecord | undefined {
    return this.teams.get(name);
  }

  admit(args: AdmitArgs): Admission | Promise<Admission> {
    const a = this.ledger.admit(args.scopes, args.estimate, windowsAt(this.now()), true);
    if (a !== SHORT) return a;
    return new Promise((resolve) => {
      const w: Waiter = { args, resolve, timer: undefined };
      w.timer = setTimeout(() => this.release(w), this.admissionWaitMs);
      w.timer.unref();
      this.waiters.push(w);
    });
  }

  /** After a settlement: the waiters that now fit (or may take a tail) go, in arrival order. */
  private wake(): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      const a = this.ledger.admit(w.args.scopes, w.args.estimate, windowsAt(this.now()), true);
      if (a === SHORT) {
        still.push(w);
        continue;
      }
      clearTimeout(w.timer);
      w.resolve(a);
    }
    this.waiters = still;
  }

  /** A waiter that waited long enough (or the store closing) takes what is left. */
  private release(w: Waiter): void {
    const i = this.waiters.indexOf(w);
    if (i < 0) return;
    this.waiters.splice(i, 1);
    clearTimeout(w.timer);
    w.resolve(this.ledger.admit(w.args.scopes, w.args.estimate, windowsAt(this.now())) as Admission);
    this.wake();
  }

  extend(r: Reservation, want: Amount): Amount {
    return this.ledger.extend(r, want, windowsAt(this.now()));
  }

  settle(r: Reservation | null, scopes: readonly ChargedScope[], actual: Amount): void {
    const w = windowsAt(this.now());
    const crossed = this.ledger.settle(r, scopes, actual, w);
    if (this.waiters.length > 0) this.wake();
    const at = this.now();
    this.log.append({ t: 'spend', d: w.day, m: w.month, at, c: scopes.map((s) => [s.scope, actual.usd, actual.tokens]) });
    this.touch(scopes, at);
    for (const c of crossed) this.onSoftLimit(c);
    this.maybeCompact();
  }

  // ---- management ----

  async listKeys(): Promise<KeyRecord[]> {
    return [...this.keys.values()];
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    return this.keys.get(id);
  }

  async putKey(rec: KeyRecord): Promise<void> {
    const clash = this.byDigest.get(rec.digest);
    if (clash !== undefined && clash !== rec.id) throw new StoreFileError('another key has this secret');
    await this.log.appendDurable({ t: 'key', key: rec });
    this.setKey(rec);
  }

  async listTeams(): Promise<TeamRecord[]> {
    return [...this.teams.values()];
  }

  async putTeam(rec: TeamRecord): Promise<void> {
    await this.log.appendDurable({ t: 'team', team: rec });
    this.teams.set(rec.name, rec);
  }

  async scopeState(scopes: readonly Scope[]): Promise<Map<Scope, ScopeState>> {
    return new Map(scopes.map((s) => [s, { spend: this.ledger.spend.get(s), reserved: this.ledger.reservedFor(s) }]));
  }

  async importSpend(scope: Scope, amount: Amount, periods: { day: boolean; month: boolean }): Promise<void> {
    const w = windowsAt(this.now());
    const rec = {
      t: 'import',
      s: scope,
      usd: amount.usd,
      tokens: amount.tokens,
      d: periods.day ? w.day : null,
      m: periods.month ? w.month : null,
    };
    await this.log.appendDurable(rec);
    this.apply(rec);
  }

  async close(): Promise<void> {
    for (const w of [...this.waiters]) this.release(w);
    open.delete(this.where);
    await this.log.close();
  }

  // ---- the log ----

  private setKey(rec: KeyRecord): void {
    const old = this.keys.get(rec.id);
    if (old !== undefined && old.digest !== rec.digest) this.byDigest.delete(old.digest);
    this.keys.set(rec.id, rec);
    this.byDigest.set(rec.digest, rec.id);
  }

  /** One log record into the state (at open, and for imported spend). */
  private apply(rec: Record<string, unknown>): void {
    switch (rec.t) {
      case 'snapshot':
        return this.applySnapshot(rec);
      case 'key':
        return this.setKey(rec.key as KeyRecord);
      case 'team':
        return void this.teams.set((rec.team as TeamRecord).name, rec.team as TeamRecord);
      case 'spend': {
        const w = { day: rec.d as string, month: rec.m as string };
        const c = rec.c as [string, number, number][];
        for (const [scope, usd, tokens] of c) this.spendOf(scope, w, (s) => addSpend(s, { usd, tokens }, w, 1));
        if (typeof rec.at === 'number')
          this.touch(
            c.map(([scope]) => ({ scope })),
            rec.at,
          );
        return;
      }
      case 'import': {
        const w = windowsAt(this.now());
        const only = { day: rec.d !== null, month: rec.m !== null };
        const at = { day: (rec.d as string | null) ?? w.day, month: (rec.m as string | null) ?? w.month };
        this.spendOf(rec.s as string, at, (s) => addSpend(s, { usd: rec.usd as number, tokens: rec.tokens as number }, at, 0, only));
        return;
      }
      default:
        // A record of a later version: skipped, so a downgrade keeps what it understands.
        return;
    }
  }

  /** When the scopes were last charged (the admin API's lastUsedAt). */
  private touch(scopes: readonly { readonly scope: Scope }[], at: number): void {
    const iso = new Date(at).toISOString();
    for (const c of scopes) {
      const s = this.ledger.spend.get(c.scope);
      if (s !== undefined) s.lastUsedAt = iso;
    }
  }

  private spendOf(scope: Scope, w: { day: string; month: string }, fn: (s: ScopeSpend) => void): void {
    let s = this.ledger.spend.get(scope);
    if (s === undefined) this.ledger.spend.set(scope, (s = emptySpend(w)));
    fn(s);
  }

  private applySnapshot(rec: Record<string, unknown>): void {
    if (rec.v !== SNAPSHOT_VERSION) throw new StoreFileError(`${this.where}: snapshot version ${String(rec.v)} is not supported`);
    this.keys.clear();
    this.byDigest.clear();
    this.teams.clear();
    this.ledger.spend.clear();
    for (const k of rec.keys as KeyRecord[]) this.setKey(k);
    for (const t of rec.teams as TeamRecord[]) this.teams.set(t.name, t);
    for (const [scope, s] of rec.spend as [string, ScopeSpend][]) this.ledger.spend.set(scope, s);
  }

  private snapshot(): Record<string, unknown> {
    return {
      t: 'snapshot',
      v: SNAPSHOT_VERSION,
      at: new Date(this.now()).toISOString(),
      keys: [...this.keys.values()],
      teams: [...this.teams.values()],
      spend: [...this.ledger.spend.entries()],
    };
  }

  private maybeCompact(): void {
    if (this.log.appendedBytes < this.compactAt) return;
    this.compactAt = this.log.appendedBytes + this.compactBytes;
    this.log.compact(this.snapshot()).then(
      () => (this.compactAt = this.compactBytes),
      () => {
        // the old file is intact and still appended to; tried again after as many bytes more
      },
    );
  }

  /** Rewrites the file as one snapshot now (tests, and shutdown of a long-running gateway). */
  compactNow(): Promise<void> {
    return this.log.compact(this.snapshot());
  }
}
