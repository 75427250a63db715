import { describe, expect, it } from 'vitest';
import { rawHeaderValue } from '../../../src/http/header-lists.js';

const raw = (...pairs: [string, string][]): Buffer[] => pairs.flatMap(([n, v]) => [Buffer.from(n, 'latin1'), Buffer.from(v, 'latin1')]);

describe('rawHeaderValue', () => {
  const head = raw(
    ['Date', 'Tue'],
    ['Content-Type', 'application/json'],
    ['X-Request-ID', 'r1'],
    ['content-length', '12'],
    ['Vary', 'a'],
    ['vary', 'b'],
  );

  it('finds a name in any case, the first of repeated ones', () => {
    expect(rawHeaderValue(head, 'content-type')).toBe('application/json');
    expect(rawHeaderValue(head, 'x-request-id')).toBe('r1');
    expect(rawHeaderValue(head, 'content-length')).toBe('12');
    expect(rawHeaderValue(head, 'vary')).toBe('a');
    expect(rawHeaderValue(raw(['CONTENT-TYPE', 'text/plain']), 'content-type')).toBe('text/plain');
  });

  it('matches whole names only, and only lower-case lookups', () => {
    expect(rawHeaderValue(head, 'content-typ')).toBeUndefined();
    expect(rawHeaderValue(head, 'content-types')).toBeUndefined();
    expect(rawHeaderValue(head, 'x-request-ie')).toBeUndefined();
    expect(rawHeaderValue(head, 'Content-Type')).toBeUndefined();
    expect(rawHeaderValue([], 'date')).toBeUndefined();
    // Case folding is ASCII only: bytes just outside A-Z ('@' 0x40, '[' 0x5b) are not letters.
    expect(rawHeaderValue(raw(['@', 'x'], ['[', 'y']), '`')).toBeUndefined();
    expect(rawHeaderValue(raw(['@', 'x'], ['[', 'y']), '{')).toBeUndefined();
    // Header names are ASCII tokens: no Unicode case folding.
    expect(rawHeaderValue(raw(['\u00c0', 'x']), '\u00e0')).toBeUndefined();
  });

  it('reads the value as latin1, as it came', () => {
    expect(rawHeaderValue(raw(['X-Name', 'caf\u00e9  ']), 'x-name')).toBe('caf\u00e9  ');
  });
});
