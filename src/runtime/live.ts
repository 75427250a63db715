// Live state the compiler hands out instead of creating it: load-balancer statistics, rate-limit
// buckets, Redis connections. Every such object is obtained through one small function per kind
// (live-objects.ts) as `LiveScope.get(id, spec, create)`:
// - `id` is stable across reloads: `<owner key>::<kind>`, e.g. `3000/main/chat::localRateLimit[0]`;
// - `spec` is the config that shaped the object: same id and same spec, same object (its state
//   intact); a changed spec gets a fresh one.
// The compiler implements it over the reload registry (live-state.ts), which releases objects
// (`dispose()` or `close()`) once no serving snapshot uses them.

export interface LiveScope {
  get<T extends object>(id: string, spec: unknown, create: () => T): T;
}
