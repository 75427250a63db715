// Paced, open-loop mixed load: `rate` requests a second whatever the gateway's latency (so
// stalls pile up concurrent requests, as they would in production), each with a random kind,
// fault plan and maybe a client abort, from a seeded generator so a run can be replayed.
import { send, type AbortPlan, type ClientOptions, type LostReason, type Outcome, type Result, type SoakRequest } from './client.js';
import { prng } from '../../test/golden/harness.js';
import { pickKind, pickPlan } from './faults.js';

export interface LoadOptions {
  rate: number;
  durationS: number;
  /** Share of requests the client abandons (before the head, or mid-stream). */
  abortShare: number;
  seed: number;
  client: ClientOptions;
}

export interface Tally {
  total: number;
  byOutcome: Record<Outcome, number>;
  byLostReason: Partial<Record<LostReason, number>>;
  /** kind name -> outcome -> count */
  byKind: Record<string, Partial<Record<Outcome, number>>>;
  /** first-attempt fault -> outcome -> count */
  byFault: Record<string, Partial<Record<Outcome, number>>>;
  /** Up to MAX_EXAMPLES lost requests, described. */
  lostExamples: string[];
  latencyMs: { p50: number; p99: number; max: number };
}

const MAX_EXAMPLES = 40;

export function emptyTally(): Tally {
  return {
    total: 0,
    byOutcome: { ok: 0, 'upstream-fault': 0, 'client-aborted': 0, lost: 0 },
    byLostReason: {},
    byKind: {},
    byFault: {},
    lostExamples: [],
    latencyMs: { p50: 0, p99: 0, max: 0 },
  };
}

function makeRequest(id: number, rnd: () => number, abortShare: number): SoakRequest {
  const kind = pickKind(rnd);
  const plan = pickPlan(kind, rnd);
  let abort: AbortPlan = { at: 'none' };
  if (rnd() < abortShare) {
    abort = kind.stream && rnd() < 0.5 ? { at: 'mid-stream' } : { at: 'before-head', afterMs: 5 + Math.floor(rnd() * 400) };
  }
  return { id, kind, plan, abort };
}

function count(t: Tally, r: SoakRequest, res: Result, latencies: number[]): void {
  t.total++;
  t.byOutcome[res.outcome]++;
  const k = (t.byKind[r.kind.name] ??= {});
  k[res.outcome] = (k[res.outcome] ?? 0) + 1;
  const f = (t.byFault[r.plan[0]] ??= {});
  f[res.outcome] = (f[res.outcome] ?? 0) + 1;
  if (res.outcome === 'lost') {
    t.byLostReason[res.reason!] = (t.byLostReason[res.reason!] ?? 0) + 1;
    if (t.lostExamples.length < MAX_EXAMPLES) t.lostExamples.push(`${res.reason}: ${res.detail}`);
  } else if (res.outcome !== 'client-aborted') latencies.push(res.ms);
}

/** Runs the load; `onTick` is called about once a second with the tally so far. */
export async function runLoad(o: LoadOptions, onTick?: (t: Tally, elapsedS: number) => void): Promise<Tally> {
  const rnd = prng(o.seed);
  const tally = emptyTally();
  const latencies: number[] = [];
  const inflight = new Set<Promise<void>>();
  const total = Math.round(o.rate * o.durationS);
  let released = 0;
  let lastTick = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = (performance.now() - t0) / 1000;
      const due = Math.min(total, Math.floor(elapsed * o.rate));
      while (released < due) {
        const r = makeRequest(++released, rnd, o.abortShare);
        const p: Promise<void> = send(r, o.client).then((res) => {
          count(tally, r, res, latencies);
          inflight.delete(p);
        });
        inflight.add(p);
      }
      if (onTick !== undefined && elapsed - lastTick >= 1) {
        lastTick = Math.floor(elapsed);
        onTick(tally, elapsed);
      }
      if (released >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 5);
  });
  // Every request ends by the client's own deadline, so this wait is bounded.
  await Promise.all(inflight);
  latencies.sort((a, b) => a - b);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  tally.latencyMs = { p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? 0 };
  return tally;
}
