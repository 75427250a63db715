import { describe, expect, it } from 'vitest';
import { DEFAULT_PATH_OPTIONS, normalizePath, PathError, removeDotSegments, type PathOptions } from '../../../src/http/path.js';

const opts = (o: Partial<PathOptions>): PathOptions => ({ ...DEFAULT_PATH_OPTIONS, ...o });

describe('normalizePath (defaults: normalize, merge slashes, reject escaped slashes)', () => {
  it.each([
    ['/v1/chat/completions', '/v1/chat/completions'],
    ['/', '/'],
    // dot segments (RFC 3986 5.2.4), never above the root
    ['/public/../private/x', '/private/x'],
    ['/a/./b/../c', '/a/c'],
    ['/a/b/..', '/a/'],
    ['/a/b/.', '/a/b/'],
    ['/../../etc/passwd', '/etc/passwd'],
    ['/..', '/'],
    ['/a/..b/c.', '/a/..b/c.'],
    // encoded unreserved characters decoded, before dot segments are removed
    ['/public/%2e%2e/private/x', '/private/x'],
    ['/public/%2E./private', '/private'],
    ['/www/%70rivate', '/www/private'],
    ['/%7Euser/%41%5a%30%2D%5F', '/~user/AZ0-_'],
    // other escapes kept, hex upper-cased; %25 is never decoded twice
    ['/a%3ab%20c', '/a%3Ab%20c'],
    ['/a/%252e%252e/b', '/a/%252e%252e/b'],
    ['/caf%c3%a9', '/caf%C3%A9'],
    // merged slashes, also before dot segments
    ['/www//private', '/www/private'],
    ['//private///x', '/private/x'],
    ['/a//../b', '/b'],
  ])('%s -> %s', (input, out) => {
    expect(normalizePath(input)).toBe(out);
  });

  it('returns a clean path itself (no copy on the common path)', () => {
    const p = '/openai/v1/chat/completions';
    expect(normalizePath(p)).toBe(p);
  });

  it.each([
    ['/public/..%2fprivate', /encoded slash/],
    ['/public/..%2Fprivate', /encoded slash/],
    ['/a%5c..%5cb', /encoded slash/],
    ['/public\\..\\private', /backslash/],
    ['/a%zz', /malformed percent-encoding/],
    ['/a%4', /malformed percent-encoding/],
    ['/a%', /malformed percent-encoding/],
    ['/a%00b', /NUL/],
    ['/a\u0000b', /control character/],
    ['/a\tb', /control character/],
    ['*', /must start with/],
    ['http://evil/x', /must start with/],
  ])('refuses %j', (input, why) => {
    expect(() => normalizePath(input)).toThrow(PathError);
    expect(() => normalizePath(input)).toThrow(why);
  });

  it('never quotes the path in its error', () => {
    try {
      normalizePath('/SECRET-MARKER%zz');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain('SECRET-MARKER');
    }
  });
});

describe('normalizePath options', () => {
  it('keepUnchanged keeps encoded slashes (one spelling) and encodes a raw backslash', () => {
    const o = opts({ escapedSlashes: 'keepUnchanged' });
    expect(normalizePath('/public/..%2fprivate', o)).toBe('/public/..%2Fprivate');
    expect(normalizePath('/model/arn%3Aaws%2Fprofile/converse', o)).toBe('/model/arn%3Aaws%2Fprofile/converse');
    expect(normalizePath('/a\\..\\b', o)).toBe('/a%5C..%5Cb');
  });

  it('unescapeAndForward turns them into separators, then normalises', () => {
    const o = opts({ escapedSlashes: 'unescapeAndForward' });
    expect(normalizePath('/public/..%2fprivate', o)).toBe('/private');
    expect(normalizePath('/public\\..\\private', o)).toBe('/private');
    expect(normalizePath('/a%2F%2Fb', o)).toBe('/a/b');
  });

  it('mergeSlashes: false keeps empty segments', () => {
    expect(normalizePath('/www//private', opts({ mergeSlashes: false }))).toBe('/www//private');
    expect(normalizePath('/a//../b', opts({ mergeSlashes: false }))).toBe('/a/b');
  });

  it('all three off: the raw path, escapes and dots as received', () => {
    const raw: PathOptions = { normalize: false, mergeSlashes: false, escapedSlashes: 'keepUnchanged' };
    for (const p of ['/public/../private', '/public/%2e%2e/x', '/a//b', '/a%2fb', '/a\\b', '/a%zz', '/www/%70rivate']) {
      expect(normalizePath(p, raw)).toBe(p);
    }
    expect(() => normalizePath('/a\u0000b', raw)).toThrow(/control character/);
  });

  it('normalize: false still applies the escaped-slash action', () => {
    expect(() => normalizePath('/a%2fb', opts({ normalize: false }))).toThrow(/encoded slash/);
    expect(normalizePath('/a/../b%41', opts({ normalize: false }))).toBe('/a/../b%41');
  });
});

describe('removeDotSegments', () => {
  it('follows the RFC 3986 examples on absolute paths', () => {
    expect(removeDotSegments('/a/b/c/./../../g')).toBe('/a/g');
    expect(removeDotSegments('/mid/content=5/../6')).toBe('/mid/6');
  });
});
