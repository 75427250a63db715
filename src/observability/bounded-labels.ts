// Label values that come from clients or providers (model names, HTTP methods) must not mint
// unbounded Prometheus series: every distinct value is a series held in memory forever and
// scraped every interval. Values are admitted until a cap, then folded into "other".
//
// The caps are per GatewayMetrics, so per thread with `--workers N`: each worker admits values
// on its own, and the main thread sums the workers' series. A value can then be itself in one
// worker and "other" in another (once that worker's cap is full), and the summed scrape holds at
// most N x cap values per label. Deciding "other" once for all threads would put a shared set
// (in the shared arena, behind atomics) on every request's label lookup; the bound this keeps
// (N x cap, N at most the CPU count) serves the purpose of the cap, so it is not done.

export const OTHER = 'other';
export const UNKNOWN = 'unknown';

/** Longest label value kept; longer ones are cut (a model id is far shorter). */
const MAX_VALUE_LENGTH = 128;

export class BoundedLabel {
  private readonly admitted = new Set<string>();

  constructor(readonly cap: number) {}

  /** The value to use as a label: itself while there is room, else "other". */
  value(raw: string | undefined): string {
    if (raw === undefined || raw === '') return UNKNOWN;
    const v = raw.length > MAX_VALUE_LENGTH ? raw.slice(0, MAX_VALUE_LENGTH) : raw;
    if (this.admitted.has(v)) return v;
    if (this.admitted.size >= this.cap) return OTHER;
    this.admitted.add(v);
    return v;
  }

  get size(): number {
    return this.admitted.size;
  }
}

const METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'CONNECT', 'TRACE']);

/** uWS accepts any token as a method; only the standard ones become label values. */
export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : OTHER;
}
