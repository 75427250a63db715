// authorization: CEL rules with agentgateway's semantics (http/authorization.rs). No rules:
// allow. Any deny rule that holds: deny. Every require rule must hold. If there are allow rules,
// at least one must hold (allowlist); with only deny rules, everything else is allowed
// (denylist). A rule that fails to evaluate, or yields anything but `true`, does not hold.
//
// What an evaluation error does, kept as agentgateway has it: an erroring allow or require rule
// refuses the request (fail closed), an erroring deny rule does not deny (agentgateway
// documents deny rules as fail-open and recommends allow/require). Failing closed on deny errors
// would refuse every request a denylist cannot judge — e.g. every anonymous request for
// `deny: jwt.sub == "mallory"` — which is a different policy from the one written. Instead a
// deny rule that reads data absent on some requests is a warning at load (with the `has()` /
// `default()` rewrite), and a deny rule that errors at run time is logged (once a minute per
// rule), so the gap is never silent.
// Rules are compiled at config load; a syntax or type error is a config error with its column.
import { ActivationPlan, CelCompileError, compileCel, holds, readsOfMissingData, type CelProgram, type CelRequest } from '../cel/index.js';
import { formatPath } from '../config/errors.js';
import type { AuthorizationT } from '../config/schema/policies.js';
import { log } from '../observability/log.js';
import { GatewayError } from '../errors.js';
import type { PolicyCompiler, PolicyRequest, RequestPolicy } from './types.js';

/** Variables authorization rules may read. */
const AUTHZ_VARIABLES = new Set(['request', 'source', 'jwt', 'apiKey', 'basicAuth', 'llm', 'a2a']);

/** A deny rule's evaluation errors are logged at most this often per rule. */
const DENY_ERROR_LOG_MS = 60_000;

/** A compiled deny rule and when its last evaluation error was logged. */
interface DenyRule {
  readonly program: CelProgram;
  lastLogged: number;
}

export class AuthorizationPolicy implements RequestPolicy {
  private readonly plan: ActivationPlan;
  private readonly deny: readonly DenyRule[];
  /** Some rule reads `llm.*`: evaluate once the LLM request body has been parsed. */
  readonly needsLlm: boolean;

  constructor(
    private readonly allow: readonly CelProgram[],
    deny: readonly (CelProgram | DenyRule)[],
    private readonly require: readonly CelProgram[],
  ) {
    this.deny = deny.map((d) => ('program' in d ? d : { program: d, lastLogged: -Infinity }));
    this.plan = new ActivationPlan([...allow, ...this.deny.map((d) => d.program), ...require]);
    this.needsLlm = this.plan.references.has('llm');
  }

  /** A request policy: continue, or refuse (authorization_denied). */
  apply(req: PolicyRequest): undefined {
    this.check(req);
    return undefined;
  }

  /** Throws a 403 when the rules deny the request. */
  check(req: PolicyRequest): void {
    if (!this.allowed(req)) throw new GatewayError('authorization_denied', 'request denied by authorization policy');
  }

  allowed(req: CelRequest): boolean {
    if (this.allow.length + this.deny.length + this.require.length === 0) return true;
    const act = this.plan.build(req);
    if (this.deny.some((r) => denies(r, act))) return false;
    if (!this.require.every((r) => holds(r, act))) return false;
    if (this.allow.length === 0) return true;
    return this.allow.some((r) => holds(r, act));
  }

  /** Listener and route rules both apply (agentgateway merges authorization rule sets). */
  static combine(a: AuthorizationPolicy | undefined, b: AuthorizationPolicy | undefined): AuthorizationPolicy | undefined {
    if (a === undefined || b === undefined) return a ?? b;
    return new AuthorizationPolicy([...a.allow, ...b.allow], [...a.deny, ...b.deny], [...a.require, ...b.require]);
  }
}

/** Whether a deny rule holds; an evaluation error does not deny, and is logged. */
function denies(rule: DenyRule, act: Record<string, unknown>): boolean {
  try {
    return rule.program.evaluate(act) === true;
  } catch (e) {
    const now = Date.now();
    if (now - rule.lastLogged >= DENY_ERROR_LOG_MS) {
      rule.lastLogged = now;
      log.warn(
        `authorization deny rule \`${rule.program.source}\` could not be evaluated (${errorKind(e)}); it did not deny the request. Guard its reads with has() or default() (further errors of this rule are logged once a minute)`,
      );
    }
    return false;
  }
}

/** The library's message with quoted values removed: they may be request data (header values). */
function errorKind(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message
    .split('\n')[0]!
    .replace(/"[^"]*"|'[^']*'/g, '…')
    .slice(0, 120);
}

export function compileAuthorization(spec: AuthorizationT, path: (string | number)[], c: PolicyCompiler): AuthorizationPolicy | undefined {
  const allow: CelProgram[] = [];
  const deny: CelProgram[] = [];
  const require: CelProgram[] = [];
  let ok = true;
  spec.rules.forEach((rule, i) => {
    const [kind, source] =
      typeof rule === 'string' ? (['allow', rule] as const) : (Object.entries(rule)[0] as ['allow' | 'deny' | 'require', string]);
    const at = typeof rule === 'string' ? [...path, 'rules', i] : [...path, 'rules', i, kind];
    try {
      const program = compileCel(source, { variables: AUTHZ_VARIABLES, resultType: 'bool' });
      (kind === 'allow' ? allow : kind === 'deny' ? deny : require).push(program);
      if (kind === 'deny') warnMissingData(source, at, c);
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      c.fail(at, `CEL ${e.describe(source)}`);
      ok = false;
    }
  });
  return ok ? new AuthorizationPolicy(allow, deny, require) : undefined;
}

function warnMissingData(source: string, at: (string | number)[], c: PolicyCompiler): void {
  const reads = readsOfMissingData(source);
  if (reads.length === 0) return;
  c.warn(
    `${formatPath(at)}: this deny rule reads ${reads.join(', ')}, which some requests lack; for them the rule fails to evaluate and does not deny (as in agentgateway), so they pass. Write the read defensively (default(${reads[0]}, "") == ..., or test presence first: has(jwt.sub), "x-user" in request.headers), or express the policy as an allow or require rule`,
  );
}
