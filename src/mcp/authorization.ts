// mcpAuthorization: agentgateway's rule semantics (src/policies/authorization.ts) over the `mcp`
// variable, judged per tool, prompt and resource: a list shows only what the rules allow, and a
// call naming anything else is refused as unknown. Route and backend rule sets both apply.
import { CelCompileError, compileCel, type CelProgram, type CelRequest } from '../cel/index.js';
import type { AuthorizationT } from '../config/schema/policies.js';
import { AuthorizationPolicy } from '../policies/authorization.js';
import type { PolicyCompiler } from '../policies/types.js';
import type { McpExchange, McpResourceRef } from './exchange.js';

/** Variables mcpAuthorization rules may read. */
const MCP_AUTHZ_VARIABLES = new Set(['request', 'source', 'jwt', 'apiKey', 'basicAuth', 'mcp']);

/** The request as the rules see it: the pipeline's context, with its MCP record. */
export interface McpCelRequest extends CelRequest {
  readonly mcp: McpExchange | null;
}

export class McpAuthorization {
  constructor(private readonly rules: AuthorizationPolicy) {}

  /** Whether the rules let this request see or use `ref`. */
  allows(req: McpCelRequest, ref: McpResourceRef): boolean {
    const x = req.mcp!;
    x.checking = ref;
    try {
      return this.rules.allowed(req);
    } finally {
      x.checking = null;
    }
  }

  static combine(a: McpAuthorization | null, b: McpAuthorization | null): McpAuthorization | null {
    if (a === null || b === null) return a ?? b;
    return new McpAuthorization(AuthorizationPolicy.combine(a.rules, b.rules)!);
  }
}

export function compileMcpAuthorization(spec: AuthorizationT, path: (string | number)[], c: PolicyCompiler): McpAuthorization | null {
  const lists: Record<'allow' | 'deny' | 'require', CelProgram[]> = { allow: [], deny: [], require: [] };
  let ok = true;
  spec.rules.forEach((rule, i) => {
    const [kind, source] =
      typeof rule === 'string' ? (['allow', rule] as const) : (Object.entries(rule)[0] as ['allow' | 'deny' | 'require', string]);
    try {
      lists[kind].push(compileCel(source, { variables: MCP_AUTHZ_VARIABLES, resultType: 'bool' }));
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      c.fail(typeof rule === 'string' ? [...path, 'rules', i] : [...path, 'rules', i, kind], `CEL ${e.describe(source)}`);
      ok = false;
    }
  });
  return ok ? new McpAuthorization(new AuthorizationPolicy(lists.allow, lists.deny, lists.require)) : null;
}
