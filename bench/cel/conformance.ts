// Runs the official cel-spec conformance cases (cel-spec v0.25.1, as packaged in
// @bufbuild/cel-spec) against a CEL implementation and reports pass rates per section.
// Used to choose the CEL library (see README "Dependency notes") and, for the chosen one, by
// test/unit/cel/conformance.test.ts to catch regressions on upgrade.
//
// Cases that need protobuf messages (proto2/proto3/wrappers/enums/dynamic sections, message
// bindings or results, `container`) are out of scope: the gateway's CEL data is JSON-shaped.
import { tests } from '@bufbuild/cel-spec/testdata/conformance.js';

/** JSON form of a `cel.expr.Value`. */
export type PbValue = Record<string, any>;

export interface Case {
  section: string;
  name: string;
  expr: string;
  bindings: Record<string, PbValue>;
  /** Expected value, or 'error' when evaluation must fail. */
  expect: PbValue | 'error';
}

/** Sections whose cases are about protobuf messages, or only about the type checker. */
const PROTO_SECTIONS = new Set(['dynamic', 'enums', 'proto2', 'proto2_ext', 'proto3', 'wrappers', 'type_deductions', 'unknowns']);
/** Sections for CEL extension libraries (not core CEL). */
export const EXTENSION_SECTIONS = new Set(['bindings_ext', 'block_ext', 'encoders_ext', 'math_ext', 'optionals', 'string_ext']);

function usesProto(v: unknown): boolean {
  return JSON.stringify(v ?? null).includes('"objectValue"') || JSON.stringify(v ?? null).includes('"enumValue"');
}

export function loadCases(): Case[] {
  const out: Case[] = [];
  const walk = (s: any, section: string) => {
    for (const t of s.tests ?? []) {
      const o = t.original;
      if (o.checkOnly || o.container || o.typedResult || usesProto(o.value) || usesProto(o.bindings)) continue;
      if (/TestAllTypes|google\.protobuf|cel\.expr/.test(o.expr)) continue;
      if (o.value === undefined && o.evalError === undefined) continue;
      const bindings: Record<string, PbValue> = {};
      for (const [k, v] of Object.entries(o.bindings ?? {})) bindings[k] = (v as { value: PbValue }).value;
      out.push({ section, name: o.name, expr: o.expr, bindings, expect: o.evalError !== undefined ? 'error' : o.value });
    }
    for (const sub of s.suites ?? []) walk(sub, section === '' ? sub.name : section);
  };
  walk(tests, '');
  return out.filter((c) => !PROTO_SECTIONS.has(c.section));
}

/** Canonical, comparable form of a CEL value: tagged so int 1, uint 1 and double 1 differ. */
export type Canon = { t: string; v?: unknown };

export function canonExpected(v: PbValue): Canon {
  if ('int64Value' in v) return { t: 'int', v: String(v.int64Value) };
  if ('uint64Value' in v) return { t: 'uint', v: String(v.uint64Value) };
  if ('doubleValue' in v) return { t: 'double', v: Number(v.doubleValue) };
  if ('stringValue' in v) return { t: 'string', v: v.stringValue };
  if ('boolValue' in v) return { t: 'bool', v: v.boolValue };
  if ('nullValue' in v) return { t: 'null' };
  if ('bytesValue' in v) return { t: 'bytes', v: v.bytesValue };
  if ('typeValue' in v) return { t: 'type', v: v.typeValue };
  if ('listValue' in v) return { t: 'list', v: (v.listValue.values ?? []).map(canonExpected) };
  if ('mapValue' in v) {
    return { t: 'map', v: sortEntries((v.mapValue.entries ?? []).map((e: any) => [canonExpected(e.key), canonExpected(e.value)])) };
  }
  return { t: 'unsupported', v: Object.keys(v)[0] };
}

export function sortEntries(entries: [Canon, Canon][]): [Canon, Canon][] {
  return entries.sort((a, b) => (JSON.stringify(a[0]) < JSON.stringify(b[0]) ? -1 : 1));
}

export function canonEqual(a: Canon, b: Canon, lenientNumbers = false): boolean {
  const num = (c: Canon) => c.t === 'int' || c.t === 'uint' || c.t === 'double';
  if (lenientNumbers && num(a) && num(b)) return Number(a.v) === Number(b.v) || (Number.isNaN(Number(a.v)) && Number.isNaN(Number(b.v)));
  if (a.t !== b.t) return false;
  if (a.t === 'double') return a.v === b.v || (Number.isNaN(a.v) && Number.isNaN(b.v));
  if (a.t === 'list' || a.t === 'map') {
    const av = a.v as unknown[];
    const bv = b.v as unknown[];
    if (av.length !== bv.length) return false;
    return av.every((x, i) =>
      a.t === 'list'
        ? canonEqual(x as Canon, bv[i] as Canon, lenientNumbers)
        : canonEqual((x as Canon[])[0]!, (bv[i] as Canon[])[0]!, lenientNumbers) &&
          canonEqual((x as Canon[])[1]!, (bv[i] as Canon[])[1]!, lenientNumbers),
    );
  }
  return a.v === b.v;
}

/** One implementation under test: how to turn spec values into its inputs and its outputs back. */
export interface Candidate {
  name: string;
  /** Compiles once; the result evaluates. Either step throws on a parse, check or evaluation error. */
  compile(expr: string): (bindings: Record<string, unknown>) => unknown;
  input(v: PbValue): unknown;
  canon(v: unknown): Canon;
  /** cel-js has one number type: compare numbers by value only. */
  lenientNumbers?: boolean;
}

export interface Outcome {
  section: string;
  name: string;
  ok: boolean;
  detail?: string;
}

export function runCase(c: Case, cand: Candidate): Outcome {
  const base = { section: c.section, name: c.name };
  let bindings: Record<string, unknown>;
  try {
    bindings = Object.fromEntries(Object.entries(c.bindings).map(([k, v]) => [k, cand.input(v)]));
  } catch (e) {
    return { ...base, ok: false, detail: `input: ${(e as Error).message}` };
  }
  let got: unknown;
  try {
    got = cand.compile(c.expr)(bindings);
  } catch (e) {
    return c.expect === 'error'
      ? { ...base, ok: true }
      : { ...base, ok: false, detail: `threw: ${String((e as Error).message).split('\n')[0]}` };
  }
  if (c.expect === 'error') return { ...base, ok: false, detail: 'expected an error' };
  let canon: Canon;
  try {
    canon = cand.canon(got);
  } catch (e) {
    return { ...base, ok: false, detail: `output: ${(e as Error).message}` };
  }
  const want = canonExpected(c.expect);
  const ok = canonEqual(canon, want, cand.lenientNumbers);
  return ok ? { ...base, ok } : { ...base, ok, detail: `got ${show(canon)} want ${show(want)}` };
}

function show(c: Canon): string {
  return JSON.stringify(c, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).slice(0, 120);
}

export interface SectionScore {
  section: string;
  passed: number;
  total: number;
}

export function score(outcomes: Outcome[]): SectionScore[] {
  const by = new Map<string, SectionScore>();
  for (const o of outcomes) {
    const s = by.get(o.section) ?? { section: o.section, passed: 0, total: 0 };
    s.total++;
    if (o.ok) s.passed++;
    by.set(o.section, s);
  }
  return [...by.values()];
}

export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function bytesFrom(b64: string): Uint8Array {
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
