// The clock pick-2, eviction and session affinity read: epoch milliseconds at performance.now()'s
// resolution. Every worker thread has its own performance.timeOrigin (its start), so
// performance.now() alone would put an eviction one thread recorded in shared memory at another
// moment for the next thread (`--workers N`).
export function gatewayNow(): number {
  return performance.timeOrigin + performance.now();
}
