// The stats listener (agentgateway's statsAddr, default [::]:15020): Prometheus text on
// /metrics and /stats/prometheus. node:http, off the data plane; a taken port is a warning.
import type { Server } from 'node:http';
import { listenManagement, managementAddress, type ManagementAddress } from './listen.js';

const PATHS = new Set(['/metrics', '/stats/prometheus']);

/** Where the stats listener goes: STATS_ADDR, else `config.statsAddr`, else [::]:15020; null when "off". */
export function statsAddress(configured: string | undefined): ManagementAddress | null {
  return managementAddress('STATS_ADDR', configured, '[::]:15020');
}

/** What the listener serves: the metrics registry's exposition (prom-client stays in src/observability). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export function startStatsServer(addr: ManagementAddress, registry: MetricsSource): Promise<Server | null> {
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
