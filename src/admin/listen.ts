// Management listeners (admin :15000, stats :15020, readiness :15021) on node:http: they are
// off the hot path, and a second gateway on the same host must not take the first one down,
// so a taken management port is a clear warning and the data plane keeps serving.
import { createServer, type RequestListener, type Server } from 'node:http';
import { log } from '../observability/log.js';

export interface ManagementAddress {
  host: string;
  port: number;
}

/**
 * Parses agentgateway's address forms: `localhost:15000`, `127.0.0.1:15000`, `[::]:15020`,
 * `:15020` (all interfaces), or `off` (returns null).
 */
export function parseAddress(spec: string): ManagementAddress | null {
  if (spec === 'off') return null;
  const m = /^(\[[^\]]*\]|[^:]*):(\d{1,5})$/.exec(spec);
  if (!m) throw new Error(`invalid address "${spec}" (expected host:port or "off")`);
  let host = m[1]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { host: host === '' ? '::' : host, port: Number(m[2]) };
}

/** Listens, or logs why it cannot and resolves null (the data plane goes on regardless). */
export function listenManagement(name: string, addr: ManagementAddress, handler: RequestListener): Promise<Server | null> {
  return new Promise((resolve) => {
    const server = createServer(handler);
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'address already in use (another gateway on this host?)' : e.message;
      log.warn(`${name} server disabled: cannot listen on ${addr.host}:${addr.port}: ${why}; the data plane keeps serving`);
      resolve(null);
    });
    server.listen(addr.port, addr.host, () => resolve(server));
  });
}

/** Address from the environment (wins, as in agentgateway), else the config, else the default. */
export function managementAddress(envVar: string, configured: string | undefined, fallback: string): ManagementAddress | null {
  return parseAddress(process.env[envVar] || configured || fallback);
}
