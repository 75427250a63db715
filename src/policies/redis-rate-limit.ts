// `redisRateLimit`: the token buckets of token-bucket.ts kept in Redis, so every gateway replica
// draws from the same buckets. Each request is one Lua script run (atomic in Redis): refill,
// check every bucket of the request, take from all or none. The clock is Redis' own (TIME), so
// replicas with skewed clocks still agree. A bucket's key expires once it would be full again
// (a full bucket carries no state), so idle clients cost no memory.
//
// Redis unreachable or too slow: the command fails fast and the policy's failureMode decides
// (redis-connection.ts: connection handling, and one log line per outage so an operator knows
// when failOpen routes ran without their limits).
import { RedisConnection } from './redis-connection.js';
import type { BucketSpec } from './token-bucket.js';
import type { Verdict } from './rate-limit-types.js';

/**
 * Shared by both scripts: `now` from Redis' clock, and per bucket i (ARGV: max, perFill,
 * interval, amount) `bucket(i)` returning its refilled tokens and next fill time, and
 * `store(i, ...)` writing it back with an expiry at the time it would be full again.
 */
const BUCKETS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function arg(i, k) return tonumber(ARGV[(i - 1) * 4 + k]) end
local function bucket(i)
  local max, per, iv = arg(i, 1), arg(i, 2), arg(i, 3)
  local h = redis.call('HMGET', KEYS[i], 'tokens', 'next')
  local tokens, nxt = tonumber(h[1]), tonumber(h[2])
  if tokens == nil or nxt == nil then tokens = max; nxt = now + iv end
  if now >= nxt then
    local fills = math.floor((now - nxt) / iv) + 1
    tokens = math.min(max, tokens + fills * per)
    nxt = nxt + fills * iv
  end
  return tokens, nxt
end
local function store(i, tokens, nxt)
  redis.call('HSET', KEYS[i], 'tokens', tokens, 'next', nxt)
  local fills = math.ceil((arg(i, 1) - tokens) / arg(i, 2))
  redis.call('PEXPIRE', KEYS[i], math.max(1000, (nxt - now) + math.max(fills - 1, 0) * arg(i, 3)))
end
`;

/** Takes `amount` from every bucket if each holds a token. Returns [ok, tokens1, reset1, ...]. */
const TAKE = `${BUCKETS}
local st = {}
local ok = 1
for i = 1, #KEYS do
  local tokens, nxt = bucket(i)
  if tokens < 1 then ok = 0 end
  st[i] = { tokens, nxt }
end
local out = { ok }
for i = 1, #KEYS do
  local tokens = st[i][1]
  if ok == 1 then tokens = tokens - arg(i, 4) end
  store(i, tokens, st[i][2])
  out[#out + 1] = tokens
  out[#out + 1] = st[i][2] - now
end
return out
`;

/** Debits `amount` after the fact (LLM usage), flooring at zero. */
const DEBIT = `${BUCKETS}
for i = 1, #KEYS do
  local tokens, nxt = bucket(i)
  store(i, math.max(0, tokens - arg(i, 4)), nxt)
end
return 1
`;

type Script = (numKeys: number, ...args: (string | number)[]) => Promise<unknown>;

export interface RedisBucketRef {
  readonly key: string;
  readonly spec: BucketSpec;
}

/** One connection per Redis URL, shared by every policy that names it. */
export class RedisBuckets {
  private readonly conn: RedisConnection;
  private readonly take: Script;
  private readonly debitScript: Script;

  constructor(url: string, timeoutMs: number) {
    this.conn = new RedisConnection(url, timeoutMs, 'redis rate limit', {
      down: 'is not answering; until it does, failOpen routes admit requests WITHOUT their Redis limits (counted in agentgateway_rate_limit_errors_total) and failClosed routes answer 500',
      up: 'answers again; Redis limits apply',
    });
    const redis = this.conn.redis;
    redis.defineCommand('agwTake', { lua: TAKE });
    redis.defineCommand('agwDebit', { lua: DEBIT });
    const r = redis as unknown as Record<'agwTake' | 'agwDebit', Script>;
    this.take = r.agwTake.bind(redis);
    this.debitScript = r.agwDebit.bind(redis);
  }

  /** Checks and takes atomically; throws when Redis cannot answer in time. */
  async takeAll(buckets: readonly RedisBucketRef[], take: readonly number[]): Promise<Verdict[]> {
    let raw: number[];
    try {
      await this.conn.connected();
      raw = (await this.take(
        buckets.length,
        ...buckets.map((b) => b.key),
        ...buckets.flatMap((b, i) => args(b.spec, take[i]!)),
      )) as number[];
    } catch (e) {
      this.conn.markUnavailable(e as Error);
      throw e;
    }
    this.conn.markAvailable();
    const allowed = raw[0] === 1;
    return buckets.map((b, i) => {
      const remaining = Number(raw[1 + i * 2]);
      return { allowed: allowed || remaining >= 1, limit: b.spec.maxTokens, remaining, resetMs: Math.max(0, Number(raw[2 + i * 2])) };
    });
  }

  /** After-the-fact usage (LLM tokens). Best effort: a failure is logged, never retried. */
  debit(buckets: readonly RedisBucketRef[], amount: number): void {
    if (amount <= 0 || !this.conn.isReady) return;
    this.debitScript(buckets.length, ...buckets.map((b) => b.key), ...buckets.flatMap((b) => args(b.spec, amount))).catch((e: Error) =>
      this.conn.markUnavailable(e),
    );
  }

  /** Live-state disposal (reload dropped the last policy using it, or shutdown). */
  dispose(): void {
    this.conn.dispose();
  }
}

function args(spec: BucketSpec, amount: number): number[] {
  return [spec.maxTokens, spec.tokensPerFill, spec.intervalMs, amount];
}
