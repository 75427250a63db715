// Agent-card rewriting against fixtures in both protocol shapes (v0.3 `url` +
// `additionalInterfaces`, v1.0 `supportedInterfaces`), with the agent at a different path on
// the backend than on the gateway so the relative re-anchoring is exercised.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { gatewayUrl, publicOrigin, rewriteAgentCard, stripPathPrefix, type CardLocation } from '../../../src/a2a/card.js';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(new URL(`../../fixtures/a2a/${name}`, import.meta.url), 'utf8'));

const AT: CardLocation = {
  publicOrigin: 'https://gw.example.com',
  gatewayBase: '/agents/travel',
  backendCardUrl: 'http://10.0.0.7:9999/travel/.well-known/agent-card.json',
  backendBase: '/travel',
};

describe('agent card fixtures', () => {
  for (const [input, expected, count] of [
    ['card-v0.3.json', 'card-v0.3.rewritten.json', 5],
    ['card-v1.0.json', 'card-v1.0.rewritten.json', 4],
  ] as const) {
    it(`${input}: endpoint URLs point at the gateway, everything else is unchanged`, () => {
      const card = fixture(input);
      expect(rewriteAgentCard(card, AT)).toBe(count);
      expect(card).toEqual(fixture(expected));
      // The backend's address appears nowhere any more.
      expect(JSON.stringify(card)).not.toContain('10.0.0.7');
    });
  }

  it('a card with no endpoint URL is left as it is', () => {
    const card = { name: 'x', skills: [] };
    expect(rewriteAgentCard(card, AT)).toBe(0);
    expect(card).toEqual({ name: 'x', skills: [] });
  });

  it('an unparsable URL is left alone; a non-string url is not touched', () => {
    const card = { url: 'http://[::1', supportedInterfaces: [{ url: 42 }, null, 'x'] };
    expect(rewriteAgentCard(card, AT)).toBe(0);
    expect(card.url).toBe('http://[::1');
  });
});

describe('gatewayUrl (agentgateway: public base = client URL minus the well-known suffix)', () => {
  const root: CardLocation = {
    publicOrigin: 'http://gw:4500',
    gatewayBase: '',
    backendCardUrl: 'http://agent:1/.well-known/agent-card.json',
    backendBase: '',
  };
  it.each([
    ['http://agent:1/', 'http://gw:4500/'],
    ['http://agent:1', 'http://gw:4500/'],
    ['http://0.0.0.0:41241/a2a/jsonrpc/', 'http://gw:4500/a2a/jsonrpc/'],
    ['http://agent:1/rpc?x=1#frag', 'http://gw:4500/rpc?x=1'],
  ])('root agent: %s -> %s', (u, want) => expect(gatewayUrl(u, root)).toBe(want));

  it('an interface at the agent base maps to the gateway base itself', () => {
    expect(gatewayUrl('http://10.0.0.7:9999/travel', AT)).toBe('https://gw.example.com/agents/travel');
    expect(gatewayUrl('http://10.0.0.7:9999/travel/', AT)).toBe('https://gw.example.com/agents/travel/');
  });

  it('prefix stripping is segment-aware: /travelling is not under /travel', () => {
    expect(gatewayUrl('http://10.0.0.7:9999/travelling/rpc', AT)).toBe('https://gw.example.com/travelling/rpc');
  });
});

describe('stripPathPrefix', () => {
  it.each([
    ['/a/b', '/a', '/b'],
    ['/a', '/a', ''],
    ['/ab', '/a', undefined],
    ['/a/b', '', '/a/b'],
    ['/a/b', '/a/', '/b'],
    ['/x', '/a', undefined],
  ])('%s minus %s', (p, pre, want) => expect(stripPathPrefix(p, pre)).toBe(want));
});

describe('publicOrigin: the client view of the gateway', () => {
  it('Host with port, default scheme http', () => expect(publicOrigin('127.0.0.1:4500', undefined)).toBe('http://127.0.0.1:4500'));
  it('X-Forwarded-Proto https (first value of a list) wins', () =>
    expect(publicOrigin('Gw.Example.com', 'https, http')).toBe('https://gw.example.com'));
  it('only http and https are taken from X-Forwarded-Proto', () => expect(publicOrigin('gw', 'javascript')).toBe('http://gw'));
  it('IPv6 literal', () => expect(publicOrigin('[::1]:4500', undefined)).toBe('http://[::1]:4500'));
  it.each([undefined, '', 'evil.com/path', 'a b', 'gw:4500@evil', 'gw:port'])('refuses Host %j', (h) =>
    expect(publicOrigin(h, undefined)).toBeUndefined(),
  );
});
