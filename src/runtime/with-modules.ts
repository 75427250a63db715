import { ModuleNotLoaded } from '../errors.js';

/**
 * Runs a compile, and again after loading an optional library it asked for (ModuleNotLoaded:
 * jose, cel-js). Nothing of a failed attempt is kept, so a reload stays atomic.
 */
export async function withModules<T>(run: () => T): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return run();
    } catch (e) {
      if (!(e instanceof ModuleNotLoaded) || attempt > 4) throw e;
      await e.load();
    }
  }
}
