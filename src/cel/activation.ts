// Building the variables a set of compiled expressions reads, and nothing else. The plan is
// made once at config load from the programs' recorded references; per request it creates one
// object per referenced variable with only the referenced fields filled in.
import type { CelProgram, References } from './compile.js';
import { OBJECT_CLASSES, VARIABLES, type CelRequest } from './variables.js';

type Builder<R> = (req: R, into: Record<string, unknown>) => void;

export class ActivationPlan<R extends CelRequest = CelRequest> {
  private readonly builders: Builder<R>[];
  /** Variables (and fields) the plan builds, for tests and diagnostics. */
  readonly references: References;

  constructor(programs: Iterable<CelProgram>) {
    const merged = new Map<string, Set<string> | null>();
    for (const p of programs) {
      for (const [name, fields] of p.references) {
        const prev = merged.get(name);
        if (prev === null) continue;
        if (fields === null) merged.set(name, null);
        else merged.set(name, new Set([...(prev ?? []), ...fields]));
      }
    }
    this.references = merged;
    this.builders = [...merged].map(([name, fields]) => builderFor<R>(name, fields));
  }

  /** True when no expression reads any variable (constant expressions). */
  get empty(): boolean {
    return this.builders.length === 0;
  }

  build(req: R): Record<string, unknown> {
    const act: Record<string, unknown> = {};
    for (const b of this.builders) b(req, act);
    return act;
  }
}

function builderFor<R extends CelRequest>(name: string, fields: ReadonlySet<string> | null): Builder<R> {
  const def = VARIABLES[name]!;
  if (def.fields === undefined) {
    const build = def.build!;
    return (req, into) => {
      into[name] = build(req);
    };
  }
  const Ctor = OBJECT_CLASSES[def.type]!;
  // Fields the type checker accepted but that are unknown here cannot happen: the checker
  // knows exactly these fields. `null` (whole variable used, e.g. passed to a function) builds all.
  const wanted = Object.entries(def.fields).filter(([f]) => fields === null || fields.has(f));
  return (req, into) => {
    const obj = new Ctor() as Record<string, unknown>;
    for (const [f, fd] of wanted) {
      const v = fd.build(req);
      if (v !== undefined) obj[f] = v;
    }
    into[name] = obj;
  };
}
