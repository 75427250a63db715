// Live state the compiler hands out instead of creating it: load-balancer statistics, rate-limit
// buckets, Redis connections. Every such object is obtained through one small function per kind
// (live-objects.ts) as `LiveScope.get(id, spec, create)`:
// - `id` is stable across reloads: `<owner key>::<kind>`, e.g. `3000/main/chat::localRateLimit[0]`;
// - `spec` is the config that shaped the object: same id and same spec, same object (its state
//   intact); a changed spec gets a fresh one.
//
// The default scope is the process-wide registry of src/policies/live-state.ts (id + spec hash,
// `dispose()` on objects a committed reload no longer uses). The hot-reload carry-over registry
// (branch admin, src/runtime/live-state.ts) has the same `get(id, spec, create)`: adopting it is
// passing it as `CompileContext.live`.
import { liveState } from '../policies/live-state.js';

export interface LiveScope {
  get<T extends object>(id: string, spec: unknown, create: () => T): T;
}

export const processLiveState: LiveScope = liveState;
