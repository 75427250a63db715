// The HTTP edge's limits and timeouts (`frontendPolicies.http`), resolved with their defaults.
// Defaults follow nginx and Envoy rather than uWebSockets.js: 64 KiB heads (Envoy's 60 KiB,
// nginx's 4 x 8 KiB buffers), 100 headers (agentgateway's hyper default), 60 s for a head, a
// pause in a body upload and a stalled response (nginx's client_header_timeout,
// client_body_timeout and send_timeout).
import { durationMs } from './schema/common.js';
import type { z } from 'zod';
import type { HttpSettings } from './schema/root.js';

export interface HttpEdgeSettings {
  /** Largest request head in bytes; larger is a 431. */
  readonly maxHeadBytes: number;
  /** Most header lines; more is a 431. */
  readonly maxHeaders: number;
  /** Time to send a complete head (first request on a connection, every request on the Node edge). */
  readonly headTimeoutMs: number;
  /** Longest pause while a body uploads; then a 408. */
  readonly bodyTimeoutMs: number;
  /** Longest time a client may take none of the response it is sent; then the connection closes. */
  readonly sendTimeoutMs: number;
  /** TRACE is proxied only when true (else 405). */
  readonly allowTrace: boolean;
}

export const DEFAULT_HTTP_EDGE: HttpEdgeSettings = Object.freeze({
  maxHeadBytes: 64 * 1024,
  maxHeaders: 100,
  headTimeoutMs: 60_000,
  bodyTimeoutMs: 60_000,
  sendTimeoutMs: 60_000,
  allowTrace: false,
});

export function httpEdgeSettings(http: z.infer<typeof HttpSettings> | undefined): HttpEdgeSettings {
  const d = DEFAULT_HTTP_EDGE;
  const ms = (v: string | undefined, dflt: number) => (v === undefined ? dflt : Math.max(1, durationMs(v)));
  return Object.freeze({
    maxHeadBytes: http?.http1MaxHeaderSize ?? d.maxHeadBytes,
    maxHeaders: http?.http1MaxHeaders ?? d.maxHeaders,
    headTimeoutMs: ms(http?.http1IdleTimeout, d.headTimeoutMs),
    bodyTimeoutMs: ms(http?.requestBodyTimeout, d.bodyTimeoutMs),
    sendTimeoutMs: ms(http?.responseSendTimeout, d.sendTimeoutMs),
    allowTrace: http?.allowTrace ?? d.allowTrace,
  });
}

/**
 * The address a bind listens on: its `bindAddress`, else the wildcard agentgateway uses
 * (`[::]`, dual-stack, unless IPv6 is disabled by IPV6_ENABLED=false or config.enableIpv6).
 */
export function listenAddress(bindAddress: string | undefined, enableIpv6: boolean | undefined, env: NodeJS.ProcessEnv): string {
  if (bindAddress !== undefined) return bindAddress;
  const fromEnv = env.IPV6_ENABLED?.trim().toLowerCase();
  const v6 = fromEnv === 'false' || fromEnv === '0' ? false : fromEnv === 'true' || fromEnv === '1' ? true : (enableIpv6 ?? true);
  return v6 ? '::' : '0.0.0.0';
}
