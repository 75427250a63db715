// GET /api/requests: the recent requests filtered on the server (route, model, backend, status,
// client, reason, min latency, a time window), so the UI and scripts fetch only what matches.
// A filter is parsed once from the query string and tested against each record in the ring.
import type { RecentRequest } from '../observability/recent-requests.js';
import { HttpError } from './http.js';

export interface RequestFilter {
  /** Route key (`<port>/<listener>/<name>`) or the route's name alone. */
  route?: string;
  model?: string;
  backend?: string;
  /** A status class (`2xx` .. `5xx`), `error` (400 and up) or one status (`429`). */
  status?: string;
  /** Part of the client label (`key:alice`, `jwt:svc-1`), case-insensitive. */
  client?: string;
  /** agentgateway's reason (`RateLimited`, `UpstreamFailure`, `Upstream`, ...). */
  reason?: string;
  minLatencyMs?: number;
  /** Finished at or after `from` and before `to` (Unix ms). */
  from?: number;
  to?: number;
}

const TEXT = ['route', 'model', 'backend', 'status', 'client', 'reason'] as const;
const NUMBER = ['minLatencyMs', 'from', 'to'] as const;
const STATUS = /^(?:[1-5]xx|error|[1-5]\d\d)$/;

/** The filter in `params`; unknown values are a 400, empty ones are no filter. */
export function parseRequestFilter(params: URLSearchParams): RequestFilter {
  const f: RequestFilter = {};
  for (const k of TEXT) {
    const v = params.get(k);
    if (v !== null && v !== '') f[k] = v;
  }
  for (const k of NUMBER) {
    const v = params.get(k);
    if (v === null || v === '') continue;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new HttpError(400, `${k} must be a non-negative number`);
    f[k] = n;
  }
  if (f.status !== undefined && !STATUS.test(f.status)) throw new HttpError(400, 'status must be 2xx..5xx, error, or a status code');
  return f;
}

export function matchesRequest(r: RecentRequest, f: RequestFilter): boolean {
  if (f.route !== undefined && r.route !== f.route && !(r.route?.endsWith(`/${f.route}`) ?? false)) return false;
  if (f.model !== undefined && r.model !== f.model) return false;
  if (f.backend !== undefined && r.backend !== f.backend) return false;
  if (f.status !== undefined && !statusMatches(r.status, f.status)) return false;
  if (f.client !== undefined && !r.client.toLowerCase().includes(f.client.toLowerCase())) return false;
  if (f.reason !== undefined && r.reason !== f.reason) return false;
  if (f.minLatencyMs !== undefined && r.latencyMs < f.minLatencyMs) return false;
  if (f.from !== undefined && r.at < f.from) return false;
  if (f.to !== undefined && r.at >= f.to) return false;
  return true;
}

function statusMatches(status: number, want: string): boolean {
  if (want === 'error') return status >= 400;
  if (want.endsWith('xx')) return Math.floor(status / 100) === Number(want[0]);
  return status === Number(want);
}

export interface RequestPage {
  /** Matching requests newer than `since`, oldest first. */
  requests: RecentRequest[];
  /** The newest seq in the ring (poll again with `since=<last>`). */
  last: number;
  /** Requests looked at (the ring holds the last few hundred only). */
  scanned: number;
  /** When the oldest request still held finished (null when none): older windows are gone. */
  oldestAt: number | null;
}

/** GET /api/requests?since=&route=&model=&backend=&status=&client=&reason=&minLatencyMs=&from=&to= */
export function requestPage(all: RecentRequest[], last: number, since: number, f: RequestFilter): RequestPage {
  return {
    requests: all.filter((r) => r.seq > since && matchesRequest(r, f)),
    last,
    scanned: all.length,
    oldestAt: all[0]?.at ?? null,
  };
}
