// The affinity hasher over the addon: one call per operation; strings cross as UTF-16.
import type { AffinityHasher } from '../types.js';
import type { Addon } from './load.js';

export function nativeAffinity(addon: Addon): AffinityHasher {
  const h = new addon.Affinity();
  return {
    hash: (text, seed) => h.hash(text, seed >>> 0),
    rendezvous: (key, hashes, eligible) => h.rendezvous(key >>> 0, hashes, eligible),
    rendezvousWeighted: (key, hashes, weights, eligible) => h.rendezvousWeighted(key >>> 0, hashes, weights, eligible),
  };
}
