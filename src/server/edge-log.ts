// Log lines for what the edge refuses or cuts before a request reaches the pipeline (a
// malformed or oversize head, a timed-out body, a stalled reader), which the access log never
// sees. At most LINES_PER_SECOND a second: a flood of garbage must not become a flood of logs;
// the rest are counted and reported in one line.
import { log } from '../observability/log.js';

const LINES_PER_SECOND = 20;

let windowStart = 0;
let inWindow = 0;
let suppressed = 0;

export interface EdgeEvent {
  /** Status answered, or 0 when the connection was closed without one. */
  status: number;
  /** What happened, stable and short: `malformed head`, `head too large`, `send timeout`... */
  event: string;
  /** The parser's or the gateway's detail (never request content). */
  detail?: string;
  remote?: string;
  port?: number;
}

export function logEdge(e: EdgeEvent): void {
  const now = Date.now();
  if (now - windowStart >= 1000) {
    if (suppressed > 0) log.info({ suppressed }, `edge: ${suppressed} more refusals not logged in the last second`);
    windowStart = now;
    inWindow = 0;
    suppressed = 0;
  }
  if (++inWindow > LINES_PER_SECOND) {
    suppressed++;
    return;
  }
  const status = e.status > 0 ? `answered ${e.status}` : 'connection closed';
  log.info({ edge: e.event, status: e.status, detail: e.detail, remote: e.remote, port: e.port }, `edge: ${e.event}: ${status}`);
}
