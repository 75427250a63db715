// Adapters for the three CEL libraries compared when choosing one (README "Dependency notes"):
// how each takes spec values as input and how its results map back to canonical values.
// The two rejected libraries are no longer dependencies; to rerun the comparison:
//   npm i --no-save cel-js@0.8.2 @bufbuild/cel@0.6.1 && npx tsx bench/cel/compare.ts
import * as buf from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import * as chromegg from 'cel-js';
import { canonScalar, inputWith, marcbachmann } from './adapter-marcbachmann.js';
import { sortEntries, type Candidate, type Canon } from './conformance.js';

// --- @bufbuild/cel ----------------------------------------------------------------------
const bufEnv = buf.celEnv({ funcs: strings });

function bufCanon(v: unknown): Canon {
  const s = canonScalar(v);
  if (s) return s;
  if (buf.isCelUint(v)) return { t: 'uint', v: String(v.value) };
  if (buf.isCelList(v)) return { t: 'list', v: [...v].map(bufCanon) };
  if (buf.isCelMap(v)) return { t: 'map', v: sortEntries([...v].map(([k, x]) => [bufCanon(k), bufCanon(x)])) };
  if (buf.isCelType(v)) return { t: 'type', v: (v as { name: string }).name };
  return { t: `other:${(v as object)?.constructor?.name}` };
}

export const bufbuild: Candidate = {
  name: '@bufbuild/cel 0.6.1',
  compile: (expr) => {
    const fn = buf.plan(bufEnv, buf.parse(expr));
    return (b) => {
      const r = fn(b as never);
      if (buf.isCelError(r)) throw r;
      return r;
    };
  },
  input: inputWith(
    BigInt,
    (s) => buf.celUint(BigInt(s)),
    (e) => new Map(e as [string, unknown][]),
  ),
  canon: bufCanon,
};

// --- cel-js (ChromeGG) ------------------------------------------------------------------
function chromeCanon(v: unknown): Canon {
  const s = canonScalar(v);
  if (s) return s;
  if (Array.isArray(v)) return { t: 'list', v: v.map(chromeCanon) };
  if (typeof v === 'object')
    return { t: 'map', v: sortEntries(Object.entries(v as object).map(([k, x]) => [{ t: 'string', v: k }, chromeCanon(x)])) };
  return { t: `other:${typeof v}` };
}

export const celJs: Candidate = {
  name: 'cel-js 0.8.2',
  compile: (expr) => {
    const p = chromegg.parse(expr);
    if (!p.isSuccess) throw new Error(p.errors.join('; '));
    return (b) => chromegg.evaluate(p.cst, b);
  },
  input: inputWith(Number, Number, (e) => Object.fromEntries(e.map(([k, x]) => [String(k), x]))),
  canon: chromeCanon,
  // One JS number type: ints, uints and doubles are compared by value only.
  lenientNumbers: true,
};

export const CANDIDATES = [marcbachmann, bufbuild, celJs];
