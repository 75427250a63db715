// One error type for everything the gateway itself answers, with where it came from and
// whether a retry could help, turned into the client's dialect in exactly one place.
import type { LlmErrorType } from '../llm/errors.js';
import { errorBody, type ErrorDialect } from '../llm/formats/errors.js';
import type { A2aExchange } from '../a2a/exchange.js';
import { codeForStatus, errorEnvelope } from '../a2a/jsonrpc.js';

export type ErrorSource = 'downstream' | 'upstream' | 'internal';

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: LlmErrorType,
    message: string,
    readonly source: ErrorSource = 'internal',
    readonly retryable = false,
    /** Extra response headers (Retry-After, WWW-Authenticate, ...). */
    readonly headers: readonly [string, string][] = [],
    readonly param?: string,
    /** OpenAI's `error.code` (e.g. `model_not_found`). */
    readonly errorCode?: string,
  ) {
    super(message);
  }
}

export function clientErrorBody(err: GatewayError, dialect: ErrorDialect): string {
  return JSON.stringify(errorBody(dialect, err.status, err.type, err.message, { param: err.param ?? null, code: err.errorCode ?? null }));
}

/** A call refused as malformed JSON-RPC on an A2A route: its JSON-RPC code (-32700, -32600) goes in the error object. */
export class JsonRpcRequestError extends GatewayError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(400, 'invalid_request_error', message, 'downstream');
  }
}

/**
 * The A2A dialect: a JSON-RPC error object answering the request's id, with the HTTP status and
 * the gateway's error type in `data`. The request's A2A record notes the outcome and code.
 */
export function a2aErrorBody(err: GatewayError, x: A2aExchange): string {
  const code = err instanceof JsonRpcRequestError ? err.code : codeForStatus(err.status);
  x.outcome = 'error';
  x.errorCode = code;
  return JSON.stringify(errorEnvelope(x.id, code, err.message, { httpStatus: err.status, type: err.type }));
}
