// What an importer produces, whatever it read (a LiteLLM config file today; LiteLLM's key tables
// later): the `llm:` section's parts as plain config objects, each with a note saying where it
// came from, plus the findings — everything that was mapped only approximately or not at all,
// with the source position and what to do instead. The emitter turns a plan into commented YAML.

/** A place in the source (file, YAML path, line and column). */
export interface Origin {
  readonly file: string;
  readonly path: string;
  readonly line: number;
  readonly col: number;
}

export interface Finding {
  readonly at: Origin;
  /** approximate: imported, but behaves differently; skipped: not imported. */
  readonly kind: 'approximate' | 'skipped';
  readonly message: string;
  /** What to do instead, when there is something. */
  readonly instead?: string;
}

/** A config object and the comment written above it. */
export interface Noted<T> {
  readonly value: T;
  readonly note: string;
}

export type Json = Record<string, unknown>;

/** A client API key (LiteLLM's master key; virtual keys from its database later). */
export interface ImportedKey {
  readonly entry: Json;
  readonly note: string;
}

export interface ImportPlan {
  /** Source the plan came from, for the header comment. */
  readonly source: string;
  readonly port: number;
  readonly models: Noted<Json>[];
  readonly virtualModels: Noted<Json>[];
  /** llm.policies entries other than apiKey (retry, timeout, ...), by key. */
  readonly policies: Map<string, Noted<Json>>;
  /** Keys of llm.policies.apiKey (strict: clients must send one). */
  readonly apiKeys: ImportedKey[];
  /** The keys: section, when virtual keys were imported into a store (its `store`), else null. */
  keysStore: Noted<Json> | null;
  readonly findings: Finding[];
}

export function emptyPlan(source: string, port: number): ImportPlan {
  return { source, port, models: [], virtualModels: [], policies: new Map(), apiKeys: [], keysStore: null, findings: [] };
}

/** `file:line:col: path: message (instead: ...)` — one line per finding, for stderr and the file's tail comment. */
export function formatFinding(f: Finding): string {
  const label = f.kind === 'approximate' ? 'approximate' : 'not imported';
  const instead = f.instead !== undefined ? ` Instead: ${f.instead}` : '';
  const where = f.at.line > 0 ? `${f.at.file}:${f.at.line}:${f.at.col}` : f.at.file;
  return `${where}: ${f.at.path}: ${label}: ${f.message}.${instead}`;
}
