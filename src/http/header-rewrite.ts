// Pure-TS header rewriter, the twin of native/src/headers.rs, running the normalized program
// that header-rules.ts compiles. The string path leans on V8's regex and Set; the Buffer path
// compares bytes (drop names bucketed by length, Connection-listed names as bytes), so
// undici's raw header Buffers are never decoded into strings.
import { INVALID_VALUE_CHAR, TOKEN } from './header-rules.js';
import type { CompiledHeaderRulesLike, HeaderRewriter } from '../native/types.js';

const CONNECTION = 'connection';

export const tsHeaderRewriter: HeaderRewriter = {
  strings(list: readonly string[], rules: CompiledHeaderRulesLike): string[] {
    const listed = rules.dropConnectionListed ? listedByConnection(list) : undefined;
    const out: string[] = [];
    const n = list.length - (list.length & 1);
    for (let i = 0; i < n; i += 2) {
      const name = list[i]!;
      const value = list[i + 1]!;
      if (!TOKEN.test(name) || INVALID_VALUE_CHAR.test(value)) continue;
      const lower = name.toLowerCase();
      if (rules.drop.has(lower) || listed?.has(lower)) continue;
      out.push(name, value);
    }
    const append = rules.append;
    for (let k = 0; k < append.length; k++) out.push(append[k]!);
    return out;
  },

  buffers(list: readonly Uint8Array[], rules: CompiledHeaderRulesLike): Uint8Array[] {
    const listed = rules.dropConnectionListed ? listedByConnectionBytes(list) : undefined;
    const out: Uint8Array[] = [];
    const n = list.length - (list.length & 1);
    for (let i = 0; i < n; i += 2) {
      const name = list[i]!;
      const value = list[i + 1]!;
      if (!isTokenBytes(name) || !isValueBytes(value)) continue;
      if (matchesAny(name, rules.dropByLength[name.length]) || (listed !== undefined && matchesAny(name, listed))) continue;
      out.push(name, value);
    }
    const append = rules.appendBuffers;
    for (let k = 0; k < append.length; k++) out.push(append[k]!);
    return out;
  },
};

/** Names listed by valid `Connection` headers (lowercase tokens), or undefined when none. */
function listedByConnection(list: readonly string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i]!;
    if (name.length !== CONNECTION.length || name.toLowerCase() !== CONNECTION) continue;
    const value = list[i + 1]!;
    if (INVALID_VALUE_CHAR.test(value)) continue;
    listed = addTokens(listed, value);
  }
  return listed;
}

/** The same, as lowercase bytes, for byte comparison against raw names. */
function listedByConnectionBytes(list: readonly Uint8Array[]): Uint8Array[] | undefined {
  let listed: Set<string> | undefined;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const name = list[i]!;
    if (!matchesAny(name, CONNECTION_BYTES)) continue;
    const value = list[i + 1]!;
    if (!isValueBytes(value)) continue;
    listed = addTokens(listed, latin1(value));
  }
  return listed === undefined ? undefined : [...listed].map((t) => Buffer.from(t, 'latin1'));
}

const CONNECTION_BYTES = [Buffer.from(CONNECTION)];

/** Only tokens can name a header, and keeping to them keeps lowercasing ASCII-only. */
function addTokens(listed: Set<string> | undefined, value: string): Set<string> {
  const set = listed ?? new Set<string>();
  for (const part of value.split(',')) {
    const t = part.replace(/^[ \t]+|[ \t]+$/g, '');
    if (TOKEN.test(t)) set.add(t.toLowerCase());
  }
  return set;
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** tchar lookup (RFC 9110): 1 for the 77 token characters. */
const TCHAR = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") TCHAR[c.charCodeAt(0)] = 1;

function isTokenBytes(b: Uint8Array): boolean {
  if (b.length === 0) return false;
  for (let i = 0; i < b.length; i++) if (TCHAR[b[i]!] !== 1) return false;
  return true;
}

function isValueBytes(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return false;
  }
  return true;
}

/** Case-insensitive (ASCII) match of a valid token against lowercase names. */
function matchesAny(name: Uint8Array, names: readonly Uint8Array[] | undefined): boolean {
  if (names === undefined) return false;
  outer: for (const d of names) {
    if (d.length !== name.length) continue;
    for (let i = 0; i < name.length; i++) {
      const c = name[i]!;
      if ((c >= 0x41 && c <= 0x5a ? c + 0x20 : c) !== d[i]) continue outer;
    }
    return true;
  }
  return false;
}
