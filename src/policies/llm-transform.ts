// Per-model request body shaping of the `llm:` section (agentgateway's model `defaults`,
// `overrides` and `transformation`), applied to the body sent to one provider, after its model
// is set: a failover virtual model tries providers of different models, each with its own.
// agentgateway's order: transformations are evaluated against the body as it is, then overrides
// are set, then the transformed fields (a null result removes the field), then defaults fill
// what is still missing.
import { ActivationPlan, CelCompileError, compileCel, fromCelValue, toCelValue, type CelProgram, type CelRequest } from '../cel/index.js';
import type { Json } from '../llm/convert/types.js';
import type { PolicyCompiler } from './types.js';

type Path = (string | number)[];

/** What a transformation may read: the body (`llmRequest`) and who is asking. */
const TRANSFORM_VARIABLES = new Set(['llmRequest', 'request', 'source', 'jwt', 'apiKey', 'basicAuth', 'llm']);

export interface ProviderShapingSpec {
  readonly defaults?: Record<string, unknown> | undefined;
  readonly overrides?: Record<string, unknown> | undefined;
  readonly transformation?: Record<string, string> | undefined;
}

export class ProviderShaping {
  private readonly plan: ActivationPlan;
  private readonly readsBody: boolean;

  constructor(
    private readonly defaults: Json | null,
    private readonly overrides: Json | null,
    private readonly transformations: readonly (readonly [string, CelProgram])[],
  ) {
    this.plan = new ActivationPlan(transformations.map(([, p]) => p));
    this.readsBody = this.plan.references.has('llmRequest');
  }

  /** The shaped body (a new object); `req` gives the other variables transformations read. */
  apply(body: Json, req: CelRequest): Json {
    const out: Json = { ...body };
    const computed: [string, unknown][] = [];
    if (this.transformations.length > 0) {
      const act = this.plan.build(req);
      if (this.readsBody) act.llmRequest = toCelValue(body);
      for (const [field, program] of this.transformations) computed.push([field, evaluate(program, act)]);
    }
    if (this.overrides !== null) for (const [k, v] of Object.entries(this.overrides)) out[k] = structuredClone(v);
    for (const [k, v] of computed) {
      if (v === null) delete out[k];
      else if (v !== undefined) out[k] = v;
    }
    if (this.defaults !== null) for (const [k, v] of Object.entries(this.defaults)) if (out[k] === undefined) out[k] = structuredClone(v);
    return out;
  }
}

/** A transformation that fails to evaluate leaves its field as it was (undefined), like agentgateway. */
function evaluate(program: CelProgram, act: Record<string, unknown>): unknown {
  try {
    return fromCelValue(program.evaluate(act));
  } catch {
    return undefined;
  }
}

export function compileProviderShaping(spec: ProviderShapingSpec, path: Path, c: PolicyCompiler): ProviderShaping | null {
  const { defaults, overrides, transformation } = spec;
  if (defaults === undefined && overrides === undefined && transformation === undefined) return null;
  const programs: [string, CelProgram][] = [];
  for (const [field, source] of Object.entries(transformation ?? {})) {
    try {
      programs.push([field, compileCel(source, { variables: TRANSFORM_VARIABLES })]);
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      c.fail([...path, 'transformation', field], `CEL ${e.describe(source)}`);
    }
  }
  return new ProviderShaping((defaults as Json | undefined) ?? null, (overrides as Json | undefined) ?? null, programs);
}
