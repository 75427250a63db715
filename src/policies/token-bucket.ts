// agentgateway's token bucket (http/localratelimit.rs): it starts full, `tokensPerFill` tokens
// arrive all at once every `fillInterval` (never above `maxTokens`), a request takes whole
// tokens or none, and after-the-fact debits (LLM usage) floor at zero. The Redis scripts in
// redis-rate-limit.ts implement the same arithmetic.

export interface BucketSpec {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly intervalMs: number;
}

export class TokenBucket {
  private t: number;
  private next: number;

  constructor(
    protected readonly spec: BucketSpec,
    nowMs: number,
  ) {
    this.t = spec.maxTokens;
    this.next = nowMs + spec.intervalMs;
  }

  // Accessors so that a bucket in shared memory (shared-buckets.ts) runs the same arithmetic.
  get tokens(): number {
    return this.t;
  }

  set tokens(v: number) {
    this.t = v;
  }

  /** When the next fill lands (ms, the caller's clock). */
  get nextFillAt(): number {
    return this.next;
  }

  set nextFillAt(v: number) {
    this.next = v;
  }

  refill(nowMs: number): void {
    if (nowMs < this.nextFillAt) return;
    const fills = Math.floor((nowMs - this.nextFillAt) / this.spec.intervalMs) + 1;
    this.tokens = Math.min(this.spec.maxTokens, this.tokens + fills * this.spec.tokensPerFill);
    this.nextFillAt += fills * this.spec.intervalMs;
  }

  /** Removes up to n tokens, never going below zero. */
  debit(n: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens = Math.max(0, this.tokens - n);
  }

  /** A full bucket carries no state: forgetting it and starting a new one changes nothing. */
  isFull(nowMs: number): boolean {
    this.refill(nowMs);
    return this.tokens >= this.spec.maxTokens;
  }
}

/**
 * The rate limits' clock: ms since the epoch with sub-ms resolution. Not `performance.now()`
 * alone: each worker thread has its own time origin, and buckets shared by workers need one clock.
 */
export function bucketClock(): number {
  return performance.timeOrigin + performance.now();
}
