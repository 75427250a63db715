// Error bodies in the LLM client dialects: OpenAI `{"error":{...}}`, Anthropic
// `{"type":"error","error":{...}}` and, for native Gemini clients, Google's
// `{"error":{"code","message","status"}}`. Two sources write them: the gateway's own errors (a
// GatewayError, whose types, code and reason come from the table in src/errors.ts) and
// providers' errors converted to the client's dialect (provider-errors.ts), which keep the
// provider's type and carry no gateway code.
import type { GatewayError } from '../../errors.js';
import type { ProviderErrorType } from './provider-errors.js';

export type ErrorDialect = 'openai' | 'anthropic' | 'google';

/** Google's canonical code name for an HTTP status (cloud.google.com/apis/design/errors). */
export function googleStatusFor(status: number): string {
  switch (status) {
    case 400:
    case 413:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
      return 'NOT_FOUND';
    case 409:
      return 'ABORTED';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 501:
      return 'UNIMPLEMENTED';
    case 502:
    case 503:
    case 529:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

/** Anthropic's error type for a provider error of this status and type. */
export function anthropicTypeFor(status: number, type: ProviderErrorType): string {
  if (type === 'overloaded_error' || status === 529) return 'overloaded_error';
  if (type === 'timeout_error' || status === 504) return 'timeout_error';
  if (status === 413) return 'request_too_large';
  if (type === 'not_implemented') return 'api_error';
  if (type !== 'api_error' && type !== 'invalid_request_error') return type;
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

/** OpenAI's error type for a provider error of this status and type (OpenAI uses fewer types). */
export function openaiTypeFor(status: number, type: ProviderErrorType): string {
  if (type === 'not_implemented') return 'not_implemented';
  if (type === 'overloaded_error' || status === 529 || status === 503) return 'server_error';
  if (type === 'timeout_error' || status === 504) return 'timeout';
  if (type !== 'api_error' && type !== 'invalid_request_error') return type;
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

interface BodyExtras {
  readonly param?: string | null | undefined;
  readonly code?: string | null | undefined;
  readonly reason?: string | undefined;
}

/**
 * The body shape of each dialect, with the type already in the dialect's vocabulary. Google's
 * type is its canonical status name; the gateway's code and reason ride in a google.rpc.ErrorInfo
 * detail, where Google's own APIs put a machine-readable reason.
 */
function body(dialect: ErrorDialect, type: string, message: string, x: BodyExtras & { status?: number }): Record<string, unknown> {
  if (dialect === 'google') {
    const error: Record<string, unknown> = { code: x.status, message, status: type };
    if (x.code != null) {
      const metadata = x.reason === undefined ? {} : { reason: x.reason };
      error.details = [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: x.code, domain: 'agentgateway', metadata }];
    }
    return { error };
  }
  if (dialect === 'anthropic') {
    const error: Record<string, unknown> = { type, message };
    if (x.code != null) error.code = x.code;
    if (x.reason !== undefined) error.reason = x.reason;
    return { type: 'error', error };
  }
  const error: Record<string, unknown> = { message, type, param: x.param ?? null, code: x.code ?? null };
  if (x.reason !== undefined) error.reason = x.reason;
  return { error };
}

/** A provider's error (or an emulated one) in the client's dialect. */
export function errorBody(
  dialect: ErrorDialect,
  status: number,
  type: ProviderErrorType,
  message: string,
  opts: { code?: string | null; param?: string | null } = {},
): Record<string, unknown> {
  const t =
    dialect === 'anthropic' ? anthropicTypeFor(status, type) : dialect === 'google' ? googleStatusFor(status) : openaiTypeFor(status, type);
  return body(dialect, t, message, { ...opts, status });
}

/** One of the gateway's own errors in the client's dialect: its table types, code and reason. */
export function gatewayErrorBody(dialect: ErrorDialect, err: GatewayError): Record<string, unknown> {
  const type = dialect === 'google' ? googleStatusFor(err.status) : err.typeFor(dialect);
  return body(dialect, type, err.message, { param: err.param, code: err.code, reason: err.reason, status: err.status });
}
