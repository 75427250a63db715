// How many requests a snapshot is serving. A reload swaps the snapshot at once, but requests
// that started on the old one keep its backends: a retry after the swap goes out on the old
// snapshot's connection pool. So what a reload retires (pools above all) is disposed only once
// every older snapshot has no request left in flight (found by the soak harness: a pool closed at
// the swap failed retries in flight with "client is destroyed").

export class SnapshotUse {
  private inflight = 0;
  private waiters: (() => void)[] | null = null;

  enter(): void {
    this.inflight++;
  }

  leave(): void {
    if (--this.inflight > 0 || this.waiters === null) return;
    const w = this.waiters;
    this.waiters = null;
    for (const f of w) f();
  }

  get requests(): number {
    return this.inflight;
  }

  /** Resolves once no request uses the snapshot (at once when none does). */
  idle(): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => (this.waiters ??= []).push(resolve));
  }
}
