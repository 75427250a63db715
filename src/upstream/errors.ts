// undici's stable error codes sorted into the gateway's error kinds (src/errors.ts): whether
// the upstream was unreachable, refused TLS, was too slow or dropped the connection, whether
// any byte of the request reached it, and a message that says what happened without leaking
// request data. The undici / system code stays on the error (`causeCode`) for logs.
import { GatewayError } from '../errors.js';

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The undici timers a call ran with (ms; the route's default limits, see policies/retry.ts), to say which one a timeout hit. */
export interface TimeoutLimits {
  readonly headersMs: number;
  readonly bodyMs: number;
}

export function classifyUpstreamError(err: unknown, origin: string, limits?: TimeoutLimits): GatewayError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? 'UNKNOWN';
  if (CONNECT_CODES.has(code)) {
    const why =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'connect timed out'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host not found'
          : 'connection refused';
    return new GatewayError('upstream_unreachable', `upstream ${origin} unreachable: ${why}`, { causeCode: code, beforeRequestSent: true });
  }
  if (code.startsWith('ERR_TLS') || /CERT|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/.test(code)) {
    return new GatewayError('upstream_tls', `TLS to upstream ${origin} failed: ${code}`, { causeCode: code, beforeRequestSent: true });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    const within =
      limits !== undefined && limits.headersMs > 0 ? ` within the default backendRequestTimeout (${limits.headersMs} ms)` : ' in time';
    return new GatewayError('upstream_timeout', `upstream ${origin} sent no response headers${within}`, { causeCode: code });
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    const message =
      limits !== undefined && limits.bodyMs > 0
        ? `upstream ${origin} went silent within the default streamIdleTimeout (${limits.bodyMs} ms)`
        : `upstream ${origin} stalled while sending the response`;
    return new GatewayError('upstream_timeout', message, { causeCode: code });
  }
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return new GatewayError('upstream_failed', 'request aborted', { causeCode: code });
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return new GatewayError('upstream_reset', `upstream ${origin} closed the connection`, { causeCode: code });
  }
  return new GatewayError('upstream_failed', `upstream ${origin} failed: ${e.message ?? code}`, { causeCode: code });
}
