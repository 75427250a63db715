// Bedrock's errors: an HTTP error is `{"message": "..."}` (some services write `Message`) with the
// exception name in the `x-amzn-ErrorType` header; mid-stream, an event-stream message with
// `:message-type: exception` and `:exception-type: throttlingException` (camel case) carries the
// same JSON. Both become the gateway's neutral ProviderError, then the client's dialect.
// Statuses: docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_Errors
// and API_runtime_ConverseStreamOutput.html.
import type { ProviderError, ProviderErrorType } from './provider-errors.js';
import { readProviderError, typeForStatus } from './provider-errors.js';

const EXCEPTION_STATUS: Record<string, number> = {
  accessdeniedexception: 403,
  unrecognizedclientexception: 403,
  invalidsignatureexception: 403,
  expiredtokenexception: 403,
  resourcenotfoundexception: 404,
  validationexception: 400,
  serializationexception: 400,
  throttlingexception: 429,
  servicequotaexceededexception: 429,
  modelnotreadyexception: 429,
  modeltimeoutexception: 408,
  modelerrorexception: 424,
  modelstreamerrorexception: 424,
  internalserverexception: 500,
  serviceunavailableexception: 503,
};

/** The HTTP status Bedrock documents for an exception name (either case), or undefined. */
export function exceptionStatus(name: string): number | undefined {
  return EXCEPTION_STATUS[name.toLowerCase()];
}

/**
 * Bedrock's 424 (ModelErrorException, ModelStreamErrorException) says the model failed behind
 * Bedrock: for the client that is a bad gateway (502, retryable), not a request it got wrong.
 */
function clientFacing(status: number): { status: number; type: ProviderErrorType } {
  return status === 424 ? { status: 502, type: 'api_error' } : { status, type: typeForStatus(status) };
}

/** `ValidationException:http://internal.amazon.com/coral/...` -> `ValidationException`. */
export function exceptionName(errorTypeHeader: string | undefined): string | undefined {
  if (errorTypeHeader === undefined || errorTypeHeader === '') return undefined;
  return errorTypeHeader.split(':')[0];
}

/**
 * A Bedrock HTTP error body as a ProviderError. The body's `message`/`Message` is kept; the status
 * is the response's (a throttled request is 429 whatever the body says). Anything else (a proxy's
 * text, another dialect) is read the general way.
 */
export function readConverseError(status: number, raw: Uint8Array): ProviderError {
  const m = messageOf(raw);
  if (m === undefined) return readProviderError(status === 424 ? 502 : status, raw);
  return { ...clientFacing(status), message: m };
}

function messageOf(raw: Uint8Array): string | undefined {
  try {
    const body: unknown = JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
    const m = (body as Record<string, unknown>).message ?? (body as Record<string, unknown>).Message;
    return typeof m === 'string' && m !== '' ? m : undefined;
  } catch {
    return undefined;
  }
}

/** A mid-stream exception message (its `:exception-type` and JSON payload) as a ProviderError. */
export function streamException(name: string, payload: Uint8Array): ProviderError {
  return { ...clientFacing(exceptionStatus(name) ?? 500), message: messageOf(payload) ?? `${name} during the stream` };
}
