// jose (an ES module, ~5 MB resident with its key handling) is imported only when a config has a
// jwtAuth policy: compileJwtAuth asks for it first, and the config compile loads it and retries.
import { ModuleNotLoaded } from '../errors.js';

export type Jose = typeof import('jose');

let lib: Jose | null = null;
let loading: Promise<void> | null = null;

export function loadJose(): Promise<void> {
  loading ??= import('jose').then((m) => {
    lib = m;
  });
  return loading;
}

/** The library; throws ModuleNotLoaded until `loadJose()` has resolved. */
export function jose(): Jose {
  if (lib === null) throw new ModuleNotLoaded('jose', loadJose);
  return lib;
}
