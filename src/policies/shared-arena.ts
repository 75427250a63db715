// Memory every thread of the gateway shares (`--workers N`): one SharedArrayBuffer, a spin lock
// and a directory of named regions. A thread asks for a region by name and gets the same bytes
// every other thread got for that name, so state that users expect per gateway (local rate-limit
// buckets) is one state, not one per thread. Regions are never freed: names are stable ids from
// the config, and a full arena is an error the caller turns into thread-local state.
//
// The lock word holds the owner's thread id, so the main thread can release a lock held by a
// worker that died inside its critical section (`releaseDeadOwner`).
import { threadId } from 'node:worker_threads';

/** Int32 words before the directory: lock, next free byte, region count. */
const HEAD_WORDS = 4;
const LOCK = 0;
const NEXT = 1;
const COUNT = 2;
/** Directory entries: hash (2 words), offset, bytes. */
const DIR_ENTRIES = 1024;
const DIR_WORDS = 4;
const DATA_START = (HEAD_WORDS + DIR_ENTRIES * DIR_WORDS) * 4;

export const DEFAULT_ARENA_BYTES = 8 * 1024 * 1024;

export class SharedArena {
  private readonly words: Int32Array;
  /** The lock's owner id: thread ids start at 0 (main), so store id + 1. */
  private readonly me = threadId + 1;
  private depth = 0;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.words = new Int32Array(buffer, 0, HEAD_WORDS + DIR_ENTRIES * DIR_WORDS);
  }

  static create(bytes = DEFAULT_ARENA_BYTES): SharedArena {
    const arena = new SharedArena(new SharedArrayBuffer(bytes));
    Atomics.store(arena.words, NEXT, DATA_START);
    return arena;
  }

  /** Runs `fn` holding the gateway-wide lock (re-entrant within a thread). Keep `fn` short. */
  locked<T>(fn: () => T): T {
    if (this.depth === 0) this.acquire();
    this.depth++;
    try {
      return fn();
    } finally {
      if (--this.depth === 0) Atomics.store(this.words, LOCK, 0);
    }
  }

  private acquire(): void {
    let spins = 0;
    while (Atomics.compareExchange(this.words, LOCK, 0, this.me) !== 0) {
      // Critical sections are a few hundred ns: spin, then yield the core briefly. The main
      // thread may not block (Atomics.wait throws there), so it only spins.
      if (++spins > 1000 && threadId !== 0) Atomics.wait(this.words, LOCK, Atomics.load(this.words, LOCK), 0.05);
    }
  }

  /** A worker died: if it held the lock, release it (its critical section is cut short). */
  releaseDeadOwner(deadThreadId: number): boolean {
    return Atomics.compareExchange(this.words, LOCK, deadThreadId + 1, 0) === deadThreadId + 1;
  }

  /**
   * The byte offset of the region named `name` (`bytes` long, 8-byte aligned, zero-filled at
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
      const at = this.words[NEXT]!;
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
