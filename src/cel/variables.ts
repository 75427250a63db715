// The variables CEL expressions can read, and how each is built from a request. Building is
// lazy twice over: a request builds only the variables its compiled expressions reference,
// and for object-typed variables (request, source, llm) only the fields they reference.
// To add a variable, see README.md in this folder.
import { toCelValue } from './values.js';

/** The downstream request as CEL sees it (a structural subset of the pipeline's Downstream). */
export interface CelDownstream {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Flat lower-case `[name, value, ...]` list. */
  readonly headers: readonly string[];
  readonly remoteAddress: string;
  readonly body: Uint8Array | null;
  /** `HTTP/1.0` or `HTTP/1.1`; undefined means HTTP/1.1. */
  readonly httpVersion?: string | undefined;
}

/**
 * What variables are built from. The pipeline's RequestCtx satisfies this structurally, so this
 * module never imports the pipeline.
 */
export interface CelRequest {
  readonly down: CelDownstream;
  /** The normalised request path (what routes matched and the upstream gets); `down.path` is as received. */
  readonly path: string;
  /** Claims of the validated JWT, if any (`celClaims` memoises their CEL form per token). */
  readonly jwt: { readonly claims: Readonly<Record<string, unknown>>; celClaims?: unknown } | null;
  /** Metadata of the matched API key, already in CEL form. */
  readonly apiKey: { readonly celMetadata: Readonly<Record<string, unknown>> } | null;
  readonly basicAuth: { readonly username: string } | null;
  /** Model the client asked for (LLM routes, once the body is parsed). */
  readonly requestModel: string | undefined;
  /** The parsed LLM request body (LLM routes, once parsed): CEL `llmRequest`. */
  readonly llmBody?: Readonly<Record<string, unknown>> | null;
  readonly routeType: string | null;
  /** Header names that carry client credentials: hidden from `request.headers`. */
  readonly hiddenHeaders: ReadonlySet<string> | null;
  /** The A2A call, on routes with `policies.a2a` (null elsewhere). */
  readonly a2a: { readonly method: string } | null;
  /** The MCP request, on routes with an `mcp` backend (null or absent elsewhere). */
  readonly mcp?: McpCelView | null;
  /**
   * The upstream response being judged (health `unhealthyExpression`, retry `condition`); set by
   * the pipeline while one attempt's response head is examined. Optional: request-time
   * expressions never read it (their kinds do not allow the `response` variable).
   */
  readonly response?: CelResponse | null;
}

/** What CEL reads of an MCP request (src/mcp/exchange.ts implements it). */
export interface McpCelView {
  readonly method: string;
  readonly sessionId: string | undefined;
  /** The tool, prompt or resource being judged or called: `{target, name}`. */
  celResource(type: 'tool' | 'prompt' | 'resource'): { target: string; name: string } | undefined;
}

/** An upstream response head: status and undici's raw header list (names in any case). */
export interface CelResponse {
  readonly status: number;
  readonly rawHeaders: readonly Uint8Array[];
}

export interface FieldDef<R> {
  /** CEL type of the field. */
  readonly type: string;
  readonly build: (req: R) => unknown;
}

export interface VariableDef<R> {
  readonly description: string;
  /** CEL type; for object variables, the name their fields are registered under. */
  readonly type: string;
  /** Object variables: fields built on demand. */
  readonly fields?: Readonly<Record<string, FieldDef<R>>>;
  /** Whole-value variables (maps): built in one go. */
  readonly build?: (req: R) => unknown;
}

/** Object variables are instances of one class per variable, so the type checker knows them. */
export class RequestVars {}
export class SourceVars {}
export class LlmVars {}
export class BasicAuthVars {}
export class A2aVars {}
export class McpVars {}
export class ResponseVars {}

export const OBJECT_CLASSES: Record<string, new () => object> = {
  Request: RequestVars,
  Source: SourceVars,
  Llm: LlmVars,
  BasicAuth: BasicAuthVars,
  A2a: A2aVars,
  Mcp: McpVars,
  Response: ResponseVars,
};

const EMPTY = Object.freeze({});

export const VARIABLES: Readonly<Record<string, VariableDef<CelRequest>>> = {
  request: {
    description: 'The incoming HTTP request',
    type: 'Request',
    fields: {
      method: { type: 'string', build: (r) => r.down.method },
      path: { type: 'string', build: (r) => r.path },
      pathAndQuery: { type: 'string', build: (r) => (r.down.query === '' ? r.path : `${r.path}?${r.down.query}`) },
      host: { type: 'string', build: (r) => hostOf(r.down.headers) },
      scheme: { type: 'string', build: () => 'http' },
      version: { type: 'string', build: (r) => r.down.httpVersion ?? 'HTTP/1.1' },
      uri: {
        type: 'string',
        build: (r) => `http://${hostOf(r.down.headers)}${r.path}${r.down.query === '' ? '' : `?${r.down.query}`}`,
      },
      headers: { type: 'map<string, string>', build: (r) => headerMap(r.down.headers, r.hiddenHeaders) },
      body: { type: 'string', build: (r) => (r.down.body === null ? '' : Buffer.from(r.down.body).toString('utf8')) },
    },
  },
  source: {
    description: 'The client connection',
    type: 'Source',
    fields: { address: { type: 'string', build: (r) => r.down.remoteAddress } },
  },
  jwt: {
    description: 'Claims of the validated JWT (empty when there is none, so has(jwt.sub) is false)',
    type: 'map<string, dyn>',
    build: (r) => (r.jwt === null ? EMPTY : (r.jwt.celClaims ??= toCelValue(r.jwt.claims))),
  },
  apiKey: {
    description: 'Metadata of the matched API key (empty when there is none)',
    type: 'map<string, dyn>',
    build: (r) => r.apiKey?.celMetadata ?? EMPTY,
  },
  basicAuth: {
    description: 'The authenticated basic-auth user',
    type: 'BasicAuth',
    fields: { username: { type: 'string', build: (r) => r.basicAuth?.username } },
  },
  response: {
    description: 'The upstream response (health unhealthyExpression and retry condition only); a connection failure has code 0',
    type: 'Response',
    fields: {
      code: { type: 'int', build: (r) => BigInt(r.response?.status ?? 0) },
      headers: { type: 'map<string, string>', build: (r) => rawHeaderMap(r.response?.rawHeaders ?? []) },
    },
  },
  llm: {
    description: 'The LLM request (on completions and messages routes)',
    type: 'Llm',
    fields: { requestModel: { type: 'string', build: (r) => r.requestModel } },
  },
  llmRequest: {
    description: 'The LLM request body as JSON (llm model transformations and conditional virtual models; {} before the body is parsed)',
    type: 'map<string, dyn>',
    build: (r) => toCelValue(r.llmBody ?? {}),
  },
  a2a: {
    description:
      'The A2A call (routes with policies.a2a): method is the JSON-RPC method as sent (message/send, tasks/cancel, SendMessage, ...) or the HTTP+JSON operation (GetTask, ...); "" for agent-card fetches and on other routes',
    type: 'A2a',
    fields: {
      // Always a string, so `a2a.method == "..."` is false rather than an error where there is
      // no call (agent-card fetches, other routes): an erroring rule would otherwise make a
      // `require` deny and a `deny` allow.
      method: {
        type: 'string',
        build: (r) => r.a2a?.method ?? '',
      },
    },
  },
  mcp: {
    description:
      'The MCP request (routes with an mcp backend): methodName, sessionId, and tool / prompt / resource as {target, name} (name without the target prefix; a resource name is its URI). mcpAuthorization judges each tool of a list through mcp.tool',
    type: 'Mcp',
    fields: {
      methodName: { type: 'string', build: (r) => r.mcp?.method ?? '' },
      sessionId: { type: 'string', build: (r) => r.mcp?.sessionId ?? '' },
      tool: { type: 'map<string, string>', build: (r) => r.mcp?.celResource('tool') },
      prompt: { type: 'map<string, string>', build: (r) => r.mcp?.celResource('prompt') },
      resource: { type: 'map<string, string>', build: (r) => r.mcp?.celResource('resource') },
    },
  },
};

/** Multiple values of one header are joined with ", " (RFC 9110 §5.3). */
function headerMap(list: readonly string[], hidden: ReadonlySet<string> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < list.length; i += 2) {
    const name = list[i]!;
    if (hidden?.has(name)) continue;
    const prev = out[name];
    out[name] = prev === undefined ? list[i + 1]! : `${prev}, ${list[i + 1]!}`;
  }
  return out;
}

/** Response headers, lower-cased, repeated values joined with ", ". */
function rawHeaderMap(raw: readonly Uint8Array[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = Buffer.from(raw[i]!).toString('latin1').toLowerCase();
    const value = Buffer.from(raw[i + 1]!).toString('latin1');
    const prev = out[name];
    out[name] = prev === undefined ? value : `${prev}, ${value}`;
  }
  return out;
}

function hostOf(list: readonly string[]): string {
  for (let i = 0; i < list.length; i += 2) if (list[i] === 'host') return list[i + 1]!;
  return '';
}
