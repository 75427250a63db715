// Where an upstream request goes: the identity of a connection pool.
import type { ConnectionOptions } from 'node:tls';

export interface TlsSettings {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
}

export interface UpstreamTarget {
  /** Stable identity: same key, same pool (carried over across reloads). */
  readonly key: string;
  /** `http://host:port` or `https://host:port`. */
  readonly origin: string;
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsSettings;
}

export function makeTarget(host: string, port: number, tls: TlsSettings | undefined): UpstreamTarget {
  const scheme = tls ? 'https' : 'http';
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const origin = `${scheme}://${h}:${port}`;
  const tlsKey = tls ? `|ca=${tls.ca ?? ''}|cert=${tls.cert ?? ''}|sni=${tls.servername ?? ''}|verify=${tls.rejectUnauthorized}` : '';
  return { key: origin + tlsKey, origin, host, port, ...(tls ? { tls } : {}) };
}

export function tlsConnectOptions(tls: TlsSettings): ConnectionOptions {
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
    ...(tls.key !== undefined ? { key: tls.key } : {}),
    ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
  };
}
