// Request path normalisation, done once when a request starts, before route matching, CEL and
// forwarding, so that what the gateway checks is exactly what the upstream receives. Without
// it `/public/../private`, `/public/%2e%2e/private`, `/www/%70rivate` or `/www//private` pass
// a `/public` prefix route or a `request.path.startsWith("/private")` deny rule and reach any
// upstream that normalises (the CVE-2019-9901 class). Following RFC 3986 §6.2.2 and Envoy's
// `normalize_path`, `merge_slashes` and `path_with_escaped_slashes_action`:
//
// - percent-encoded unreserved characters (ALPHA, DIGIT, `-._~`) are decoded, other escapes
//   are kept with their hex digits upper-cased (`%2e` -> `.`, `%70` -> `p`, `%3a` -> `%3A`);
// - runs of `/` become one (mergeSlashes), then `.` and `..` segments are removed (§5.2.4);
// - an encoded slash or backslash (`%2F`, `%5C`) and a raw backslash are rejected by default:
//   kept encoded, an upstream that decodes them before routing would see a different path
//   (`/public/..%2Fprivate`), and unescaped they change what the path means; the operator
//   picks `keepUnchanged` or `unescapeAndForward` knowingly;
// - a malformed escape (`%zz`, `%4`), a NUL (raw or `%00`) or another control character is
//   an error (400).
// The query string is not part of the path and is never touched.

export type EscapedSlashesAction = 'rejectRequest' | 'keepUnchanged' | 'unescapeAndForward';

export interface PathOptions {
  /** RFC 3986 normalisation: decode unreserved escapes, upper-case the rest, remove dot segments. */
  readonly normalize: boolean;
  /** Collapse runs of `/` into one. */
  readonly mergeSlashes: boolean;
  /** What `%2F`, `%5C` and a raw `\` in a path do. */
  readonly escapedSlashes: EscapedSlashesAction;
}

export const DEFAULT_PATH_OPTIONS: PathOptions = Object.freeze({
  normalize: true,
  mergeSlashes: true,
  escapedSlashes: 'rejectRequest',
});

/** The options of `frontendPolicies.http` (its path fields), unset ones at their defaults. */
export function pathOptionsOf(
  http: { normalizePath?: boolean; mergeSlashes?: boolean; pathWithEscapedSlashesAction?: EscapedSlashesAction } | undefined,
): PathOptions {
  if (http === undefined) return DEFAULT_PATH_OPTIONS;
  return Object.freeze({
    normalize: http.normalizePath ?? DEFAULT_PATH_OPTIONS.normalize,
    mergeSlashes: http.mergeSlashes ?? DEFAULT_PATH_OPTIONS.mergeSlashes,
    escapedSlashes: http.pathWithEscapedSlashesAction ?? DEFAULT_PATH_OPTIONS.escapedSlashes,
  });
}

/** Why a path was refused; the message names the problem, never quotes the path. */
export class PathError extends Error {}

const HEX = '0123456789ABCDEF';

/**
 * The path routes, CEL rules and the upstream see, or a PathError. A path with nothing to do
 * (no `%`, `\`, `//` or `/.`, the usual case) is returned as it is after one scan.
 */
export function normalizePath(path: string, o: PathOptions = DEFAULT_PATH_OPTIONS): string {
  if (path.charCodeAt(0) !== 0x2f) throw new PathError('the request path must start with "/"');
  if (!needsWork(path, o)) return path;
  let p = decode(path, o);
  if (o.mergeSlashes) p = p.replace(/\/{2,}/g, '/');
  return o.normalize ? removeDotSegments(p) : p;
}

/** One pass: anything that could change the path, or make it invalid? */
function needsWork(path: string, o: PathOptions): boolean {
  let prev = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x25 /* % */ || c === 0x5c /* \ */ || c < 0x20 || c === 0x7f) return true;
    if (prev === 0x2f && ((c === 0x2f && o.mergeSlashes) || (c === 0x2e /* . */ && o.normalize))) return true;
    prev = c;
  }
  return false;
}

/**
 * Percent-decoding of unreserved characters (when normalising), the escaped-slash action, and
 * the characters no path may hold. Without normalisation escapes are left as they came.
 */
function decode(path: string, o: PathOptions): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    let replacement: string | null = null;
    let width = 1;
    if (c === 0x25) {
      const v = hexByte(path, i + 1);
      if (v < 0) {
        if (!o.normalize) continue; // raw mode: the upstream judges its own escapes
        throw new PathError('the request path has a malformed percent-encoding');
      }
      width = 3;
      if (v === 0) throw new PathError('the request path contains an encoded NUL');
      if (v === 0x2f || v === 0x5c) replacement = escapedSlash(v, o);
      else if (o.normalize) replacement = isUnreserved(v) ? String.fromCharCode(v) : `%${HEX[v >> 4]}${HEX[v & 15]}`;
    } else if (c === 0x5c) {
      replacement = escapedSlash(c, o);
    } else if (c < 0x20 || c === 0x7f) {
      throw new PathError('the request path contains a control character');
    }
    if (replacement === null) continue;
    out += path.slice(from, i) + replacement;
    from = i + width;
    i += width - 1;
  }
  return from === 0 ? path : out + path.slice(from);
}

/** The replacement for `%2F`, `%5C` or a raw backslash; null leaves it as written. */
function escapedSlash(v: number, o: PathOptions): string | null {
  switch (o.escapedSlashes) {
    case 'rejectRequest':
      throw new PathError(
        'the request path contains an encoded slash or a backslash (%2F, %5C, \\), which the gateway refuses (frontendPolicies.http.pathWithEscapedSlashesAction)',
      );
    case 'keepUnchanged':
      // normalised: one spelling (a raw backslash encoded, so it is never a separator)
      return !o.normalize ? null : v === 0x2f ? '%2F' : '%5C';
    case 'unescapeAndForward':
      return '/';
  }
}

function hexByte(s: string, at: number): number {
  if (at + 1 >= s.length) return -1;
  const hi = hexDigit(s.charCodeAt(at));
  const lo = hexDigit(s.charCodeAt(at + 1));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** RFC 3986 §2.3: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(v: number): boolean {
  const l = v | 0x20;
  return (l >= 0x61 && l <= 0x7a) || (v >= 0x30 && v <= 0x39) || v === 0x2d || v === 0x2e || v === 0x5f || v === 0x7e;
}

/**
 * RFC 3986 §5.2.4 on an absolute path: `.` segments go, `..` removes the segment before it and
 * never climbs above the root; a path ending in `.` or `..` keeps its trailing slash.
 */
export function removeDotSegments(path: string): string {
  if (path.indexOf('/.') < 0) return path;
  const segments = path.split('/');
  const out: string[] = [];
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i]!;
    const last = i === segments.length - 1;
    if (s === '.' || s === '..') {
      if (s === '..' && out.length > 0) out.pop();
      if (last) out.push('');
    } else out.push(s);
  }
  return `/${out.join('/')}`;
}
