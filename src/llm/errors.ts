// Errors raised by the LLM layer. It cannot import the pipeline, so it carries what the
// pipeline needs to answer: an HTTP status, an error type in OpenAI's vocabulary (mapped to
// Anthropic's by the dialect writer) and, for request errors, the offending field.
export type LlmErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'api_error'
  | 'overloaded_error'
  | 'timeout_error'
  | 'not_implemented';

export class LlmError extends Error {
  constructor(
    readonly status: number,
    readonly type: LlmErrorType,
    message: string,
    /** JSON path of the request field at fault, e.g. `messages[2].content[0].input_audio`. */
    readonly param?: string,
  ) {
    super(message);
  }
}
