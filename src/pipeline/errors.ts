// One error type for everything the gateway itself answers, with where it came from and
// whether a retry could help, turned into the client's dialect in exactly one place.
import type { LlmErrorType } from '../llm/errors.js';
import { errorBody, type ErrorDialect } from '../llm/formats/errors.js';

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
  ) {
    super(message);
  }
}

export function clientErrorBody(err: GatewayError, dialect: ErrorDialect): string {
  return JSON.stringify(errorBody(dialect, err.status, err.type, err.message, { param: err.param ?? null }));
}
