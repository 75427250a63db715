// Live state that outlives one snapshot: connection pools, rate-limit buckets, load-balancer
// statistics, JWKS caches. A reload compiles a whole new snapshot, but a bucket half spent or a
// warm connection pool must not reset just because someone edited an unrelated route, so the
// compiler asks this registry for its live objects by stable id and spec instead of creating
// them.
//
// How to adopt it (in compile.ts, inside a policy or backend compile):
//
//   const bucket = live.get(`${route.key}::ratelimit`, spec, () => new TokenBucket(spec));
//
// - `id` is stable across reloads and names what the object belongs to:
//   `<route key | backend key | target origin>::<kind>`, e.g. `3000/main/openai::ratelimit`.
//   /api/runtime shows the status of live objects under the backend whose key prefixes the id.
// - `spec` is the config that shaped the object (any JSON-able value, or a string). Same id and
//   same spec: the existing object is returned, its state intact. Different spec: a fresh object
//   is created; the old one stays with the old snapshot until the new snapshot is committed.
// - Objects with a `close()` method are closed when no committed snapshot uses them any more
//   (pools drain: undici's close() waits for requests in flight). Pass `dispose` to override.
// - Objects with a `liveStatus()` method are asked for a small JSON status for the admin API;
//   or pass `status` to describe an object you do not own (e.g. an undici Pool's stats).
//
// A compile runs inside a scope: `begin()` before compiling, `commit()` once the snapshot is
// swapped in (everything the previous snapshot used and this one does not is disposed, once the
// requests still running on older snapshots are done: see snapshot-use.ts), or
// `abort()` when compiling failed or was only a validation (everything created by this scope
// alone is disposed; the serving snapshot's objects are untouched). Compiles are synchronous,
// so scopes never interleave.
import { createHash } from 'node:crypto';

export interface LiveOptions<T> {
  /** Called once the object is no longer used by the serving snapshot (default: `close()`). */
  dispose?: (value: T) => unknown;
  /** Small JSON description for /api/runtime (default: `liveStatus()` if the object has it). */
  status?: (value: T) => Record<string, unknown>;
}

export interface LiveEntryInfo {
  id: string;
  status: Record<string, unknown> | null;
}

interface Entry {
  id: string;
  value: unknown;
  opts: LiveOptions<unknown>;
}

/** The view of the registry a compile gets: hand out objects, remember which were used. */
export interface LiveScope {
  get<T>(id: string, spec: unknown, create: () => T, opts?: LiveOptions<T>): T;
}

export class LiveState {
  /** Keyed by id + spec hash, so two specs under one id (old and new snapshot) coexist. */
  private readonly entries = new Map<string, Entry>();
  /** Keys the serving snapshot uses. */
  private committed = new Set<string>();
  /** Retired by a commit, disposed once older snapshots' requests are done; revived if used again. */
  private readonly retiring = new Map<string, { entry: Entry; after: Promise<void> }>();
  /** Retiring entries an open scope took back (an aborted scope hands them back to retirement). */
  private readonly revived = new Set<string>();
  /** What the latest commit's retirements wait for (older snapshots' requests). */
  private lastRetireAfter: Promise<void> | null = null;
  private open: Scope | null = null;

  begin(): Scope {
    if (this.open !== null) throw new Error('a live-state scope is already open (compiles must not interleave)');
    this.open = new Scope(this);
    return this.open;
  }

  /**
   * Runs a compile in a new scope, aborted if it throws, so the compile can be tried again (a
   * ModuleNotLoaded retry, runtime/with-modules.ts). A scope that succeeded stays open.
   */
  attempt<T>(run: (scope: Scope) => T): T {
    const scope = this.begin();
    try {
      return run(scope);
    } catch (e) {
      scope.abort();
      throw e;
    }
  }

  /** Status of every object the serving snapshot uses. */
  describe(): LiveEntryInfo[] {
    const out: LiveEntryInfo[] = [];
    for (const key of this.committed) {
      const e = this.entries.get(key);
      if (e !== undefined) out.push({ id: e.id, status: statusOf(e) });
    }
    return out;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Disposes everything (shutdown); waits for disposers that return promises. */
  async closeAll(): Promise<void> {
    const all = [...this.entries.values(), ...[...this.retiring.values()].map((r) => r.entry)];
    this.entries.clear();
    this.retiring.clear();
    this.committed.clear();
    await Promise.allSettled(all.map((e) => dispose(e)));
  }

  /** @internal */
  lookup(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e !== undefined) return e;
    const retiring = this.retiring.get(key);
    if (retiring === undefined) return undefined;
    // Used again before it was disposed (a reload reverted): it serves on, state intact.
    this.retiring.delete(key);
    this.entries.set(key, retiring.entry);
    this.revived.add(key);
    return retiring.entry;
  }

  /** @internal */
  add(key: string, entry: Entry): void {
    this.entries.set(key, entry);
  }

  /** @internal */
  finish(scope: Scope, keep: ReadonlySet<string>): void {
    if (this.open === scope) this.open = null;
    for (const [key, e] of this.entries) {
      if (keep.has(key)) continue;
      this.entries.delete(key);
      // An old snapshot's requests may still use it: back to waiting, not disposed under them.
      const waitFor = this.revived.has(key) ? this.lastRetireAfter : null;
      if (waitFor !== null) this.retire(key, e, waitFor);
      else void dispose(e);
    }
    this.revived.clear();
  }

  /** @internal */
  commitScope(scope: Scope, used: ReadonlySet<string>, retireAfter: Promise<void> | null): void {
    this.committed = new Set(used);
    if (retireAfter === null) {
      this.revived.clear();
      return this.finish(scope, used);
    }
    if (this.open === scope) this.open = null;
    this.revived.clear();
    this.lastRetireAfter = retireAfter;
    for (const [key, e] of this.entries) {
      if (used.has(key)) continue;
      this.entries.delete(key);
      this.retire(key, e, retireAfter);
    }
  }

  /** Disposes `e` once `after` resolves, unless a later compile took it back meanwhile. */
  private retire(key: string, entry: Entry, after: Promise<void>): void {
    const record = { entry, after };
    this.retiring.set(key, record);
    void after.then(() => {
      // Revived meanwhile, or revived and retired again by a later reload (a new record that
      // waits for its own older requests): not this retirement's to dispose.
      if (this.retiring.get(key) !== record) return;
      this.retiring.delete(key);
      void dispose(entry);
    });
  }

  /** @internal */
  abortScope(scope: Scope): void {
    this.finish(scope, this.committed);
  }
}

export class Scope implements LiveScope {
  private readonly used = new Set<string>();
  private closed = false;

  constructor(private readonly state: LiveState) {}

  get<T>(id: string, spec: unknown, create: () => T, opts: LiveOptions<T> = {}): T {
    if (this.closed) throw new Error(`live-state scope already closed (asked for ${id})`);
    const key = `${id}\0${specHash(spec)}`;
    this.used.add(key);
    const found = this.state.lookup(key);
    if (found !== undefined) return found.value as T;
    const value = create();
    this.state.add(key, { id, value, opts: opts as LiveOptions<unknown> });
    return value;
  }

  /**
   * The new snapshot is serving: keep what it uses, dispose what only older ones used — at once,
   * or when `retireAfter` resolves (requests still running on older snapshots are done).
   */
  commit(retireAfter: Promise<void> | null = null): void {
    this.close();
    this.state.commitScope(this, this.used, retireAfter);
  }

  /** Compile failed (or was a dry run): drop what this scope created, keep the serving set. */
  abort(): void {
    this.close();
    this.state.abortScope(this);
  }

  private close(): void {
    if (this.closed) throw new Error('live-state scope already closed');
    this.closed = true;
  }
}

/** Stable hash of a spec: key order does not matter, secrets never leave this function. */
export function specHash(spec: unknown): string {
  const text = typeof spec === 'string' ? spec : stableJson(spec);
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

function stableJson(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const keys = Object.keys(v)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

function statusOf(e: Entry): Record<string, unknown> | null {
  try {
    if (e.opts.status) return e.opts.status(e.value);
    const v = e.value as { liveStatus?: () => Record<string, unknown> };
    return typeof v?.liveStatus === 'function' ? v.liveStatus() : null;
  } catch {
    return null;
  }
}

async function dispose(e: Entry): Promise<void> {
  try {
    if (e.opts.dispose) await e.opts.dispose(e.value);
    else {
      const v = e.value as { close?: () => unknown };
      if (typeof v?.close === 'function') await v.close();
    }
  } catch {
    // a disposer failing (a pool already destroyed) must not stop the others
  }
}
