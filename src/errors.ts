// The gateway's one error model. Every error the gateway answers itself is a GatewayError
// naming a kind; everything else about it (HTTP status, the error type each client dialect
// reads, where the fault lies, whether a retry can help, agentgateway's `reason` label and a
// stable code operators grep and alert on) comes from one table, ERRORS, below. Throw sites say
// what happened (kind and message, plus headers or a field name where the client needs them);
// the pipeline writes the error in the caller's dialect in one place (src/pipeline/dialects.ts),
// and observability labels it from the same row. This module imports nothing of the gateway's.

/** Who is at fault (Pingora's error source, Envoy's downstream/upstream split). */
export type ErrorSource = 'client' | 'gateway' | 'upstream';

/**
 * agentgateway's `reason` label (proxy/mod.rs ProxyResponseReason), for metrics and the access
 * log. `Upstream` (a response the upstream made) and `DirectResponse` are the two non-errors.
 */
export type ErrorReason =
  | 'NotFound'
  | 'InvalidRequest'
  | 'JwtAuth'
  | 'BasicAuth'
  | 'APIKeyAuth'
  | 'Authorization'
  | 'RateLimit'
  | 'Overload'
  | 'Guardrail'
  | 'MCP'
  | 'Timeout'
  | 'UpstreamFailure'
  | 'Internal';

export interface ErrorSpec {
  readonly status: number;
  /** OpenAI's `error.type`. */
  readonly openai: string;
  /** Anthropic's `error.type`. */
  readonly anthropic: string;
  readonly source: ErrorSource;
  /** The same request may succeed if sent again (now, or after Retry-After). */
  readonly retryable: boolean;
  readonly reason: ErrorReason;
  /**
   * Stable machine code, the kind's name: OpenAI's `error.code` (snake_case like OpenAI's own,
   * `model_not_found` where OpenAI has the same case), in every body and access-log line. Never
   * renamed: operators grep and alert on it.
   */
  readonly code: string;
}

type Row = readonly [status: number, openai: string, anthropic: string, source: ErrorSource, retryable: boolean, reason: ErrorReason];

const NOT_FOUND = ['not_found_error', 'not_found_error'] as const;
const INVALID = ['invalid_request_error', 'invalid_request_error'] as const;
const UNAUTHENTICATED = ['authentication_error', 'authentication_error'] as const;
const FORBIDDEN = ['permission_error', 'permission_error'] as const;
const SERVER = ['server_error', 'api_error'] as const;
const TIMEOUT = ['timeout', 'timeout_error'] as const;

/** kind: [status, OpenAI type, Anthropic type, source, retryable, reason]; the code is the kind. */
const ROWS = {
  // The request does not reach a route.
  listener_not_found: [404, ...NOT_FOUND, 'client', false, 'NotFound'],
  route_not_found: [404, ...NOT_FOUND, 'client', false, 'NotFound'],
  /** A route that cannot answer this path (the mock provider serves completions and messages only). */
  path_not_served: [404, ...NOT_FOUND, 'client', false, 'NotFound'],
  // Requests the HTTP edge refuses before routing (src/server): heads a strict parser refuses,
  // methods not proxied, heads and bodies over the limits or too slow.
  /** A malformed head: obs-fold, a bad header line, two Content-Lengths or Hosts, CL with TE. */
  malformed_request: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** A method llhttp does not know, or not a token. */
  invalid_method: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** TRACE (unless frontendPolicies.http.allowTrace) and CONNECT; the answer carries Allow. */
  method_not_allowed: [405, ...INVALID, 'client', false, 'InvalidRequest'],
  /** A head over http1MaxHeaderSize, or more than http1MaxHeaders header lines. */
  head_too_large: [431, ...INVALID, 'client', false, 'InvalidRequest'],
  /** A version other than HTTP/1.0 and HTTP/1.1. */
  http_version_not_supported: [505, ...INVALID, 'client', false, 'InvalidRequest'],
  /** An Expect other than 100-continue. */
  expectation_failed: [417, ...INVALID, 'client', false, 'InvalidRequest'],
  /** The client stopped sending: a head past http1IdleTimeout, a body paused past requestBodyTimeout. */
  client_timeout: [408, ...INVALID, 'client', false, 'Timeout'],
  // Malformed requests.
  invalid_path: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  body_too_large: [413, 'invalid_request_error', 'request_too_large', 'client', false, 'InvalidRequest'],
  /** The body is empty, not JSON, nested too deep or not an object. */
  invalid_body: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** A field is malformed or cannot be expressed to the provider (`param` names it). */
  invalid_field: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  model_required: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** The llm listener serves no model of that name (agentgateway: ModelNotFound, InvalidRequest). */
  model_not_found: [404, ...NOT_FOUND, 'client', false, 'InvalidRequest'],
  /** A conditional virtual model has no target whose condition holds for this request. */
  no_model_target: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** Not a JSON-RPC request on an A2A or MCP route (`rpcCode`: -32700 or -32600). */
  invalid_jsonrpc: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** An agent card is asked for without a Host to rewrite its URLs to. */
  missing_host: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  // Authentication: missing and invalid credentials are told apart for alerting.
  jwt_missing: [401, ...UNAUTHENTICATED, 'client', false, 'JwtAuth'],
  jwt_invalid: [401, ...UNAUTHENTICATED, 'client', false, 'JwtAuth'],
  /** No signing keys to verify with (the JWKS URL failed and nothing is cached). */
  jwks_unavailable: [503, ...SERVER, 'gateway', true, 'JwtAuth'],
  api_key_missing: [401, ...UNAUTHENTICATED, 'client', false, 'APIKeyAuth'],
  api_key_invalid: [401, ...UNAUTHENTICATED, 'client', false, 'APIKeyAuth'],
  basic_auth_missing: [401, ...UNAUTHENTICATED, 'client', false, 'BasicAuth'],
  basic_auth_invalid: [401, ...UNAUTHENTICATED, 'client', false, 'BasicAuth'],
  /** Too many password hashes queued on the worker threads. */
  auth_overloaded: [503, ...SERVER, 'gateway', true, 'Overload'],
  // Authorization.
  csrf_rejected: [403, ...FORBIDDEN, 'client', false, 'Authorization'],
  authorization_denied: [403, ...FORBIDDEN, 'client', false, 'Authorization'],
  /** The API key's allowedModels exclude the requested model. */
  model_not_allowed: [403, ...FORBIDDEN, 'client', false, 'Authorization'],
  // Rate limits.
  rate_limited: [429, 'rate_limit_error', 'rate_limit_error', 'client', true, 'RateLimit'],
  /**
   * Redis could not answer and the limit fails closed: an error of the gateway's, not a refusal
   * by the limit (agentgateway labels it RateLimit; here rejections and failures stay apart).
   */
  rate_limit_unavailable: [500, ...SERVER, 'gateway', true, 'Internal'],
  // Virtual keys (the keys: section).
  /** A hard budget of the key or its team has nothing left, at admission or mid-stream (until it resets). */
  budget_exhausted: [429, 'rate_limit_error', 'rate_limit_error', 'client', false, 'RateLimit'],
  /** The request's estimated cost exceeds its cap (maxCostPerRequest or x-agentgateway-max-cost). */
  cost_cap_exceeded: [400, ...INVALID, 'client', false, 'InvalidRequest'],
  /** A USD budget or cost cap applies and the model has no price (keys.unpricedModels: refuse). */
  model_unpriced: [403, ...FORBIDDEN, 'gateway', false, 'Authorization'],
  /** The Redis keys store did not answer: the key or its budget could not be checked. */
  keys_store_unavailable: [503, ...SERVER, 'gateway', true, 'Internal'],
  // Guardrails.
  /** A prompt guard refused; the status is the guard's configured one (default 403). */
  guardrail_rejected: [403, ...FORBIDDEN, 'client', false, 'Guardrail'],
  /** The guardrail webhook failed and the guard fails closed (agentgateway: Internal). */
  guardrail_unavailable: [503, ...SERVER, 'gateway', true, 'Internal'],
  // Time limits.
  /** timeout.requestTimeout ran out (the whole request, retries included). */
  request_timeout: [504, ...TIMEOUT, 'gateway', false, 'Timeout'],
  /** The upstream was too slow (headers, first byte, or silent mid-stream). */
  upstream_timeout: [504, ...TIMEOUT, 'upstream', true, 'Timeout'],
  // Upstream failures.
  upstream_unreachable: [503, ...SERVER, 'upstream', true, 'UpstreamFailure'],
  upstream_tls: [503, ...SERVER, 'upstream', true, 'UpstreamFailure'],
  upstream_reset: [503, ...SERVER, 'upstream', false, 'UpstreamFailure'],
  /** The call failed in a way undici could not sort (protocol errors). */
  upstream_failed: [502, ...SERVER, 'upstream', false, 'UpstreamFailure'],
  /** The upstream answered something unusable: not JSON, too large, a malformed stream or card. */
  upstream_bad_response: [502, ...SERVER, 'upstream', false, 'UpstreamFailure'],
  /** The gateway could not get the backend's credential (AWS credentials to sign with). */
  backend_auth_failed: [502, ...SERVER, 'gateway', false, 'UpstreamFailure'],
  /** The backend's identity provider refused the gateway's credential (Google OAuth). */
  backend_auth_rejected: [401, ...UNAUTHENTICATED, 'gateway', false, 'UpstreamFailure'],
  // MCP (JSON-RPC error objects; `rpcCode` is the JSON-RPC code). The HTTP exchange refused:
  /** HTTP method the MCP endpoint does not serve (an `Allow` header lists those it does). */
  mcp_method_not_allowed: [405, ...INVALID, 'client', false, 'MCP'],
  /** Accept lacks application/json or text/event-stream. */
  mcp_not_acceptable: [406, ...INVALID, 'client', false, 'MCP'],
  /** The body is not application/json. */
  mcp_unsupported_media_type: [415, ...INVALID, 'client', false, 'MCP'],
  /** MCP-Protocol-Version names a version the gateway does not speak. */
  mcp_unsupported_version: [400, ...INVALID, 'client', false, 'MCP'],
  /** No Mcp-Session-Id (or legacy sessionId) on a request that needs one. */
  mcp_session_required: [400, ...INVALID, 'client', false, 'MCP'],
  /** The session expired, was deleted, or never existed. */
  mcp_session_not_found: [404, ...NOT_FOUND, 'client', false, 'MCP'],
  /** A second standalone event stream for one session. */
  mcp_stream_conflict: [409, ...INVALID, 'client', false, 'MCP'],
  /** dnsRebindingProtection: Host or Origin is not localhost. */
  mcp_origin_refused: [403, ...FORBIDDEN, 'client', false, 'Authorization'],
  // MCP, one well-formed request in a live session refused: answered with HTTP 200 and the
  // error object, as an MCP server answers (the status is what the refusal means, for logs).
  /** A tool, prompt or resource no target serves (-32602). */
  mcp_unknown_name: [404, ...NOT_FOUND, 'client', false, 'MCP'],
  /** mcpAuthorization hides it: answered exactly as an unknown name (-32602). */
  mcp_denied: [403, ...FORBIDDEN, 'client', false, 'Authorization'],
  /** A method no target can answer (-32601). */
  mcp_method_not_found: [404, ...NOT_FOUND, 'client', false, 'MCP'],
  /** The target cannot be reached or died (-32603). */
  mcp_target_unavailable: [503, ...SERVER, 'upstream', true, 'UpstreamFailure'],
  /** The target failed the request, or answered a fan-out with a JSON-RPC error (its code). */
  mcp_target_failed: [502, ...SERVER, 'upstream', false, 'UpstreamFailure'],
  // A bug.
  internal: [500, ...SERVER, 'gateway', false, 'Internal'],
} as const satisfies Record<string, Row>;

export type ErrorKind = keyof typeof ROWS;

/** The table, one row per kind. README.md "Errors" lists it for operators. */
export const ERRORS: Readonly<Record<ErrorKind, ErrorSpec>> = Object.freeze(
  Object.fromEntries(
    Object.entries(ROWS).map(([kind, [status, openai, anthropic, source, retryable, reason]]) => [
      kind,
      Object.freeze({ status, openai, anthropic, source, retryable, reason, code: kind }),
    ]),
  ) as Record<ErrorKind, ErrorSpec>,
);

/** What a throw site may add to a kind and a message. */
export interface ErrorData {
  /** Response headers the client needs (Retry-After, WWW-Authenticate, x-ratelimit-*). */
  readonly headers?: readonly (readonly [string, string])[];
  /** The request field at fault (OpenAI's `param`), e.g. `messages[2].content[0]`. */
  readonly param?: string;
  /** Only for kinds whose status is configured (guardrail_rejected: the guard's status). */
  readonly status?: number;
  /** JSON-RPC dialects (A2A, MCP): the error code (-32700 parse error, -32600 invalid request, ...). */
  readonly rpcCode?: number;
  /** Upstream failures: no byte of the request reached the upstream (any method may be retried). */
  readonly beforeRequestSent?: boolean;
  /** The underlying library or system code (undici's UND_ERR_*, errno), for logs. */
  readonly causeCode?: string;
}

const NO_HEADERS: readonly (readonly [string, string])[] = [];

export class GatewayError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly param: string | undefined;
  readonly rpcCode: number | undefined;
  readonly beforeRequestSent: boolean;
  readonly causeCode: string | undefined;

  constructor(kind: ErrorKind, message: string, data?: ErrorData) {
    // Expected errors are made on the hot path (a flood of bad tokens): no stack capture, as
    // undici's response-error interceptor does. Bugs arrive as other errors, stacks intact.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.kind = kind;
    this.status = data?.status ?? ERRORS[kind].status;
    this.headers = data?.headers ?? NO_HEADERS;
    this.param = data?.param;
    this.rpcCode = data?.rpcCode;
    this.beforeRequestSent = data?.beforeRequestSent ?? false;
    this.causeCode = data?.causeCode;
  }

  get spec(): ErrorSpec {
    return ERRORS[this.kind];
  }

  get code(): string {
    return ERRORS[this.kind].code;
  }

  get reason(): ErrorReason {
    return ERRORS[this.kind].reason;
  }

  get source(): ErrorSource {
    return ERRORS[this.kind].source;
  }

  get retryable(): boolean {
    return ERRORS[this.kind].retryable;
  }

  /** The `error.type` a client of `dialect` reads (by status when a guard configured its own). */
  typeFor(dialect: 'openai' | 'anthropic'): string {
    const spec = ERRORS[this.kind];
    return this.status === spec.status ? spec[dialect] : typeForStatus(dialect, this.status);
  }
}

GatewayError.prototype.name = 'GatewayError';

/** The dialect's error type for a status a kind does not fix (a guardrail's configured status). */
function typeForStatus(dialect: 'openai' | 'anthropic', status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return dialect === 'anthropic' ? 'request_too_large' : 'invalid_request_error';
    case 429:
      return 'rate_limit_error';
    case 504:
      return dialect === 'anthropic' ? 'timeout_error' : 'timeout';
    case 529:
      return dialect === 'anthropic' ? 'overloaded_error' : 'server_error';
    default:
      return status < 500 ? 'invalid_request_error' : dialect === 'anthropic' ? 'api_error' : 'server_error';
  }
}

/**
 * Thrown by a config compile step that needs an optional library (jose, cel-js) not loaded yet.
 * Those are ES modules, so they load asynchronously: the gateway awaits `load()` and compiles the
 * same config again, before anything is swapped (a config that uses none never loads them).
 */
export class ModuleNotLoaded extends Error {
  constructor(
    readonly module: string,
    readonly load: () => Promise<unknown>,
  ) {
    super(`${module} is not loaded yet (the config compile loads it and compiles again)`);
  }
}
