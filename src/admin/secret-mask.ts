// The config editor shows the file as written (comments and layout intact) but with every
// inline secret replaced by a marker `<redacted:ID>`. ID is an HMAC of the secret under a key
// made fresh for this process, so it reveals nothing about the secret yet identifies it: when
// the edited text comes back, each marker is replaced by the original text of the secret it
// stands for, wherever the user moved it (routes reordered or copied) — but only into a secret
// field or the kind of field it came from, never where the secret would then show in clear
// (a route name, a header name). An unknown or misplaced marker is an error at its line,
// never a silently saved placeholder. `$VAR` references are not secrets
// (the value lives in the environment) and are shown as written.
import { createHmac, randomBytes } from 'node:crypto';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { ConfigProblem } from '../config/errors.js';
import { formatPath } from '../config/errors.js';
import { isSecret, isSecretKey } from './redact.js';

const PROCESS_KEY = randomBytes(32);
const MARKER = /^<redacted:([0-9a-f]{16})>$/;
const ENV_REF = /^\$(?:[A-Za-z_][A-Za-z0-9_]*|\{[A-Za-z_][A-Za-z0-9_]*\})$/;

interface ScalarAt {
  path: (string | number)[];
  value: unknown;
  /** Source range of the value token (quotes included, trailing line breaks not). */
  start: number;
  end: number;
  /** `|` or `>` scalars: their text only fits back at the same indentation. */
  block: boolean;
}

function markerId(secret: string): string {
  return createHmac('sha256', PROCESS_KEY).update(secret).digest('hex').slice(0, 16);
}

/** Every scalar value in the document with its path and source range. */
function scalars(source: string): ScalarAt[] | null {
  const doc = parseDocument(source, { keepSourceTokens: false });
  if (doc.errors.length > 0) return null;
  const out: ScalarAt[] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (!isPair(item)) continue;
        const key = isScalar(item.key) ? String(item.key.value) : '';
        walk(item.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((v, i) => walk(v, [...path, i]));
    } else if (isScalar(node) && (node as Node).range) {
      const [start, end] = (node as Node).range!;
      const block = node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED';
      out.push({ path, value: node.value, start, end: start + source.slice(start, end).trimEnd().length, block });
    }
  };
  walk(doc.contents, []);
  return out;
}

function secretScalars(source: string): ScalarAt[] {
  return (scalars(source) ?? []).filter(
    (s) => typeof s.value === 'string' && !ENV_REF.test(s.value) && !MARKER.test(s.value) && isSecret(s.path, s.value),
  );
}

function splice(source: string, edits: { start: number; end: number; text: string }[]): string {
  let out = source;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** The file text with inline secrets replaced by markers (unparseable text is returned masked line by line). */
export function maskSecrets(source: string): string {
  if (scalars(source) === null) return maskUnparsed(source);
  return splice(
    source,
    secretScalars(source).map((s) => ({ start: s.start, end: s.end, text: `"<redacted:${markerId(s.value as string)}>"` })),
  );
}

/** A file that does not parse still must not leak: mask `key: value` lines whose key or value looks secret. */
function maskUnparsed(source: string): string {
  return source.replace(/^(\s*-?\s*["']?([\w.-]+)["']?\s*:\s*)(\S.*)$/gm, (line, head: string, key: string, value: string) =>
    isSecret([key], value.replace(/^["']|["']$/g, '')) && !ENV_REF.test(value) ? `${head}"<redacted>"` : line,
  );
}

/**
 * The field a scalar sits in, list positions ignored: a marker may follow its secret when routes
 * or backends are reordered or copied (`binds[*].listeners[*].routes[*].policies...set.x-key`),
 * but not into another kind of field, where it would no longer be masked (route names, header
 * names, metric labels, logs).
 */
function fieldOf(path: readonly (string | number)[]): string {
  return path.map((k) => (typeof k === 'number' ? '[]' : JSON.stringify(k))).join('.');
}

export type Unmasked = { ok: true; text: string } | { ok: false; problems: ConfigProblem[] };

/** Puts back the secrets of `current` (the file on disk) where `edited` has their markers. */
export function unmaskSecrets(edited: string, current: string): Unmasked {
  const found = scalars(edited);
  if (found === null) return { ok: true, text: edited }; // a YAML error: validation reports it
  const originals = new Map<string, { text: string; fields: Set<string> }>();
  for (const s of secretScalars(current)) {
    const id = markerId(s.value as string);
    // A block scalar goes back as a quoted string: the marker may have moved to another indentation.
    const entry = originals.get(id) ?? { text: s.block ? JSON.stringify(s.value) : current.slice(s.start, s.end), fields: new Set() };
    entry.fields.add(fieldOf(s.path));
    originals.set(id, entry);
  }
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = edited.indexOf('\n'); i >= 0; i = edited.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  const edits: { start: number; end: number; text: string }[] = [];
  const problems: ConfigProblem[] = [];
  for (const s of found) {
    const m = typeof s.value === 'string' ? MARKER.exec(s.value) : null;
    if (m === null) continue;
    const original = originals.get(m[1]!);
    const refusal =
      original === undefined
        ? 'this <redacted:...> placeholder matches no secret in the current file; type the secret or use an environment variable ($NAME)'
        : !isSecretKey(s.path) && !original.fields.has(fieldOf(s.path))
          ? 'a <redacted:...> placeholder can only stand in a secret field (a key, token, password or credential header) or the kind of field its secret came from; here its secret would be shown in clear. Type the value or use an environment variable ($NAME)'
          : null;
    if (refusal === null) edits.push({ start: s.start, end: s.end, text: original!.text });
    else problems.push({ path: formatPath(s.path), ...lines.linePos(s.start), message: refusal });
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, text: splice(edited, edits) };
}
