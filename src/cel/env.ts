// The one CEL environment every expression is compiled in: the variable table's declarations
// (so the type checker rejects unknown variables and fields at config load) and the extra
// functions. Building an environment is expensive; this happens once per process, and only for
// a config that has CEL: the library (an ES module, ~10 MB resident) is imported on demand.
import type { Environment } from '@marcbachmann/cel-js';
import { ModuleNotLoaded } from '../errors.js';
import { registerFunctions } from './functions.js';
import { OBJECT_CLASSES, VARIABLES } from './variables.js';

/** Options shared with the conformance test, so it measures the library as configured here. */
export const ENV_OPTIONS = {
  // CEL's default (cel-go): mixed list/map literals are list<dyn>/map<dyn, dyn>.
  homogeneousAggregateLiterals: false,
  // `jwt.?email.orValue("")`.
  enableOptionalTypes: true,
} as const;

function build(lib: typeof import('@marcbachmann/cel-js')): Environment {
  const env = new lib.Environment(ENV_OPTIONS);
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

let environment: Environment | null = null;
let loading: Promise<void> | null = null;

/** Imports cel-js and builds the environment (once; later calls return the same promise). */
export function loadCel(): Promise<void> {
  loading ??= import('@marcbachmann/cel-js').then((lib) => {
    environment = build(lib);
  });
  return loading;
}

/** The environment; throws ModuleNotLoaded until `loadCel()` has resolved (the compile retries). */
export function celEnvironment(): Environment {
  if (environment === null) throw new ModuleNotLoaded('cel-js', loadCel);
  return environment;
}
