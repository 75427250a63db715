// Memory every thread of the gateway shares (`--workers N`): one SharedArrayBuffer, spin locks
// and a directory of named regions. A thread asks for a region by name and gets the same bytes
// every other thread got for that name, so state that users expect per gateway (local rate-limit
// buckets) is one state, not one per thread. Regions are never freed: names are stable ids from
// the config, and a full arena is an error the caller turns into thread-local state.
//
// Each structure (the bucket table, one backend's pick-2 columns, one session table) takes a
// lock of its own (`lock(name)`), on a cache line of its own: requests touching different
// structures never wait for each other, and a thread spinning on one lock does not pull the
// others' lines away. The directory has its own lock (`locked`).
//
// A lock word holds the owner's thread id, so the main thread can release the locks held by a
// worker that died inside a critical section (`releaseDeadOwner`).
import { threadId } from 'node:worker_threads';

/** Int32 words before the directory: directory lock, next free byte, region count, lock count. */
const HEAD_WORDS = 4;
const LOCK = 0;
const NEXT = 1;
const COUNT = 2;
const LOCKS = 3;
/** Directory entries: hash (2 words), offset, bytes. */
const DIR_ENTRIES = 1024;
const DIR_WORDS = 4;
/** The word index of every lock handed out (for releaseDeadOwner). */
const MAX_LOCKS = 1024;
const LOCK_LIST = HEAD_WORDS + DIR_ENTRIES * DIR_WORDS;
/** Regions start on a cache line, so two structures' hot words never share one. */
const LINE = 64;
const DATA_START = Math.ceil(((LOCK_LIST + MAX_LOCKS) * 4) / LINE) * LINE;
/** Spins before a worker sleeps briefly: a free lock is taken in a few, a held one is held for < 1 µs unless its owner lost its core. */
const SPINS = 200;

export const DEFAULT_ARENA_BYTES = 8 * 1024 * 1024;

/**
 * One spin lock word in the arena, re-entrant within a thread. The word holds the owner's
 * thread id + 1 (thread ids start at 0, the main thread).
 */
export class SharedLock {
  private readonly me = threadId + 1;
  private depth = 0;

  constructor(
    private readonly words: Int32Array,
    private readonly at: number,
  ) {}

  /** Runs `fn` holding the lock. Keep `fn` short, and take no other lock inside it. */
  locked<T>(fn: () => T): T {
    if (this.depth === 0) this.acquire();
    this.depth++;
    try {
      return fn();
    } finally {
      if (--this.depth === 0) Atomics.store(this.words, this.at, 0);
    }
  }

  private acquire(): void {
    if (Atomics.compareExchange(this.words, this.at, 0, this.me) === 0) return;
    let spins = 0;
    for (;;) {
      // Read before trying again: spinning on a plain load keeps the line shared, not bouncing.
      const v = Atomics.load(this.words, this.at);
      if (v === 0 && Atomics.compareExchange(this.words, this.at, 0, this.me) === 0) return;
      // Past a few hundred spins the owner lost its core: yield ours briefly. The main thread
      // may not block (Atomics.wait throws there), so it only spins.
      if (++spins > SPINS && threadId !== 0 && v !== 0) Atomics.wait(this.words, this.at, v, 0.05);
    }
  }
}

export class SharedArena {
  private readonly words: Int32Array;
  /** The directory's lock (regions, the lock list); structures take their own (`lock`). */
  private readonly directory: SharedLock;
  /** This thread's view of each lock, by word index (a lock keeps its re-entrancy count here). */
  private readonly locks = new Map<number, SharedLock>();

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, buffer.byteLength >> 2);
    this.directory = new SharedLock(this.words, LOCK);
  }

  static create(bytes = DEFAULT_ARENA_BYTES): SharedArena {
    const arena = new SharedArena(new SharedArrayBuffer(bytes));
    Atomics.store(arena.words, NEXT, DATA_START);
    return arena;
  }

  /** Runs `fn` holding the directory's lock (re-entrant within a thread). Keep `fn` short. */
  locked<T>(fn: () => T): T {
    return this.directory.locked(fn);
  }

  /**
   * The lock named `name`, the same word for every thread, on a cache line of its own; the
   * directory's lock when the arena has no room for another.
   */
  lock(name: string): SharedLock {
    const word = this.locked(() => {
      const at = this.region(`lock\u0000${name}`, LINE);
      if (at < 0) return LOCK;
      const w = at >> 2;
      const n = this.words[LOCKS]!;
      for (let i = 0; i < n; i++) if (this.words[LOCK_LIST + i] === w) return w;
      if (n >= MAX_LOCKS) return LOCK;
      this.words[LOCK_LIST + n] = w;
      this.words[LOCKS] = n + 1;
      return w;
    });
    if (word === LOCK) return this.directory;
    let l = this.locks.get(word);
    if (l === undefined) this.locks.set(word, (l = new SharedLock(this.words, word)));
    return l;
  }

  /** A worker died: release every lock it held (its critical sections are cut short). */
  releaseDeadOwner(deadThreadId: number): boolean {
    const owner = deadThreadId + 1;
    let released = Atomics.compareExchange(this.words, LOCK, owner, 0) === owner;
    const n = Atomics.load(this.words, LOCKS);
    for (let i = 0; i < n; i++) {
      const w = Atomics.load(this.words, LOCK_LIST + i);
      if (Atomics.compareExchange(this.words, w, owner, 0) === owner) released = true;
    }
    return released;
  }

  /**
   * The byte offset of the region named `name` (`bytes` long, on a cache line, zero-filled at
   * first) in `buffer`, or -1 when the arena is full.
   */
  region(name: string, bytes: number): number {
    const [h1, h2] = hash64(name);
    return this.locked(() => {
      const count = this.words[COUNT]!;
      for (let i = 0; i < count; i++) {
        const e = HEAD_WORDS + i * DIR_WORDS;
        if (this.words[e] === h1 && this.words[e + 1] === h2 && this.words[e + 3]! >= bytes) return this.words[e + 2]!;
      }
      const at = Math.ceil(this.words[NEXT]! / LINE) * LINE;
      const end = at + Math.ceil(bytes / 8) * 8;
      if (count >= DIR_ENTRIES || end > this.buffer.byteLength) return -1;
      const e = HEAD_WORDS + count * DIR_WORDS;
      this.words[e] = h1;
      this.words[e + 1] = h2;
      this.words[e + 2] = at;
      this.words[e + 3] = bytes;
      this.words[NEXT] = end;
      this.words[COUNT] = count + 1;
      return at;
    });
  }
}

/** Two independent 32-bit FNV-1a style hashes of a string; never (0, 0). */
export function hash64(s: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return a === 0 && b === 0 ? [1, 0] : [a | 0, b | 0];
}

let arena: SharedArena | null = null;

/** The gateway's arena in this thread, when it runs with workers (null: single-thread mode). */
export function sharedArena(): SharedArena | null {
  return arena;
}

export function useSharedArena(a: SharedArena | null): void {
  arena = a;
}
