// Live traffic series for the admin UI's charts and GET /api/series: bounded in-memory rings
// (per second for 5 min, per 10 s for 1 h, per minute for 24 h), no database. Fed from the same
// RequestSummary the Prometheus counters are incremented from, so their totals agree. Recording
// allocates nothing once a key's rings exist: a Map lookup per dimension and additions into
// typed arrays; a slot left over from an earlier lap of the ring is zeroed when first reused.
import type { RequestSummary } from './summary.js';

export const WINDOWS = {
  '5m': { stepMs: 1_000, slots: 300 },
  '1h': { stepMs: 10_000, slots: 360 },
  '24h': { stepMs: 60_000, slots: 1_440 },
} as const;
export type WindowName = keyof typeof WINDOWS;
const WINDOW_LIST = Object.values(WINDOWS);

export const DIMENSIONS = ['total', 'route', 'backend', 'model', 'client'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

/** Upper bounds (ms) of the latency and TTFT buckets; one more bucket holds the rest. */
export const BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
const NB = BOUNDS_MS.length + 1;

/** Distinct keys per dimension before the rest fold into "other" (client-supplied model names). */
export const KEY_CAP = 24;
export const OTHER = '(other)';

// Scalar fields of a slot, in this order.
const FIELDS = [
  'requests',
  's1xx',
  's2xx',
  's3xx',
  's4xx',
  's5xx',
  'tokensIn',
  'tokensOut',
  'costUsd',
  'priced',
  'unpriced',
  'rateLimited',
  'upstreamErrors',
] as const;
type Field = (typeof FIELDS)[number];
const NF = FIELDS.length;
// Field offsets as constants: an object built at run time would be a dictionary-mode lookup per use.
const F = {
  requests: 0,
  s1xx: 1,
  tokensIn: 6,
  tokensOut: 7,
  costUsd: 8,
  priced: 9,
  unpriced: 10,
  rateLimited: 11,
  upstreamErrors: 12,
} as const;

/** One key's values at one resolution, slot by slot (which epoch a slot holds is the Clock's). */
class Ring {
  readonly vals: Float64Array;
  readonly latency: Uint32Array;
  readonly ttft: Uint32Array;

  constructor(slots: number) {
    this.vals = new Float64Array(slots * NF);
    this.latency = new Uint32Array(slots * NB);
    this.ttft = new Uint32Array(slots * NB);
  }

  clear(i: number): void {
    this.vals.fill(0, i * NF, i * NF + NF);
    this.latency.fill(0, i * NB, i * NB + NB);
    this.ttft.fill(0, i * NB, i * NB + NB);
  }
}

/**
 * One resolution's time, shared by every key: slot i holds epoch `epochs[i]` (ms / step), or -1.
 * Moving to a new step clears that slot in every key once, so a request does one division per
 * window, not one per key (epochs pass 2^31: the modulo is a floating-point one).
 */
class Clock {
  readonly epochs: Float64Array;
  current = -1;
  slot = 0;

  constructor(
    readonly stepMs: number,
    readonly slots: number,
  ) {
    this.epochs = new Float64Array(slots).fill(-1);
  }
}

/** One key's rings (the whole gateway, one route, one model, ...), one per window. */
class KeySeries {
  readonly rings = WINDOW_LIST.map((w) => new Ring(w.slots));
}

// The request being recorded, worked out once and added into every ring (no allocation): only
// its non-zero fields (a plain HTTP request has two), as (field, value) pairs.
const deltaField = new Int32Array(NF);
const deltaValue = new Float64Array(NF);
let deltaCount = 0;

export class TrafficSeries {
  /** Off (one branch per request) unless the admin server runs. */
  enabled = false;
  private readonly clocks = WINDOW_LIST.map((w) => new Clock(w.stepMs, w.slots));
  private readonly dims = new Map<Dimension, Map<string, KeySeries>>(DIMENSIONS.map((d) => [d, new Map()]));
  private readonly total: Map<string, KeySeries> = this.dims.get('total')!;
  private readonly route: Map<string, KeySeries> = this.dims.get('route')!;
  private readonly backend: Map<string, KeySeries> = this.dims.get('backend')!;
  private readonly model: Map<string, KeySeries> = this.dims.get('model')!;
  private readonly client: Map<string, KeySeries> = this.dims.get('client')!;

  constructor(private readonly now: () => number = Date.now) {}

  record(s: RequestSummary): void {
    const latencyB = bucketOf(s.durationS * 1000);
    const ttftB = s.ttftS === undefined ? -1 : bucketOf(s.ttftS * 1000);
    fillDelta(s);
    this.tick(this.now());
    const ctx = s.ctx;
    this.add(this.total, 'all', latencyB, ttftB);
    this.add(this.route, ctx.route?.key ?? '(no route)', latencyB, ttftB);
    this.add(this.backend, ctx.upstream.backend?.name ?? '(no backend)', latencyB, ttftB);
    if (s.llm) this.add(this.model, s.responseModel ?? s.requestModel ?? '(unknown)', latencyB, ttftB);
    this.add(this.client, clientOf(s), latencyB, ttftB);
  }

  /** Moves each window's clock to the step holding `now`, clearing the slot it reuses. */
  private tick(now: number): void {
    for (let w = 0; w < this.clocks.length; w++) {
      const c = this.clocks[w]!;
      const epoch = Math.floor(now / c.stepMs);
      if (epoch === c.current) continue;
      c.current = epoch;
      c.slot = epoch % c.slots;
      if (c.epochs[c.slot] === epoch) continue;
      c.epochs[c.slot] = epoch;
      for (const keys of this.dims.values()) for (const k of keys.values()) k.rings[w]!.clear(c.slot);
    }
  }

  private add(keys: Map<string, KeySeries>, key: string, latencyB: number, ttftB: number): void {
    let series = keys.get(key);
    if (series === undefined) {
      const k = keys.size < KEY_CAP ? key : OTHER;
      series = keys.get(k) ?? new KeySeries();
      keys.set(k, series);
    }
    const rings = series.rings;
    for (let w = 0; w < rings.length; w++) {
      const ring = rings[w]!;
      const i = this.clocks[w]!.slot;
      const vals = ring.vals;
      const base = i * NF;
      for (let d = 0; d < deltaCount; d++) vals[base + deltaField[d]!]! += deltaValue[d]!;
      ring.latency[i * NB + latencyB]!++;
      if (ttftB >= 0) ring.ttft[i * NB + ttftB]!++;
    }
  }

  /**
   * The series of one window by one dimension, oldest step first, as the admin API serves them;
   * with worker threads (`--workers N`) each worker's `raw()` is summed in, step by step.
   */
  query(window: WindowName, by: Dimension, others: readonly RawSeries[] = []): SeriesResponse {
    const w = WINDOWS[window];
    const own = this.raw(window, by);
    const merged = new Map<string, RawKey>(own.keys.map((k) => [k.key, k]));
    for (const o of others) for (const k of o.keys) addInto(merged, k, o.first - own.first, w.slots);
    const time = Array.from({ length: w.slots }, (_, k) => ((own.first + k) * w.stepMs) / 1000);
    const series = [...merged.values()].map((k) => view(k, w.slots));
    series.sort((a, b) => b.totals.requests - a.totals.requests || a.key.localeCompare(b.key));
    return { window, by, stepSeconds: w.stepMs / 1000, boundsMs: BOUNDS_MS, time, series };
  }

  /** One window by one dimension as plain arrays, oldest step first (what a worker thread sends). */
  raw(window: WindowName, by: Dimension): RawSeries {
    const w = WINDOWS[window];
    const ringIndex = WINDOW_LIST.indexOf(w);
    const first = Math.floor(this.now() / w.stepMs) - w.slots + 1;
    const clock = this.clocks[ringIndex]!;
    return { first, keys: [...this.dims.get(by)!].map(([key, s]) => aligned(key, s.rings[ringIndex]!, clock, first)) };
  }
}

/** A key's steps in time order (step k is epoch `first + k`): values, latency and TTFT buckets. */
export interface RawKey {
  key: string;
  vals: Float64Array;
  latency: Uint32Array;
  ttft: Uint32Array;
}

export interface RawSeries {
  /** Epoch (time / step) of the first step. */
  first: number;
  keys: RawKey[];
}

function aligned(key: string, ring: Ring, clock: Clock, first: number): RawKey {
  const steps = clock.slots;
  const out: RawKey = { key, vals: new Float64Array(steps * NF), latency: new Uint32Array(steps * NB), ttft: new Uint32Array(steps * NB) };
  for (let k = 0; k < steps; k++) {
    const epoch = first + k;
    const i = epoch % steps;
    if (clock.epochs[i] !== epoch) continue; // a step with no requests, or one from an earlier lap
    out.vals.set(ring.vals.subarray(i * NF, i * NF + NF), k * NF);
    out.latency.set(ring.latency.subarray(i * NB, i * NB + NB), k * NB);
    out.ttft.set(ring.ttft.subarray(i * NB, i * NB + NB), k * NB);
  }
  return out;
}

/** Adds another thread's key into `into`; its step j is this thread's step j + shift (clocks a step apart). */
function addInto(into: Map<string, RawKey>, k: RawKey, shift: number, steps: number): void {
  let t = into.get(k.key);
  if (t === undefined) {
    t = { key: k.key, vals: new Float64Array(steps * NF), latency: new Uint32Array(steps * NB), ttft: new Uint32Array(steps * NB) };
    into.set(k.key, t);
  }
  for (let j = Math.max(0, -shift); j < steps && j + shift < steps; j++) {
    const to = j + shift;
    for (let f = 0; f < NF; f++) t.vals[to * NF + f]! += k.vals[j * NF + f]!;
    for (let b = 0; b < NB; b++) {
      t.latency[to * NB + b]! += k.latency[j * NB + b]!;
      t.ttft[to * NB + b]! += k.ttft[j * NB + b]!;
    }
  }
}

export type Quantiles = { p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[] };

export interface KeyView {
  key: string;
  /** Per step: every scalar field (counts, tokens, USD of priced requests). */
  fields: Record<Field, number[]>;
  /** Per step, in ms: the upper bound of the bucket holding the quantile; null when no requests. */
  latencyMs: Quantiles;
  ttftMs: Quantiles;
  /** Sums over the window; costUsd covers `priced` requests only, `unpriced` ones have no price. */
  totals: Record<Field, number>;
}

export interface SeriesResponse {
  window: WindowName;
  by: Dimension;
  stepSeconds: number;
  boundsMs: readonly number[];
  /** Unix seconds of each step's start. */
  time: number[];
  series: KeyView[];
}

function view(k: RawKey, steps: number): KeyView {
  const fields = Object.fromEntries(FIELDS.map((f) => [f, new Array<number>(steps).fill(0)])) as Record<Field, number[]>;
  const totals = Object.fromEntries(FIELDS.map((f) => [f, 0])) as Record<Field, number>;
  const latencyMs: Quantiles = { p50: [], p95: [], p99: [] };
  const ttftMs: Quantiles = { p50: [], p95: [], p99: [] };
  for (let step = 0; step < steps; step++) {
    for (let f = 0; f < NF; f++) {
      const v = k.vals[step * NF + f]!;
      fields[FIELDS[f]!][step] = v;
      totals[FIELDS[f]!] += v;
    }
    pushQuantiles(latencyMs, k.latency.subarray(step * NB, step * NB + NB));
    pushQuantiles(ttftMs, k.ttft.subarray(step * NB, step * NB + NB));
  }
  totals.costUsd = Math.round(totals.costUsd * 1e9) / 1e9;
  return { key: k.key, fields, latencyMs, ttftMs, totals };
}

function pushQuantiles(q: Quantiles, buckets: Uint32Array | null): void {
  q.p50.push(quantile(buckets, 0.5));
  q.p95.push(quantile(buckets, 0.95));
  q.p99.push(quantile(buckets, 0.99));
}

/** The upper bound of the bucket where the q-th request falls (the overflow bucket: twice the last bound). */
export function quantile(buckets: Uint32Array | null, q: number): number | null {
  if (buckets === null) return null;
  let n = 0;
  for (const c of buckets) n += c;
  if (n === 0) return null;
  const rank = Math.ceil(q * n);
  let seen = 0;
  for (let b = 0; b < NB; b++) {
    seen += buckets[b]!;
    if (seen >= rank) return b < BOUNDS_MS.length ? BOUNDS_MS[b]! : BOUNDS_MS[BOUNDS_MS.length - 1]! * 2;
  }
  return null;
}

function bucketOf(ms: number): number {
  for (let b = 0; b < BOUNDS_MS.length; b++) if (ms <= BOUNDS_MS[b]!) return b;
  return BOUNDS_MS.length;
}

function put(field: number, value: number): void {
  deltaField[deltaCount] = field;
  deltaValue[deltaCount++] = value;
}

function fillDelta(s: RequestSummary): void {
  deltaCount = 0;
  put(F.requests, 1);
  const cls = Math.floor(s.status / 100);
  // 499 (client closed) counts as 4xx; a status the gateway never chose (0) counts in no class.
  if (cls >= 1 && cls <= 5) put(F.s1xx + cls - 1, 1);
  const u = s.usage;
  if (s.llm && u !== undefined) {
    put(F.tokensIn, u.inputTokens);
    put(F.tokensOut, u.outputTokens);
    if (s.cost !== undefined) {
      put(F.costUsd, s.cost);
      put(F.priced, 1);
    } else put(F.unpriced, 1);
  }
  if (s.code === 'rate_limited') put(F.rateLimited, 1);
  if (upstreamError(s)) put(F.upstreamErrors, 1);
}

/** The upstream failed: the gateway's error blames it, or it answered a 5xx itself. */
function upstreamError(s: RequestSummary): boolean {
  const e = s.ctx.error;
  if (e !== undefined) return e.source === 'upstream';
  return s.status >= 500 && s.reason === 'Upstream';
}

/** Who made the request: the virtual key's name, else the JWT subject, else the basic-auth user. */
export function clientOf(s: RequestSummary): string {
  const ctx = s.ctx;
  const vk = ctx.apiKey?.virtualKey?.key.name;
  if (vk !== undefined) return labelled('key:', vk);
  const sub = ctx.jwt?.claims.sub;
  if (typeof sub === 'string') return labelled('jwt:', sub);
  const user = ctx.basicAuth?.username;
  if (user !== undefined) return labelled('basic:', user);
  return '(anonymous)';
}

// "key:<name>" strings, made once per identity rather than per request (bounded: past the cap
// they are made each time, which only costs the allocation).
const LABEL_MEMO = 1024;
const labels = new Map<string, Map<string, string>>();
function labelled(kind: string, name: string): string {
  let byName = labels.get(kind);
  if (byName === undefined) labels.set(kind, (byName = new Map()));
  let id = byName.get(name);
  if (id === undefined) {
    id = kind + name;
    if (byName.size < LABEL_MEMO) byName.set(name, id);
  }
  return id;
}
