// The CEL library as src/cel configures it, against the official cel-spec conformance cases
// (those without protobuf messages) and the expressions written for the gateway's needs. The
// known failures are listed in conformance-known-failures.json (README "Dependency notes"
// explains them); a library upgrade or a change to our functions that breaks another case fails
// here, and one that fixes a listed case asks for the list to shrink.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { marcbachmann } from '../../../bench/cel/adapter-marcbachmann.js';
import { loadCases, runCase } from '../../../bench/cel/conformance.js';
import { NEEDS } from '../../../bench/cel/needs.js';

const known = new Set<string>(JSON.parse(readFileSync(new URL('./conformance-known-failures.json', import.meta.url), 'utf8')));

describe('cel-spec conformance of the configured CEL library', () => {
  const cases = loadCases();
  const outcomes = cases.map((c) => ({ id: `${c.section}/${c.name}: ${c.expr}`, ...runCase(c, marcbachmann) }));

  it('runs the conformance sample', () => {
    expect(cases.length).toBeGreaterThan(1400);
  });

  it('fails no case outside the known list', () => {
    const unexpected = outcomes.filter((o) => !o.ok && !known.has(o.id)).map((o) => `${o.id} -> ${o.detail}`);
    expect(unexpected).toEqual([]);
  });

  it('the known list holds only cases that still fail', () => {
    const fixed = outcomes.filter((o) => o.ok && known.has(o.id)).map((o) => o.id);
    expect(fixed).toEqual([]);
  });
});

describe('expressions written for the gateway', () => {
  it.each(NEEDS.map((n) => [n.expr, n] as const))('%s', (_e, n) => {
    const o = runCase({ section: 'needs', name: n.expr, expr: n.expr, bindings: n.bindings, expect: n.expect }, marcbachmann);
    expect(o.detail).toBeUndefined();
    expect(o.ok).toBe(true);
  });
});
