// Session affinity for an AI backend's providers (agentgateway's `sessionAffinity`, plus the
// prompt-cache extensions): a request with a session key goes where that session went before,
// so the provider's prompt cache for it is warm. A new key is placed by rendezvous hashing over
// the provider names, so every replica places it alike without sharing state, and adding or
// removing a provider moves only the keys that hash to it.
//
// Health, priority and load still win, as in agentgateway (the hash never overrides them):
// - only the first group with a provider in rotation is considered (liveBucket), and within it
//   only providers that are not evicted (all of them, if every one is);
// - a session whose provider was evicted, or whose group is no longer the one in use, moves to
//   the next provider in its rendezvous order, and stays there ("moved");
// - a provider holding more than `maxLoad` × the group's mean in-flight requests, plus one, is
//   skipped for this request only ("spilled"): the session comes back once load evens out;
// - a retry avoids the providers this request already tried ("spilled", reason retry).
// When every candidate is over its load bound, pick-2 decides among them.
//
// The table (key -> provider, last use) is live state kept by the backend's stable id and its
// provider layout, so a reload that keeps the providers keeps every session where it is; one that
// changes them starts over from the hash, which moves only the changed providers' share. Entries
// unused for `ttlMs` expire (a provider's prompt cache is cold by then anyway). With worker
// threads the table is in shared memory (src/lb/session-store.ts), one per gateway.
import { AFFINITY_ENDPOINT_SEED, affinityHasher } from '../native/index.js';
import { liveBucket } from './buckets.js';
import type { BalancerState, Slot } from './balancer.js';
import { LocalSessionStore, type SessionStore } from './session-store.js';

export interface AffinitySettings {
  /** An entry unused this long is forgotten (the key is placed by the hash again). */
  readonly ttlMs: number;
  /** In-flight bound relative to the group's mean (plus one); 0: no bound. */
  readonly maxLoad: number;
}

/** hit: where the session was; new: placed by the hash; moved: placed elsewhere for good; spilled: elsewhere for this request. */
export type AffinityResult = 'hit' | 'new' | 'moved' | 'spilled';
export type MoveReason = 'evicted' | 'priority' | 'overloaded' | 'retry';

export interface AffinityDecision {
  readonly slot: Slot;
  readonly result: AffinityResult;
  readonly reason: MoveReason | null;
  /** The provider the session was on (moved, spilled). */
  readonly from: Slot | null;
}

/** Sessions tracked per backend before the least recently placed are dropped. */
export const MAX_SESSIONS = 100_000;

export class SessionTable {
  /** Per group: provider name hashes, and a scratch array of who may be chosen. */
  private readonly hashes: Uint32Array[];
  private readonly eligible: Uint8Array[];

  constructor(
    readonly names: readonly (readonly string[])[],
    readonly settings: AffinitySettings,
    private readonly entries: SessionStore = new LocalSessionStore(MAX_SESSIONS),
  ) {
    const h = affinityHasher();
    this.hashes = names.map((g) => Uint32Array.from(g, (n) => h.hash(n, AFFINITY_ENDPOINT_SEED)));
    this.eligible = names.map((g) => new Uint8Array(g.length));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Where the session is now, or null (unknown or expired). */
  current(key: number, nowMs: number): Slot | null {
    const e = this.entries.read(key, nowMs, this.settings.ttlMs);
    return e === undefined ? null : { bucket: e.bucket, index: e.index };
  }

  /** The provider named `name`, for a pin read from a shared store. */
  slotOf(name: string): Slot | null {
    for (let bucket = 0; bucket < this.names.length; bucket++) {
      const index = this.names[bucket]!.indexOf(name);
      if (index >= 0) return { bucket, index };
    }
    return null;
  }

  nameOf(s: Slot): string {
    return this.names[s.bucket]![s.index]!;
  }

  /** Records where a session is (a pin from a shared store), unless it is known here already. */
  adopt(key: number, s: Slot, nowMs: number): void {
    if (this.entries.read(key, nowMs, this.settings.ttlMs) === undefined) this.set(key, s, nowMs, nowMs);
  }

  /** Whether the entry should be written to the shared store again (first time, or every ttl/4 of use). */
  shouldShare(key: number, nowMs: number): boolean {
    return this.entries.claimShare(key, nowMs, this.settings.ttlMs / 4);
  }

  /** The provider for this attempt of a request with session `key`; `tried`: this request's earlier attempts. */
  choose(b: BalancerState, key: number, nowMs: number, tried: readonly Slot[]): AffinityDecision {
    const bucket = liveBucket(b.buckets, nowMs);
    const el = this.candidates(b, bucket, nowMs, tried);
    const over = this.overload(b, bucket);
    const e = this.entries.read(key, nowMs, this.settings.ttlMs);
    const from = e === undefined ? null : { bucket: e.bucket, index: e.index };
    if (e !== undefined && e.bucket === bucket && el[e.index] === 1) {
      if (!over(e.index)) {
        this.entries.touch(key, nowMs);
        return { slot: from!, result: 'hit', reason: null, from: null };
      }
      el[e.index] = 0;
      return { slot: this.next(b, key, bucket, el, over, nowMs), result: 'spilled', reason: 'overloaded', from };
    }
    const slot = this.next(b, key, bucket, el, over, nowMs);
    if (e === undefined) {
      this.set(key, slot, nowMs, Number.NEGATIVE_INFINITY);
      return { slot, result: 'new', reason: null, from: null };
    }
    // Only passed over because this request tried it already: the session stays there.
    const wasTried = tried.some((t) => t.bucket === bucket && t.index === e.index);
    if (e.bucket === bucket && wasTried && !b.buckets[bucket]!.isEvicted(e.index, nowMs)) {
      return { slot, result: 'spilled', reason: 'retry', from };
    }
    const reason = e.bucket === bucket ? 'evicted' : 'priority';
    this.set(key, slot, nowMs, Number.NEGATIVE_INFINITY);
    return { slot, result: 'moved', reason, from };
  }

  /** Small status for /api/runtime. */
  liveStatus(): Record<string, unknown> {
    return { sessions: this.entries.size, ttlMs: this.settings.ttlMs, maxLoad: this.settings.maxLoad };
  }

  /** Providers of the group that may take the request: weighted, not evicted (unless all are), not tried (unless all were). */
  private candidates(b: BalancerState, bucket: number, nowMs: number, tried: readonly Slot[]): Uint8Array {
    const p2c = b.buckets[bucket]!;
    const el = this.eligible[bucket]!;
    const weight = p2c.state.weight;
    let n = 0;
    for (let i = 0; i < el.length; i++) n += el[i] = weight[i]! > 0 && !p2c.isEvicted(i, nowMs) ? 1 : 0;
    if (n === 0) for (let i = 0; i < el.length; i++) n += el[i] = weight[i]! > 0 ? 1 : 0;
    for (const t of tried) {
      if (t.bucket === bucket && el[t.index] === 1 && n > 1) {
        el[t.index] = 0;
        n--;
      }
    }
    return el;
  }

  /** Whether provider i would exceed the load bound with one more request. */
  private overload(b: BalancerState, bucket: number): (i: number) => boolean {
    const max = this.settings.maxLoad;
    const pending = b.buckets[bucket]!.state.pending;
    if (max <= 0) return () => false;
    const el = this.eligible[bucket]!;
    let total = 0;
    let n = 0;
    for (let i = 0; i < el.length; i++) {
      if (el[i] === 0) continue;
      total += pending[i]!;
      n++;
    }
    const limit = n === 0 ? Number.POSITIVE_INFINITY : (max * (total + 1)) / n + 1;
    return (i) => pending[i]! + 1 > limit;
  }

  /** The first eligible provider in the key's rendezvous order within its load bound, else pick-2's choice. */
  private next(b: BalancerState, key: number, bucket: number, el: Uint8Array, over: (i: number) => boolean, nowMs: number): Slot {
    const h = affinityHasher();
    for (;;) {
      const i = h.rendezvous(key, this.hashes[bucket]!, el);
      if (i < 0) break;
      if (!over(i)) return { bucket, index: i };
      el[i] = 0;
    }
    return { bucket, index: Math.max(0, b.buckets[bucket]!.pick(nowMs)) };
  }

  private set(key: number, s: Slot, nowMs: number, sharedMs: number): void {
    this.entries.write(key, s, nowMs, sharedMs, this.settings.ttlMs);
  }
}

/**
 * Weighted rendezvous over named targets (a weighted virtual model's models): a key always gets
 * the same target while the targets and weights stay, and each target gets a share of keys
 * proportional to its weight.
 */
export class WeightedTargets {
  private readonly hashes: Uint32Array;
  private readonly weights: Float64Array;
  private readonly all: Uint8Array;

  constructor(names: readonly string[], weights: readonly number[]) {
    const h = affinityHasher();
    this.hashes = Uint32Array.from(names, (n) => h.hash(n, AFFINITY_ENDPOINT_SEED));
    this.weights = Float64Array.from(weights);
    this.all = new Uint8Array(names.length).fill(1);
  }

  pick(key: number): number {
    return affinityHasher().rendezvousWeighted(key, this.hashes, this.weights, this.all);
  }
}
