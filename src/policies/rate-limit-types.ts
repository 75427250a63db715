// Shapes shared by the local and the Redis rate limits.
import type { KeyExpression } from './conditions.js';
import type { BucketSpec } from './token-bucket.js';

export interface LimitSpec extends BucketSpec {
  readonly type: 'requests' | 'tokens';
  /** One bucket per value of this expression; null: one bucket for the route. */
  readonly key: KeyExpression | null;
}

/** One bucket's answer to one request. */
export interface Verdict {
  /** This bucket had enough. */
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** Until the next fill. */
  readonly resetMs: number;
}

/**
 * Tokens a request takes from a bucket up front (agentgateway): a requests bucket gives one, a
 * tokens bucket only has to hold one, and the LLM usage is debited once the response is done.
 */
export function takeOf(spec: LimitSpec): number {
  return spec.type === 'requests' ? 1 : 0;
}
