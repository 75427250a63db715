import { describe, expect, it } from 'vitest';
import type { RouteMatchT } from '../../../src/config/schema/routes.js';
import { RouteTable, type RequestFacts } from '../../../src/runtime/route-table.js';

function table(routes: { name: string; matches?: RouteMatchT[]; hostnames?: string[] }[]) {
  return new RouteTable(routes.map((r) => ({ route: r.name, matches: r.matches ?? [], hostnames: r.hostnames })));
}

function facts(path: string, extra: Partial<Omit<RequestFacts, 'header'>> & { headers?: Record<string, string> } = {}): RequestFacts {
  return {
    host: extra.host ?? 'localhost',
    path,
    method: extra.method ?? 'GET',
    query: extra.query ?? '',
    header: (n) => extra.headers?.[n],
  };
}

const prefix = (p: string): RouteMatchT => ({ path: { pathPrefix: p } });

describe('route precedence (Gateway API)', () => {
  it('prefix matching is segment-aware', () => {
    const t = table([{ name: 'openai', matches: [prefix('/openai')] }]);
    expect(t.match(facts('/openai'))?.route).toBe('openai');
    expect(t.match(facts('/openai/v1/models'))?.route).toBe('openai');
    expect(t.match(facts('/openaix'))).toBeNull();
    expect(t.match(facts('/openaix/v1'))).toBeNull();
  });

  it('a trailing slash in the prefix is ignored', () => {
    const t = table([{ name: 'a', matches: [prefix('/a/')] }]);
    expect(t.match(facts('/a'))?.route).toBe('a');
    expect(t.match(facts('/a/b'))?.route).toBe('a');
    expect(t.match(facts('/a/b'))?.prefix).toBe('/a');
  });

  it('exact beats the longest prefix, which beats a shorter prefix, which beats regex', () => {
    const t = table([
      { name: 'regex', matches: [{ path: { regex: '/v1/.*' } }] },
      { name: 'short', matches: [prefix('/v1')] },
      { name: 'long', matches: [prefix('/v1/chat')] },
      { name: 'exact', matches: [{ path: { exact: '/v1/chat/completions' } }] },
    ]);
    expect(t.match(facts('/v1/chat/completions'))?.route).toBe('exact');
    expect(t.match(facts('/v1/chat/other'))?.route).toBe('long');
    expect(t.match(facts('/v1/models'))?.route).toBe('short');
  });

  it('regex matches the whole path', () => {
    const t = table([{ name: 'r', matches: [{ path: { regex: '/v[0-9]+/models' } }] }]);
    expect(t.match(facts('/v2/models'))?.route).toBe('r');
    expect(t.match(facts('/v2/models/x'))).toBeNull();
  });

  it('with equal paths: method, then more header matches, then more query matches, then config order', () => {
    const t = table([
      { name: 'plain', matches: [prefix('/')] },
      { name: 'query', matches: [{ path: { pathPrefix: '/' }, query: [{ name: 'debug', value: { exact: '1' } }] }] },
      { name: 'header', matches: [{ path: { pathPrefix: '/' }, headers: [{ name: 'X-Env', value: { regex: 'prod|staging' } }] }] },
      { name: 'method', matches: [{ path: { pathPrefix: '/' }, method: 'POST' }] },
      { name: 'plain2', matches: [prefix('/')] },
    ]);
    expect(t.match(facts('/x', { method: 'POST', headers: { 'x-env': 'prod' }, query: 'debug=1' }))?.route).toBe('method');
    expect(t.match(facts('/x', { headers: { 'x-env': 'staging' }, query: 'debug=1' }))?.route).toBe('header');
    expect(t.match(facts('/x', { headers: { 'x-env': 'dev' }, query: 'debug=1' }))?.route).toBe('query');
    expect(t.match(facts('/x', { query: 'debug=2' }))?.route).toBe('plain');
  });

  it('query parameter names are case-sensitive, header names are not', () => {
    const t = table([
      { name: 'q', matches: [{ query: [{ name: 'Mode', value: { exact: 'a' } }] }] },
      { name: 'h', matches: [{ headers: [{ name: 'X-Mode', value: { exact: 'a' } }] }] },
    ]);
    expect(t.match(facts('/', { query: 'Mode=a' }))?.route).toBe('q');
    expect(t.match(facts('/', { query: 'mode=a' }))).toBeNull();
    expect(t.match(facts('/', { headers: { 'x-mode': 'a' } }))?.route).toBe('h');
  });

  it('routes with no matches take every path', () => {
    const t = table([{ name: 'all' }]);
    expect(t.match(facts('/anything/at/all'))?.route).toBe('all');
  });

  it('hostnames: exact beats wildcard beats none, regardless of path specificity', () => {
    const t = table([
      { name: 'none', matches: [prefix('/v1/chat')] },
      { name: 'wild', matches: [prefix('/v1')], hostnames: ['*.example.com'] },
      { name: 'exact', matches: [prefix('/')], hostnames: ['api.example.com'] },
    ]);
    expect(t.match(facts('/v1/chat', { host: 'api.example.com' }))?.route).toBe('exact');
    expect(t.match(facts('/v1/chat', { host: 'eu.example.com' }))?.route).toBe('wild');
    expect(t.match(facts('/v1/chat', { host: 'other.org' }))?.route).toBe('none');
    expect(t.match(facts('/v2', { host: 'other.org' }))).toBeNull();
    expect(t.match(facts('/v1', { host: 'example.com' }))).toBeNull();
  });
});
