// Readiness (default [::]:15021) as agentgateway answers it: `GET /healthz/ready` is
// `200 ready` once every listener of the serving config is up, else `500 not ready, pending:
// <what>`; other methods 405, other paths 404. Plain text, for load balancers and kubelets.
import type { RequestListener } from 'node:http';
import { sendText } from './http.js';

export function readinessHandler(pending: () => string[]): RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/healthz/ready') return sendText(res, 404, 'not found\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed\n', { allow: 'GET, HEAD' });
    const waiting = pending();
    if (waiting.length === 0) return sendText(res, 200, 'ready\n');
    sendText(res, 500, `not ready, pending: ${waiting.join(', ')}\n`);
  };
}
