// Live state that must survive a config reload when its spec is unchanged: JWKS caches (keys
// fetched from an IdP, file watchers) and verified-credential caches. Policies look their state
// up here by a stable id plus a hash of the spec that produced it, so a reload that compiles the
// same spec gets the same object back (warm caches, no refetch), and a changed spec gets a
// fresh one.
//
// Reload hook (for the hot-reload work): around each compile,
//   liveState.begin();            // start recording what the compile uses
//   compile(...)                  // policies call liveState.get(...)
//   liveState.commit();           // new snapshot is live: dispose state it did not use
//   // or, if compiling failed:   liveState.abort();  (dispose only what this compile created)
// Without begin(), get() still shares state and nothing is ever disposed (tests, --validate-only).
import { createHash } from 'node:crypto';

/** State that holds resources (watchers) releases them in dispose(). */
export type Disposable = object & { dispose?(): void };

interface Entry {
  readonly value: Disposable;
  /** Generation that created it (to undo a failed compile). */
  readonly createdIn: number;
}

export class LiveStateRegistry {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;
  private touched: Set<string> | null = null;

  /** The state for `id` built from `spec`: the existing one if the spec is unchanged. */
  get<T extends Disposable>(id: string, spec: unknown, create: () => T): T {
    const key = `${id}#${specHash(spec)}`;
    this.touched?.add(key);
    const found = this.entries.get(key);
    if (found !== undefined) return found.value as T;
    const value = create();
    this.entries.set(key, { value, createdIn: this.generation });
    return value;
  }

  begin(): void {
    this.generation++;
    this.touched = new Set();
  }

  commit(): void {
    const touched = this.touched;
    if (touched === null) return;
    for (const [key, e] of this.entries) {
      if (!touched.has(key)) {
        this.entries.delete(key);
        e.value.dispose?.();
      }
    }
    this.touched = null;
  }

  abort(): void {
    if (this.touched === null) return;
    for (const [key, e] of this.entries) {
      if (e.createdIn === this.generation) {
        this.entries.delete(key);
        e.value.dispose?.();
      }
    }
    this.touched = null;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Stable hash of a JSON-like spec: key order does not matter. */
export function specHash(spec: unknown): string {
  return createHash('sha256').update(stableJson(spec)).digest('hex').slice(0, 32);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The process-wide registry. */
export const liveState = new LiveStateRegistry();
