// The current snapshot: one reference, swapped whole. Requests read it once at their start.
import type { Snapshot } from './snapshot.js';

export class SnapshotStore {
  constructor(private snap: Snapshot) {}

  get current(): Snapshot {
    return this.snap;
  }

  swap(next: Snapshot): Snapshot {
    const prev = this.snap;
    this.snap = next;
    return prev;
  }
}
