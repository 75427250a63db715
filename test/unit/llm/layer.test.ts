// The layer's shape: which conversion serves which pair, and the import rule (src/llm imports
// only src/native and itself).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversionFor } from '../../../src/llm/convert/index.js';
import type { ApiFormat } from '../../../src/llm/convert/types.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const LLM = join(ROOT, 'src/llm');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('conversionFor', () => {
  const formats: ApiFormat[] = ['completions', 'messages'];
  for (const client of formats) {
    for (const provider of formats) {
      it(`${client} client, ${provider} provider`, () => {
        const c = conversionFor(client, provider);
        expect([c.from, c.to]).toEqual([client, provider]);
        expect(conversionFor(client, provider)).toBe(c); // shared, stateless instances
        for (const verb of ['request', 'response', 'error', 'stream'] as const) expect(typeof c[verb]).toBe('function');
      });
    }
  }

  it('gives each stream its own state machine', () => {
    const c = conversionFor('completions', 'messages');
    const opts = { includeUsage: false, onUsage: () => {} };
    expect(c.stream(opts)).not.toBe(c.stream(opts));
  });
});

describe('import rule', () => {
  it('src/llm imports only src/native, itself and node builtins', () => {
    const offenders: string[] = [];
    for (const file of files(LLM)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)) {
        const spec = m[1]!;
        if (spec.startsWith('node:')) continue;
        const target = relative(ROOT, resolve(join(file, '..'), spec));
        if (!spec.startsWith('.') || !(target.startsWith('src/llm/') || target.startsWith('src/native/'))) {
          offenders.push(`${relative(ROOT, file)} -> ${spec}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('keeps files under ~600 lines', () => {
    const long = files(LLM).filter((f) => readFileSync(f, 'utf8').split('\n').length > 600);
    expect(long).toEqual([]);
  });
});
