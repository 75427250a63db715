// The one CEL environment every expression is compiled in: the variable table's declarations
// (so the type checker rejects unknown variables and fields at config load) and the extra
// functions. Building an environment is expensive; this happens once per process.
import { Environment } from '@marcbachmann/cel-js';
import { registerFunctions } from './functions.js';
import { OBJECT_CLASSES, VARIABLES } from './variables.js';

/** Options shared with the conformance test, so it measures the library as configured here. */
export const ENV_OPTIONS = {
  // CEL's default (cel-go): mixed list/map literals are list<dyn>/map<dyn, dyn>.
  homogeneousAggregateLiterals: false,
  // `jwt.?email.orValue("")`.
  enableOptionalTypes: true,
} as const;

function build(): Environment {
  const env = new Environment(ENV_OPTIONS);
  for (const [name, def] of Object.entries(VARIABLES)) {
    if (def.fields !== undefined) {
      const ctor = OBJECT_CLASSES[def.type];
      if (ctor === undefined) throw new Error(`CEL variable ${name}: no class registered for type ${def.type}`);
      const fields = Object.fromEntries(Object.entries(def.fields).map(([f, fd]) => [f, fd.type]));
      env.registerType(def.type, { ctor, fields });
    }
    env.registerVariable(name, def.type);
  }
  registerFunctions(env);
  return env;
}

export const celEnvironment: Environment = build();
