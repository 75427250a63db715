// undici's stable error codes sorted into what the gateway needs to decide: status, whether a
// retry can help, and a message that says what happened without leaking request data.

export type UpstreamFailureKind = 'connect' | 'tls' | 'headers-timeout' | 'body-timeout' | 'reset' | 'aborted' | 'protocol';

export interface UpstreamFailure {
  kind: UpstreamFailureKind;
  /** The undici / system error code, for logs. */
  code: string;
  message: string;
  /** No byte of the request reached the upstream (safe to retry any method). */
  beforeRequestSent: boolean;
}

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

export function classifyUpstreamError(err: unknown, origin: string, limits?: TimeoutLimits): UpstreamFailure {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? 'UNKNOWN';
  if (CONNECT_CODES.has(code)) {
    const why =
      code === 'UND_ERR_CONNECT_TIMEOUT'
        ? 'connect timed out'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host not found'
          : 'connection refused';
    return { kind: 'connect', code, message: `upstream ${origin} unreachable: ${why}`, beforeRequestSent: true };
  }
  if (code.startsWith('ERR_TLS') || /CERT|SSL|SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/.test(code)) {
    return { kind: 'tls', code, message: `TLS to upstream ${origin} failed: ${code}`, beforeRequestSent: true };
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT') {
    const within =
      limits !== undefined && limits.headersMs > 0 ? ` within the default backendRequestTimeout (${limits.headersMs} ms)` : ' in time';
    return { kind: 'headers-timeout', code, message: `upstream ${origin} sent no response headers${within}`, beforeRequestSent: false };
  }
  if (code === 'UND_ERR_BODY_TIMEOUT') {
    const message =
      limits !== undefined && limits.bodyMs > 0
        ? `upstream ${origin} went silent within the default streamIdleTimeout (${limits.bodyMs} ms)`
        : `upstream ${origin} stalled while sending the response`;
    return { kind: 'body-timeout', code, message, beforeRequestSent: false };
  }
  if (code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR') {
    return { kind: 'aborted', code, message: 'request aborted', beforeRequestSent: false };
  }
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_CLOSED') {
    return { kind: 'reset', code, message: `upstream ${origin} closed the connection`, beforeRequestSent: false };
  }
  return { kind: 'protocol', code, message: `upstream ${origin} failed: ${e.message ?? code}`, beforeRequestSent: false };
}
