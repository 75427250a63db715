// Config errors that point at the file, the YAML path and the line:column, with the nearest
// valid key suggested for typos.

export interface ConfigProblem {
  /** YAML path such as `binds[0].listeners[0].routes[1].backends[0].ai`. */
  path: string;
  line: number;
  col: number;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => formatProblem(file, p)).join('\n'));
    this.name = 'ConfigError';
  }
}

export function formatProblem(file: string, p: ConfigProblem): string {
  const where = p.path === '' ? '' : `${p.path}: `;
  return `${file}:${p.line}:${p.col}: ${where}${p.message}`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let s = '';
  for (const k of path) {
    if (typeof k === 'number') s += `[${k}]`;
    else s += s === '' ? String(k) : `.${String(k)}`;
  }
  return s;
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a likely typo. */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const w = word.toLowerCase();
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestD <= limit ? best : undefined;
}

/** Levenshtein distance (also ranks model names close to an unknown one). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * `not valid JSON` with the position if known, for files the config names. Never the parser's
 * own message: V8's quotes the start of the text ("Unexpected token 'S', "SECRET..." is not
 * valid JSON"), and a file named as a key set may be any readable file, a secret one included.
 */
export function jsonSyntaxError(text: string, e: unknown): string {
  const at = /at position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (at === null) return 'not valid JSON';
  const offset = Math.min(Number(at[1]), text.length);
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `not valid JSON (line ${line}, column ${offset - before.lastIndexOf('\n')})`;
}
