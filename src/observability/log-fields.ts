// What an access-log record holds, as agentgateway's `accessLog` (and `accessLog.otlp`) shape
// it: `filter` (a CEL expression; only requests it accepts are logged), `add` (fields computed
// by CEL expressions) and `remove` (default fields left out). Compiled at config load; per
// request, the CEL variables are built only when an expression exists, and only those read.
// Secrets and message content stay out: credential headers are not readable, and request
// bodies (request.body, llmRequest) are refused at load. The one way to log the prompt is the
// explicit `llm.prompt` field, which the operator asks for by name.
import { ActivationPlan, CelCompileError, compileCel, fromCelValue, holds, type CelProgram, type CelRequest } from '../cel/index.js';
import { promptOf, type RequestRecord } from './record.js';
import type { RequestSummary } from './summary.js';

type Path = (string | number)[];
type Fail = (path: Path, message: string) => void;

/** An extra field: the request's prompt (`llm.prompt`), or a CEL expression's value. */
export type LogExtra = { name: string; kind: 'prompt' } | { name: string; kind: 'cel'; program: CelProgram };

/** Headers that carry credentials: never logged, even when asked for. */
export const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'x-api-key',
  'api-key',
  'x-goog-api-key',
  'cookie',
  'set-cookie',
]);

/** Variables a log expression may read: facts about the exchange, not its content. */
const LOG_VARIABLES: ReadonlySet<string> = new Set(['request', 'response', 'source', 'jwt', 'apiKey', 'basicAuth', 'llm', 'mcp', 'a2a']);

/** The request as log expressions see it, once the response is known (finish()). */
export type LoggedRequest = Omit<CelRequest, 'response' | 'llmBody'>;

export class LogShape {
  private readonly plan: ActivationPlan | null;
  /** No filter, nothing added or removed: the record is written as it is. */
  readonly plain: boolean;

  constructor(
    readonly filter: CelProgram | null,
    readonly remove: ReadonlySet<string>,
    readonly add: readonly LogExtra[],
  ) {
    const programs = add.flatMap((a) => (a.kind === 'cel' ? [a.program] : []));
    if (filter !== null) programs.push(filter);
    this.plan = programs.length > 0 ? new ActivationPlan(programs) : null;
    this.plain = filter === null && remove.size === 0 && add.length === 0;
  }

  /** The CEL variables the expressions read (null when there are none). */
  activation(s: RequestSummary, req: LoggedRequest): Record<string, unknown> | null {
    return this.plan === null ? null : this.plan.build(logView(s, req));
  }

  accepts(act: Record<string, unknown> | null): boolean {
    return this.filter === null || holds(this.filter, act ?? {});
  }

  /** The record with removals and additions; the shared record itself is never changed. */
  shape(s: RequestSummary, record: RequestRecord, act: Record<string, unknown> | null): Record<string, unknown> {
    if (this.remove.size === 0 && this.add.length === 0) return record;
    const out: Record<string, unknown> = {};
    for (const k in record) if (!this.remove.has(k)) out[k] = record[k];
    for (const extra of this.add) {
      const v = extra.kind === 'prompt' ? promptOf(s.ctx.llm.body) : evaluate(extra.program, act ?? {});
      if (v !== undefined && v !== null) out[extra.name] = v;
    }
    return out;
  }
}

/** agentgateway leaves out a field whose expression fails or yields null. */
function evaluate(p: CelProgram, act: Record<string, unknown>): unknown {
  try {
    return fromCelValue(p.evaluate(act));
  } catch {
    return undefined;
  }
}

/** The request with `response` set to the answer the client got, and credential headers hidden. */
function logView(s: RequestSummary, req: LoggedRequest): CelRequest {
  const hidden = req.hiddenHeaders;
  return {
    down: req.down,
    path: req.path,
    jwt: req.jwt,
    apiKey: req.apiKey,
    basicAuth: req.basicAuth,
    requestModel: req.requestModel,
    llmBody: null,
    routeType: req.routeType,
    hiddenHeaders: hidden === null || hidden.size === 0 ? CREDENTIAL_HEADERS : new Set([...CREDENTIAL_HEADERS, ...hidden]),
    a2a: req.a2a,
    mcp: req.mcp ?? null,
    response: { status: s.status, rawHeaders: [] },
  };
}

/** `filter`: a bool CEL expression (null, reported to `fail`, when it does not compile). */
export function compileLogFilter(source: string, path: Path, fail: Fail): CelProgram | null {
  return compileLogExpression(source, 'bool', path, fail);
}

/** `add`: name -> CEL expression, or `llm.prompt`; `path` names the `add` map. */
export function compileLogFields(add: Record<string, string>, path: Path, fail: Fail): LogExtra[] {
  const out: LogExtra[] = [];
  for (const [name, expr] of Object.entries(add)) {
    if (expr.trim() === 'llm.prompt') {
      out.push({ name, kind: 'prompt' });
      continue;
    }
    const program = compileLogExpression(expr, undefined, [...path, name], fail);
    if (program !== null) out.push({ name, kind: 'cel', program });
  }
  return out;
}

function compileLogExpression(source: string, resultType: 'bool' | undefined, path: Path, fail: Fail): CelProgram | null {
  const header = credentialHeaderIn(source);
  if (header !== undefined) {
    fail(path, `"${header}" carries credentials and is never logged`);
    return null;
  }
  let program: CelProgram;
  try {
    program = compileCel(source, { variables: LOG_VARIABLES, ...(resultType ? { resultType } : {}) });
  } catch (e) {
    // Anything but a compile error (ModuleNotLoaded above all) goes to the config compile, which
    // loads cel-js and compiles again.
    if (!(e instanceof CelCompileError)) throw e;
    fail(path, `CEL ${e.describe(source)}`);
    return null;
  }
  const request = program.references.get('request');
  if (program.references.has('request') && (request === null || request?.has('body'))) {
    fail(path, 'request.body is message content and is never logged (llm.prompt logs the prompt when asked for by name)');
    return null;
  }
  return program;
}

/** A credential header named literally (request.headers["authorization"], request.headers.cookie). */
function credentialHeaderIn(source: string): string | undefined {
  const re = /headers\s*(?:\[\s*["']([^"']+)["']\s*\]|\.([A-Za-z0-9_-]+))/g;
  for (const m of source.matchAll(re)) {
    const name = (m[1] ?? m[2]!).toLowerCase();
    if (CREDENTIAL_HEADERS.has(name)) return name;
  }
  return undefined;
}
