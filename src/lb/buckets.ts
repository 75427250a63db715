// Priority buckets (agentgateway's AI provider `groups`): traffic goes to the first bucket that
// still has an endpoint in rotation; failover to the next bucket happens only by eviction.
import type { PickTwo } from '../native/types.js';

/**
 * Index of the first bucket with a weighted endpoint that is not evicted. When every bucket is
 * fully evicted, bucket 0 (whose pick() then chooses among its evicted endpoints, as
 * agentgateway does: traffic must go somewhere); -1 when there are no buckets.
 */
export function liveBucket(buckets: readonly PickTwo[], nowMs: number): number {
  for (let b = 0; b < buckets.length; b++) {
    if (buckets[b]!.activeCount(nowMs) > 0) return b;
  }
  return buckets.length > 0 ? 0 : -1;
}
