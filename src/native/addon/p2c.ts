// PickTwo over the addon. Every operation is one call into Rust; the state columns are views
// of memory the addon shares, so the admin API reads live values without a call.
import { P2C_COLUMNS, type PickTwo, type PickTwoState } from '../types.js';
import type { Addon, AddonPickTwo } from './load.js';

export class NativePickTwo implements PickTwo {
  readonly state: PickTwoState;
  private readonly h: AddonPickTwo;

  constructor(
    addon: Addon,
    readonly size: number,
    seed: number,
  ) {
    this.h = new addon.PickTwo(size, seed);
    const buf = this.h.state();
    const col = (k: number): Float64Array => new Float64Array(buf, k * size * 8, size);
    this.state = Object.fromEntries(P2C_COLUMNS.map((name, k) => [name, col(k)])) as unknown as PickTwoState;
  }

  setWeight(i: number, weight: number): void {
    this.h.setWeight(i, weight);
  }
  pick(nowMs: number): number {
    return this.h.pick(nowMs);
  }
  start(i: number): void {
    this.h.start(i);
  }
  finish(i: number, latencySeconds: number, ok: boolean): void {
    this.h.finish(i, latencySeconds, ok);
  }
  evict(i: number, nowMs: number, baseDurationMs: number): boolean {
    return this.h.evict(i, nowMs, baseDurationMs);
  }
  isEvicted(i: number, nowMs: number): boolean {
    return this.h.isEvicted(i, nowMs);
  }
  activeCount(nowMs: number): number {
    return this.h.activeCount(nowMs);
  }
}
