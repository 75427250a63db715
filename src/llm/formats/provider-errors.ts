// Reading providers' error bodies (either dialect, or plain text from a proxy in between) into
// one neutral shape, and writing that shape in the client's dialect with the right status.
import type { ClientError, Json } from '../convert/types.js';
import { errorBody, type ErrorDialect } from './errors.js';

/**
 * The error types providers use (Anthropic's vocabulary, with OpenAI's where it overlaps), in
 * which their errors are carried until written in the client's dialect.
 */
export type ProviderErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error'
  | 'not_implemented';

/** Longest plain-text body kept as an error message (an HTML error page is not a message). */
const MAX_TEXT_MESSAGE = 2048;

export interface ProviderError {
  status: number;
  type: ProviderErrorType;
  message: string;
}

/** The gateway's error type for an HTTP status, when the body does not say better. */
export function typeForStatus(status: number): ProviderErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** The HTTP status a provider uses for an error type (for errors that arrive without one, mid-stream). */
export function statusForType(type: ProviderErrorType): number {
  switch (type) {
    case 'authentication_error':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'rate_limit_error':
      return 429;
    case 'overloaded_error':
      return 529;
    case 'timeout_error':
      return 504;
    case 'api_error':
    case 'not_implemented':
      return 500;
    default:
      return 400;
  }
}

const KNOWN_TYPES: ReadonlySet<string> = new Set<ProviderErrorType>([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'rate_limit_error',
  'api_error',
  'overloaded_error',
  'timeout_error',
]);

/**
 * A provider's error type string (Anthropic's vocabulary, or OpenAI's where it overlaps).
 * `status` is 0 for errors that arrive mid-stream, without an HTTP status of their own.
 */
export function errorType(status: number, providerType: unknown): ProviderErrorType {
  if (typeof providerType === 'string' && KNOWN_TYPES.has(providerType)) {
    // OpenAI labels most 4xx `invalid_request_error`; the status is the better signal then.
    if (providerType === 'invalid_request_error' && status > 0 && status !== 400) return typeForStatus(status);
    return providerType as ProviderErrorType;
  }
  return status > 0 ? typeForStatus(status) : 'api_error';
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Google's canonical code names (google.rpc.Code) -> the gateway's error types. */
const GOOGLE_TYPES: Record<string, ProviderErrorType> = {
  INVALID_ARGUMENT: 'invalid_request_error',
  FAILED_PRECONDITION: 'invalid_request_error',
  OUT_OF_RANGE: 'invalid_request_error',
  UNAUTHENTICATED: 'authentication_error',
  PERMISSION_DENIED: 'permission_error',
  NOT_FOUND: 'not_found_error',
  RESOURCE_EXHAUSTED: 'rate_limit_error',
  UNAVAILABLE: 'overloaded_error',
  DEADLINE_EXCEEDED: 'timeout_error',
  INTERNAL: 'api_error',
  UNKNOWN: 'api_error',
};

/**
 * The message of `{"type":"error","error":{...}}`, `{"error":{...}}` (Google's carries a
 * `status` code name instead of a type, and Vertex's OpenAI-compatible endpoint wraps it in a
 * one-element array), `{"error":"..."}` or vLLM's `{"object":"error",...}`.
 */
export function errorDetail(body: unknown): { type?: unknown; message: string } | null {
  if (Array.isArray(body) && body.length === 1) return errorDetail(body[0]);
  if (!isObject(body)) return null;
  const e = body.error;
  if (isObject(e) && typeof e.message === 'string') {
    const google = e.type === undefined && typeof e.status === 'string' ? GOOGLE_TYPES[e.status] : undefined;
    return { type: google ?? e.type, message: e.message };
  }
  if (typeof e === 'string') return { message: e };
  if (body.object === 'error' && typeof body.message === 'string') return { type: body.type, message: body.message };
  if (typeof body.message === 'string') return { type: body.type, message: body.message };
  return null;
}

export function readProviderError(status: number, raw: Uint8Array): ProviderError {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8').trim();
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const detail = errorDetail(parsed);
  if (detail) return { status, type: errorType(status, detail.type), message: detail.message };
  const message =
    text.length === 0 ? `upstream returned HTTP ${status}` : text.length > MAX_TEXT_MESSAGE ? text.slice(0, MAX_TEXT_MESSAGE) + '…' : text;
  return { status, type: typeForStatus(status), message };
}

/**
 * The status a client of this dialect should see. Anthropic's 529 (overloaded) is not a status
 * OpenAI clients know: it becomes 503, which their SDKs retry. Everything else keeps its status.
 */
export function clientStatus(dialect: ErrorDialect, status: number): number {
  if (dialect !== 'anthropic' && status === 529) return 503;
  if (status < 400 || status > 599) return 502;
  return status;
}

export function clientError(dialect: ErrorDialect, e: ProviderError): ClientError {
  const status = clientStatus(dialect, e.status);
  return { status, body: errorBody(dialect, status, e.type, e.message) };
}
