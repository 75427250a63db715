// Error bodies in each client dialect. The pipeline decides status and type once; this only
// writes them in the caller's format (OpenAI `{"error":{...}}`, Anthropic `{"type":"error",...}`,
// or Google's `{"error":{"code","message","status"}}` for native Gemini clients).
import type { LlmErrorType } from '../errors.js';

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

/** Anthropic's error type for a status, used when a gateway error has no more specific type. */
export function anthropicTypeFor(status: number, type: LlmErrorType): string {
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

/** OpenAI's error type for a status (OpenAI uses fewer types and a `code`). */
export function openaiTypeFor(status: number, type: LlmErrorType): string {
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

export function errorBody(
  dialect: ErrorDialect,
  status: number,
  type: LlmErrorType,
  message: string,
  opts: { code?: string | null; param?: string | null } = {},
): Record<string, unknown> {
  if (dialect === 'anthropic') {
    return { type: 'error', error: { type: anthropicTypeFor(status, type), message } };
  }
  if (dialect === 'google') return { error: { code: status, message, status: googleStatusFor(status) } };
  return {
    error: {
      message,
      type: openaiTypeFor(status, type),
      param: opts.param ?? null,
      code: opts.code ?? null,
    },
  };
}
