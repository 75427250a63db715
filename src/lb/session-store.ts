// Where the sessions of one AI backend are (src/lb/affinity.ts's table): key -> provider slot,
// last use, last write to Redis. One thread keeps them in a Map; with worker threads
// (`--workers N`) they live in the gateway's shared memory, so a session pinned by one worker is
// pinned on every worker (connections of one client land on different workers).
//
// The shared table is open-addressed and of fixed size: a key is probed within a window of
// slots from its hash; when the window is full, an expired entry or else the least recently used
// one is replaced (the Map forgets expired entries, then the oldest). Every access is one short
// critical section under the table's own lock.
import type { SharedLockLike, SharedMemory, Slot } from './balancer.js';

export interface SessionEntry {
  bucket: number;
  index: number;
  usedMs: number;
  /** When the entry was last written to a shared store (Redis pins), -Infinity: never. */
  sharedMs: number;
}

export interface SessionStore {
  readonly size: number;
  /** The live entry (a copy when shared), or undefined; an expired one is dropped. */
  read(key: number, nowMs: number, ttlMs: number): SessionEntry | undefined;
  /** Inserts or replaces the entry of `key`. */
  write(key: number, s: Slot, usedMs: number, sharedMs: number, ttlMs: number): void;
  /** A hit: the session was used now. */
  touch(key: number, usedMs: number): void;
  /** Sets `sharedMs` to `nowMs` when it is older than `everyMs` (or the entry is missing: false). */
  claimShare(key: number, nowMs: number, everyMs: number): boolean;
}

/** One thread's table: insertion-ordered, so the oldest entries are swept first. */
export class LocalSessionStore implements SessionStore {
  private readonly entries = new Map<number, SessionEntry>();

  constructor(private readonly maxSessions: number) {}

  get size(): number {
    return this.entries.size;
  }

  read(key: number, nowMs: number, ttlMs: number): SessionEntry | undefined {
    const e = this.entries.get(key);
    if (e !== undefined && nowMs - e.usedMs > ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  write(key: number, s: Slot, usedMs: number, sharedMs: number, ttlMs: number): void {
    const e = this.entries.get(key);
    if (e !== undefined) {
      e.bucket = s.bucket;
      e.index = s.index;
      e.usedMs = usedMs;
      e.sharedMs = sharedMs;
      return;
    }
    this.sweep(usedMs, ttlMs);
    this.entries.set(key, { bucket: s.bucket, index: s.index, usedMs, sharedMs });
  }

  touch(key: number, usedMs: number): void {
    const e = this.entries.get(key);
    if (e !== undefined) e.usedMs = usedMs;
  }

  claimShare(key: number, nowMs: number, everyMs: number): boolean {
    const e = this.entries.get(key);
    if (e === undefined || nowMs - e.sharedMs < everyMs) return false;
    e.sharedMs = nowMs;
    return true;
  }

  /** Drops a few expired entries from the oldest end, and the oldest one when the table is full. */
  private sweep(nowMs: number, ttlMs: number): void {
    let checked = 0;
    for (const [k, e] of this.entries) {
      if (checked++ >= 4 || nowMs - e.usedMs <= ttlMs) break;
      this.entries.delete(k);
    }
    if (this.entries.size >= this.maxSessions) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** Slots of a shared table (sessions per backend per gateway). */
export const SHARED_SESSION_SLOTS = 1 << 15;
/** Slots probed for a key before one is replaced. */
const WINDOW = 16;
/** Float64 words per slot: [key int32, slot + 1 int32 (0: empty)], last use, last shared. */
const SLOT_WORDS = 3;
const USED = 1;
const SHARED = 2;

/** The table in the gateway's shared memory (worker threads). */
export class SharedSessionStore implements SessionStore {
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly lock: SharedLockLike;

  constructor(
    memory: SharedMemory,
    offset: number,
    private readonly slots = SHARED_SESSION_SLOTS,
  ) {
    this.f64 = new Float64Array(memory.buffer, offset, slots * SLOT_WORDS);
    this.i32 = new Int32Array(memory.buffer, offset, slots * SLOT_WORDS * 2);
    // Named by the region's offset: the same lock for every thread's view of this table.
    this.lock = memory.lock(`sessions@${offset}`);
  }

  static bytes(slots = SHARED_SESSION_SLOTS): number {
    return slots * SLOT_WORDS * 8;
  }

  /** Entries in use (counted, for /api/runtime only). */
  get size(): number {
    return this.lock.locked(() => {
      let n = 0;
      for (let s = 0; s < this.slots; s++) if (this.i32[s * SLOT_WORDS * 2 + 1] !== 0) n++;
      return n;
    });
  }

  read(key: number, nowMs: number, ttlMs: number): SessionEntry | undefined {
    return this.lock.locked(() => {
      const at = this.find(key);
      if (at < 0) return undefined;
      if (nowMs - this.f64[at + USED]! > ttlMs) {
        this.i32[at * 2 + 1] = 0;
        return undefined;
      }
      const packed = this.i32[at * 2 + 1]! - 1;
      return { bucket: packed >>> 16, index: packed & 0xffff, usedMs: this.f64[at + USED]!, sharedMs: this.f64[at + SHARED]! };
    });
  }

  write(key: number, s: Slot, usedMs: number, sharedMs: number, ttlMs: number): void {
    this.lock.locked(() => {
      let at = this.find(key);
      if (at < 0) at = this.victim(key, usedMs, ttlMs);
      this.i32[at * 2] = key | 0;
      this.i32[at * 2 + 1] = ((s.bucket << 16) | s.index) + 1;
      this.f64[at + USED] = usedMs;
      this.f64[at + SHARED] = sharedMs;
    });
  }

  touch(key: number, usedMs: number): void {
    this.lock.locked(() => {
      const at = this.find(key);
      if (at >= 0) this.f64[at + USED] = usedMs;
    });
  }

  claimShare(key: number, nowMs: number, everyMs: number): boolean {
    return this.lock.locked(() => {
      const at = this.find(key);
      if (at < 0 || nowMs - this.f64[at + SHARED]! < everyMs) return false;
      this.f64[at + SHARED] = nowMs;
      return true;
    });
  }

  /** The word offset of `key`'s slot, or -1. */
  private find(key: number): number {
    const start = (key >>> 0) % this.slots;
    for (let i = 0; i < WINDOW; i++) {
      const at = ((start + i) % this.slots) * SLOT_WORDS;
      if (this.i32[at * 2 + 1] !== 0 && this.i32[at * 2] === (key | 0)) return at;
    }
    return -1;
  }

  /** A free slot in `key`'s window, else an expired one, else the least recently used. */
  private victim(key: number, nowMs: number, ttlMs: number): number {
    const start = (key >>> 0) % this.slots;
    let best = -1;
    let bestUse = Number.POSITIVE_INFINITY;
    for (let i = 0; i < WINDOW; i++) {
      const at = ((start + i) % this.slots) * SLOT_WORDS;
      if (this.i32[at * 2 + 1] === 0) return at;
      const used = this.f64[at + USED]!;
      const score = nowMs - used > ttlMs ? Number.NEGATIVE_INFINITY : used;
      if (score < bestUse) [best, bestUse] = [at, score];
    }
    return best;
  }
}
