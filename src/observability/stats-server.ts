// The stats listener (agentgateway's statsAddr, default [::]:15020): Prometheus text on
// /metrics and /stats/prometheus. node:http, off the data plane; a taken port is a warning.
import type { Server } from 'node:http';
import type { Registry } from 'prom-client';
import { listenManagement, type ManagementAddress } from '../admin/listen.js';

const PATHS = new Set(['/metrics', '/stats/prometheus']);

export function startStatsServer(addr: ManagementAddress, registry: Registry): Promise<Server | null> {
  return listenManagement('stats', addr, (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0]!;
    if (!PATHS.has(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the stats listener serves /metrics and /stats/prometheus\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : body),
      (e: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`cannot collect metrics: ${(e as Error).message}\n`),
    );
  });
}
