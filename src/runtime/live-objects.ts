// The live objects of the traffic policies, one function per kind, each keyed by a stable id and
// the spec that shapes it (see live.ts). Nothing else creates them.
import { SessionTable, type AffinitySettings } from '../lb/affinity.js';
import { BalancerState } from '../lb/balancer.js';
import { SharedSessionStore } from '../lb/session-store.js';
import { AffinityPins } from '../policies/affinity-pins.js';
import { LocalBuckets } from '../policies/local-rate-limit.js';
import { RedisBuckets } from '../policies/redis-rate-limit.js';
import { sharedArena } from '../policies/shared-arena.js';
import type { BucketSpec } from '../policies/token-bucket.js';
import type { LiveScope } from './live.js';

/** Pick-2 statistics of an AI backend's groups; kept while the group layout is unchanged. */
export function balancerState(live: LiveScope, backendKey: string, groups: readonly (readonly string[])[]): BalancerState {
  const sizes = groups.map((g) => g.length);
  const memory = sharedArena();
  // Keyed like the live object: a reload that keeps the layout keeps the shared state too.
  const shared = memory === null ? null : { memory, name: `p2c:${backendKey}:${JSON.stringify(groups)}` };
  return live.get(`${backendKey}::balancer`, { groups }, () => new BalancerState(sizes, shared));
}

/** The buckets of one `localRateLimit` entry; the spec includes the key expression's source. */
export function localBuckets(
  live: LiveScope,
  routeKey: string,
  index: number,
  spec: BucketSpec & { readonly type: string; readonly key?: string },
): LocalBuckets {
  const id = `${routeKey}::localRateLimit[${index}]`;
  return live.get(id, spec, () => new LocalBuckets(spec, id));
}

/** One Redis connection per URL and timeout, shared by every policy naming it. */
export function redisBuckets(live: LiveScope, url: string, timeoutMs: number): RedisBuckets {
  // The id is shown by admin views: never the password a URL may carry.
  return live.get(`redis::${url.replace(/\/\/[^@/]*@/, '//')}`, { url, timeoutMs }, () => new RedisBuckets(url, timeoutMs));
}

/** Where each session of an AI backend is; kept while the provider layout and settings are unchanged. */
export function sessionTable(
  live: LiveScope,
  backendKey: string,
  groups: readonly (readonly string[])[],
  settings: AffinitySettings,
): SessionTable {
  const memory = sharedArena();
  return live.get(`${backendKey}::affinity`, { groups, ...settings }, () => {
    // Keyed like the live object, so a reload that keeps the layout keeps the sessions too.
    const at = memory?.region(`affinity:${backendKey}:${JSON.stringify(groups)}`, SharedSessionStore.bytes()) ?? -1;
    return new SessionTable(groups, settings, at < 0 ? undefined : new SharedSessionStore(memory!, at));
  });
}

/** One Redis connection for session pins per URL and timeout. */
export function affinityPins(live: LiveScope, url: string, timeoutMs: number): AffinityPins {
  return live.get(`redis-pins::${url.replace(/\/\/[^@/]*@/, '//')}`, { url, timeoutMs }, () => new AffinityPins(url, timeoutMs));
}
