// The chosen library, @marcbachmann/cel-js, configured exactly as src/cel configures it (same
// options, same extra functions), as a conformance candidate. Also used by
// test/unit/cel/conformance.test.ts. Variables are undeclared (dyn) here because the
// conformance cases bind arbitrary names; src/cel declares the gateway's.
import { Environment } from '@marcbachmann/cel-js';
import { ENV_OPTIONS } from '../../src/cel/env.js';
import { registerFunctions } from '../../src/cel/functions.js';
import { base64, bytesFrom, sortEntries, type Candidate, type Canon, type PbValue } from './conformance.js';

type Conv = (v: PbValue) => unknown;

/** Spec value -> JS input, given how a library wants ints, uints and maps. */
export function inputWith(
  int: (s: string) => unknown,
  uint: (s: string) => unknown,
  map: (entries: [unknown, unknown][]) => unknown,
): Conv {
  const conv: Conv = (v) => {
    if ('int64Value' in v) return int(String(v.int64Value));
    if ('uint64Value' in v) return uint(String(v.uint64Value));
    if ('doubleValue' in v) return Number(v.doubleValue);
    if ('stringValue' in v) return v.stringValue;
    if ('boolValue' in v) return v.boolValue;
    if ('nullValue' in v) return null;
    if ('bytesValue' in v) return bytesFrom(v.bytesValue);
    if ('listValue' in v) return (v.listValue.values ?? []).map(conv);
    if ('mapValue' in v) return map((v.mapValue.entries ?? []).map((e: any) => [conv(e.key), conv(e.value)]));
    throw new Error(`unsupported input ${Object.keys(v)[0]}`);
  };
  return conv;
}

export function canonScalar(v: unknown): Canon | undefined {
  if (typeof v === 'bigint') return { t: 'int', v: String(v) };
  if (typeof v === 'number') return { t: 'double', v };
  if (typeof v === 'string') return { t: 'string', v };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (v === null) return { t: 'null' };
  if (v instanceof Uint8Array) return { t: 'bytes', v: base64(v) };
  return undefined;
}

const env = new Environment({ ...ENV_OPTIONS, unlistedVariablesAreDyn: true });
registerFunctions(env);
const Uint = (env.evaluate('1u') as object).constructor as new (v: bigint) => { value: bigint };

function canon(v: unknown): Canon {
  const s = canonScalar(v);
  if (s) return s;
  if (v instanceof Uint) return { t: 'uint', v: String(v.value) };
  if (Array.isArray(v)) return { t: 'list', v: v.map(canon) };
  if (v instanceof Map) return { t: 'map', v: sortEntries([...v].map(([k, x]) => [canon(k), canon(x)])) };
  const ctor = (v as object).constructor?.name;
  if (ctor === 'Type') return { t: 'type', v: String(v).replace(/^Type<(.*)>$/, '$1') };
  if (ctor === 'Object')
    return { t: 'map', v: sortEntries(Object.entries(v as object).map(([k, x]) => [{ t: 'string', v: k }, canon(x)])) };
  return { t: `other:${ctor}` };
}

export const marcbachmann: Candidate = {
  name: '@marcbachmann/cel-js 8.0.0',
  compile: (expr) => env.parse(expr),
  input: inputWith(
    BigInt,
    (s) => new Uint(BigInt(s)),
    (e) => new Map(e),
  ),
  canon,
};
