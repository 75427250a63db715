// Environment substitution on the raw config text, before YAML parsing, as agentgateway does
// (shellexpand): `$VAR`, `${VAR}`, `${VAR:-default}`. An unset variable without a default is an
// error naming the variable and its line. Substitution shifts offsets, so we keep anchors that
// map every offset of the expanded text back to the original file for error positions.

export interface Expanded {
  text: string;
  /** Maps an offset in `text` to the offset in the original source. */
  toSource(offset: number): number;
}

export class EnvError extends Error {
  constructor(
    readonly variable: string,
    readonly offset: number,
  ) {
    super(`environment variable "${variable}" is not set (use \${${variable}:-default} for a default)`);
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
// The yaml-language-server schema comment is not a variable reference.
const SCHEMA_COMMENT = /#\s*yaml-language-server:\s*\$schema=/y;

interface Anchor {
  out: number;
  src: number;
  /** Length in the output of a substituted value (0 for verbatim runs). */
  subst: number;
}

export function expandEnv(source: string, env: NodeJS.ProcessEnv = process.env): Expanded {
  let out = '';
  const anchors: Anchor[] = [{ out: 0, src: 0, subst: 0 }];
  let i = 0;
  let runStart = 0;
  const n = source.length;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (c === 0x23 /* # */) {
      SCHEMA_COMMENT.lastIndex = i;
      if (SCHEMA_COMMENT.test(source)) {
        i = SCHEMA_COMMENT.lastIndex;
        continue;
      }
    }
    if (c !== 0x24 /* $ */) {
      i++;
      continue;
    }
    const ref = parseRef(source, i);
    if (ref === null) {
      i++;
      continue;
    }
    let value = env[ref.name];
    if (value === undefined || (value === '' && ref.defaultIfEmpty)) {
      if (ref.fallback === undefined) throw new EnvError(ref.name, i);
      value = ref.fallback;
    }
    out += source.slice(runStart, i);
    anchors.push({ out: out.length, src: i, subst: value.length });
    out += value;
    anchors.push({ out: out.length, src: ref.end, subst: 0 });
    i = runStart = ref.end;
  }
  out += source.slice(runStart);
  return { text: out, toSource: (offset) => mapOffset(anchors, offset) };
}

interface Ref {
  name: string;
  end: number;
  fallback?: string;
  defaultIfEmpty: boolean;
}

function parseRef(s: string, at: number): Ref | null {
  if (s.charCodeAt(at + 1) === 0x7b /* { */) {
    const close = s.indexOf('}', at + 2);
    if (close < 0) return null;
    const body = s.slice(at + 2, close);
    const sep = body.indexOf(':-');
    const name = sep < 0 ? body : body.slice(0, sep);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return null;
    if (sep < 0) return { name, end: close + 1, defaultIfEmpty: false };
    return { name, end: close + 1, fallback: body.slice(sep + 2), defaultIfEmpty: true };
  }
  NAME.lastIndex = at + 1;
  const m = NAME.exec(s);
  if (m === null) return null;
  return { name: m[0], end: NAME.lastIndex, defaultIfEmpty: false };
}

function mapOffset(anchors: Anchor[], offset: number): number {
  // last anchor at or before offset (anchors are sorted by `out`)
  let lo = 0;
  let hi = anchors.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (anchors[mid]!.out <= offset) lo = mid;
    else hi = mid - 1;
  }
  const a = anchors[lo]!;
  // inside a substituted value: point at the `$` that produced it
  if (a.subst > 0 && offset < a.out + a.subst) return a.src;
  return a.src + (offset - a.out);
}

/** 1-based line and column of an offset. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, col: offset - last };
}
