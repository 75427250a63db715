// The gateway's memory over the soak, and the rule that calls it growing.
//
// RSS is sampled once a second from /proc/<pid>/status (VmRSS). A V8 process's RSS is a saw:
// the heap grows between collections and drops after them, so a trend fitted to raw samples
// follows the teeth. The rule therefore looks at the floor: the lowest sample of each 10 s
// window, which is close to what survived the last collections. Over the second half of the
// load (the first half is warm-up: JIT, pools, caches, heap sizing), it fits the Theil-Sen slope
// (the median of the slopes between every pair of floors: one GC pause or spike cannot move it)
// and projects it over that half. RSS "keeps growing" when the projected growth exceeds
// GROWTH_LIMIT_MB and also GROWTH_LIMIT_SHARE of the RSS at the half's start. A half shorter
// than MIN_JUDGED_S is too short for a trend and is reported, not judged.
// The post-settle RSS against idle is reported too, not judged: V8 keeps heap pages it grew
// into for a while after load stops, so "above idle" alone is not a leak.
import { readFileSync } from 'node:fs';

export const WINDOW_S = 10;
export const MIN_JUDGED_S = 120;
export const GROWTH_LIMIT_MB = 10;
export const GROWTH_LIMIT_SHARE = 0.1;

export interface Sample {
  /** Seconds since the load started (negative: idle, before it). */
  t: number;
  rssMb: number;
}

export function rssNowMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Lowest sample per window: [window mid time, floor]. */
export function floors(samples: readonly Sample[], windowS = WINDOW_S): [number, number][] {
  const byWindow = new Map<number, number>();
  for (const s of samples) {
    const w = Math.floor(s.t / windowS);
    byWindow.set(w, Math.min(byWindow.get(w) ?? Infinity, s.rssMb));
  }
  return [...byWindow.entries()].sort((a, b) => a[0] - b[0]).map(([w, v]) => [(w + 0.5) * windowS, v]);
}

/** Median of the pairwise slopes (units per second). */
export function theilSen(points: readonly [number, number][]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = points[j]![0] - points[i]![0];
      if (dx > 0) slopes.push((points[j]![1] - points[i]![1]) / dx);
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 === 1 ? slopes[mid]! : (slopes[mid - 1]! + slopes[mid]!) / 2;
}

export interface MemoryVerdict {
  judged: boolean;
  growing: boolean;
  /** Theil-Sen slope of the 10 s floors over the second half of the load, MB per minute. */
  slopeMbPerMin: number;
  /** That slope over the half's length, MB. */
  projectedMb: number;
  limitMb: number;
  windowS: [number, number];
  explanation: string;
}

export function judgeGrowth(load: readonly Sample[], loadSeconds: number): MemoryVerdict {
  const from = loadSeconds / 2;
  const half = load.filter((s) => s.t >= from && s.t <= loadSeconds);
  const pts = floors(half);
  const slope = theilSen(pts);
  const span = loadSeconds - from;
  const projected = slope * span;
  const startRss = pts[0]?.[1] ?? NaN;
  const limit = Math.max(GROWTH_LIMIT_MB, GROWTH_LIMIT_SHARE * startRss);
  const base = {
    slopeMbPerMin: slope * 60,
    projectedMb: projected,
    limitMb: limit,
    windowS: [Math.round(from), Math.round(loadSeconds)] as [number, number],
  };
  if (span < MIN_JUDGED_S || pts.length < 6) {
    return {
      ...base,
      judged: false,
      growing: false,
      explanation: `not judged: the second half of the load (${Math.round(span)} s) is shorter than ${MIN_JUDGED_S} s`,
    };
  }
  const growing = projected > limit;
  return {
    ...base,
    judged: true,
    growing,
    explanation: `RSS floor slope over ${base.windowS[0]}-${base.windowS[1]} s: ${fmt(slope * 60)} MB/min, ${fmt(projected)} MB over the half (limit ${fmt(limit)} MB): ${growing ? 'GROWING' : 'flat'}`,
  };
}

const fmt = (n: number) => n.toFixed(2);
