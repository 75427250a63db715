// authorization: CEL rules with agentgateway's semantics (http/authorization.rs). No rules:
// allow. Any deny rule that holds: deny. Every require rule must hold. If there are allow rules,
// at least one must hold (allowlist); with only deny rules, everything else is allowed
// (denylist). A rule that fails to evaluate, or yields anything but `true`, does not hold — so
// a failing deny rule lets the request through, which is why allow/require are recommended.
// Rules are compiled at config load; a syntax or type error is a config error with its column.
import { ActivationPlan, CelCompileError, compileCel, holds, type CelProgram } from '../cel/index.js';
import type { AuthorizationT } from '../config/schema/policies.js';
import { PolicyRejection, type PolicyCompiler, type PolicyRequest } from './request-policy.js';

/** Variables authorization rules may read. */
const AUTHZ_VARIABLES = new Set(['request', 'source', 'jwt', 'apiKey', 'basicAuth', 'llm', 'a2a']);

export class AuthorizationPolicy {
  private readonly plan: ActivationPlan;
  /** Some rule reads `llm.*`: evaluate once the LLM request body has been parsed. */
  readonly needsLlm: boolean;

  constructor(
    private readonly allow: readonly CelProgram[],
    private readonly deny: readonly CelProgram[],
    private readonly require: readonly CelProgram[],
  ) {
    this.plan = new ActivationPlan([...allow, ...deny, ...require]);
    this.needsLlm = this.plan.references.has('llm');
  }

  /** Throws a 403 when the rules deny the request. */
  check(req: PolicyRequest): void {
    if (!this.allowed(req)) throw new PolicyRejection(403, 'permission_error', 'request denied by authorization policy');
  }

  allowed(req: PolicyRequest): boolean {
    if (this.allow.length + this.deny.length + this.require.length === 0) return true;
    const act = this.plan.build(req);
    if (this.deny.some((r) => holds(r, act))) return false;
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
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      c.fail(at, `CEL ${e.describe(source)}`);
      ok = false;
    }
  });
  return ok ? new AuthorizationPolicy(allow, deny, require) : undefined;
}
