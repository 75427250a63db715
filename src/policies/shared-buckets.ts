// Local rate-limit buckets in memory every worker thread shares (`--workers N`), so a limit of
// 10/min admits 10 per gateway, not 10 per thread. One open-addressed table of fixed size in the
// shared arena: a bucket is found by a 64-bit hash of (limit id, spec, key) within a window of
// slots; when the window is full, a full bucket (which carries no state) or else the least
// recently used one is replaced, as the thread-local map forgets full buckets then the oldest.
// Every access happens under the table's lock (see `lockedBuckets`), one lock for the table:
// a request's limits are checked and taken together, whichever buckets they are.
import { hash64, type SharedArena, type SharedLock } from './shared-arena.js';
import { type BucketSpec, TokenBucket } from './token-bucket.js';

const SLOTS = 1 << 16;
/** Slots probed for a key before one is replaced. */
const WINDOW = 32;
/** Float64 words per slot: hash (two int32), tokens, next fill, last use. */
const SLOT_WORDS = 4;
const TOKENS = 1;
const NEXT_FILL = 2;
const LAST_USE = 3;

/** A TokenBucket whose two numbers live in a slot of the shared table. */
class SharedTokenBucket extends TokenBucket {
  constructor(
    spec: BucketSpec,
    nowMs: number,
    private readonly f64: Float64Array,
    private readonly at: number,
  ) {
    super(spec, nowMs);
  }

  override get tokens(): number {
    return this.f64[this.at + TOKENS]!;
  }

  override set tokens(v: number) {
    this.f64[this.at + TOKENS] = v;
  }

  override get nextFillAt(): number {
    return this.f64[this.at + NEXT_FILL]!;
  }

  override set nextFillAt(v: number) {
    this.f64[this.at + NEXT_FILL] = v;
  }
}

export class SharedBucketTable {
  private readonly f64: Float64Array;
  private readonly i32: Int32Array;
  private readonly lock: SharedLock;

  /** `name`: the table's region name, which names its lock too. */
  constructor(arena: SharedArena, offset: number, name = 'localRateLimit') {
    this.f64 = new Float64Array(arena.buffer, offset, SLOTS * SLOT_WORDS);
    this.i32 = new Int32Array(arena.buffer, offset, SLOTS * SLOT_WORDS * 2);
    this.lock = arena.lock(name);
  }

  /** Runs `fn` (lookups, takes, refunds, debits) holding the table's lock. */
  locked<T>(fn: () => T): T {
    return this.lock.locked(fn);
  }

  static bytes(): number {
    return SLOTS * SLOT_WORDS * 8;
  }

  /** The bucket of `name` (limit id + spec + key); the caller holds the table's lock (`locked`). */
  bucket(spec: BucketSpec, name: string, nowMs: number): TokenBucket {
    const [h1, h2] = hash64(name);
    const start = (h1 >>> 0) % SLOTS;
    let free = -1;
    let victim = -1;
    let victimScore = Number.POSITIVE_INFINITY;
    for (let i = 0; i < WINDOW; i++) {
      const slot = ((start + i) % SLOTS) * SLOT_WORDS;
      const a = this.i32[slot * 2]!;
      const b = this.i32[slot * 2 + 1]!;
      if (a === h1 && b === h2) return this.use(spec, slot, nowMs);
      if (a === 0 && b === 0) {
        if (free < 0) free = slot;
        continue;
      }
      // A full bucket scores -1 (replacing it changes nothing), else its last use.
      const full = this.f64[slot + TOKENS]! >= spec.maxTokens && nowMs < this.f64[slot + NEXT_FILL]!;
      const score = full ? -1 : this.f64[slot + LAST_USE]!;
      if (score < victimScore) [victim, victimScore] = [slot, score];
    }
    const slot = free >= 0 ? free : victim;
    this.i32[slot * 2] = h1;
    this.i32[slot * 2 + 1] = h2;
    this.f64[slot + TOKENS] = spec.maxTokens;
    this.f64[slot + NEXT_FILL] = nowMs + spec.intervalMs;
    return this.use(spec, slot, nowMs);
  }

  private use(spec: BucketSpec, slot: number, nowMs: number): TokenBucket {
    this.f64[slot + LAST_USE] = nowMs;
    return new SharedTokenBucket(spec, nowMs, this.f64, slot);
  }
}
