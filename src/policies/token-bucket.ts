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
  tokens: number;
  /** When the next fill lands (ms, the caller's clock). */
  nextFillAt: number;

  constructor(
    private readonly spec: BucketSpec,
    nowMs: number,
  ) {
    this.tokens = spec.maxTokens;
    this.nextFillAt = nowMs + spec.intervalMs;
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
