// The CEL expressions of the traffic policies, compiled once at config load through src/cel:
// response conditions (health `unhealthyExpression`, retry `condition`) over `response.code` and
// `response.headers`, and rate-limit bucket keys (a string per client). A syntax or type error is
// a config error with its column.
import { ActivationPlan, CelCompileError, compileCel, holds, type CelProgram, type CelRequest } from '../cel/index.js';
import type { PolicyCompiler } from './types.js';

type Path = (string | number)[];

/** What a response condition may read: the response, and who asked. */
const RESPONSE_VARIABLES = new Set(['response', 'request', 'source', 'jwt', 'apiKey', 'basicAuth', 'llm', 'a2a', 'mcp']);
/** A bucket key is known before any upstream call: no `response`. */
const KEY_VARIABLES = new Set(['request', 'source', 'jwt', 'apiKey', 'basicAuth', 'llm', 'a2a', 'mcp']);
/** A request condition (conditional virtual models) also reads the LLM body. */
const REQUEST_VARIABLES = new Set([...KEY_VARIABLES, 'llmRequest']);

/** A compiled boolean CEL condition (named for its first use: judging responses). */
export class ResponseCondition {
  private readonly plan: ActivationPlan;

  constructor(private readonly program: CelProgram) {
    this.plan = new ActivationPlan([program]);
  }

  /** True only when the expression yields `true` (errors and other values do not hold). */
  holds(req: CelRequest): boolean {
    return holds(this.program, this.plan.build(req));
  }
}

export class KeyExpression {
  private readonly plan: ActivationPlan;
  /** The key reads the parsed LLM request (`llm.*`): evaluate it once the body is parsed. */
  readonly needsLlm: boolean;

  constructor(private readonly program: CelProgram) {
    this.plan = new ActivationPlan([program]);
    this.needsLlm = this.plan.references.has('llm');
  }

  /**
   * The bucket key, or '' when the expression fails (no JWT on an anonymous request): those
   * requests share one bucket rather than escaping the limit.
   */
  evaluate(req: CelRequest): string {
    let v: unknown;
    try {
      v = this.program.evaluate(this.plan.build(req));
    } catch {
      return '';
    }
    if (v === null || v === undefined) return '';
    return typeof v === 'string' ? v : String(v);
  }
}

export function compileResponseCondition(source: string, path: Path, c: PolicyCompiler): ResponseCondition | undefined {
  const p = compileAt(source, path, c, RESPONSE_VARIABLES, 'bool');
  return p && new ResponseCondition(p);
}

/** A condition on the request (a conditional virtual model's `when`); holds like a response condition. */
export function compileRequestCondition(source: string, path: Path, c: PolicyCompiler): ResponseCondition | undefined {
  const p = compileAt(source, path, c, REQUEST_VARIABLES, 'bool');
  return p && new ResponseCondition(p);
}

export function compileKeyExpression(source: string, path: Path, c: PolicyCompiler): KeyExpression | undefined {
  const p = compileAt(source, path, c, KEY_VARIABLES, undefined);
  return p && new KeyExpression(p);
}

function compileAt(
  source: string,
  path: Path,
  c: PolicyCompiler,
  variables: ReadonlySet<string>,
  resultType: 'bool' | undefined,
): CelProgram | undefined {
  try {
    return compileCel(source, { variables, ...(resultType ? { resultType } : {}) });
  } catch (e) {
    if (!(e instanceof CelCompileError)) throw e;
    c.fail(path, `CEL ${e.describe(source)}`);
    return undefined;
  }
}
