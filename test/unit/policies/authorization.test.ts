import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../../src/observability/log.js';
import { AuthorizationPolicy, compileAuthorization } from '../../../src/policies/authorization.js';
import type { AuthorizationT } from '../../../src/config/schema/policies.js';
import { fakeCompiler, fakeRequest } from './fake-request.js';

const policy = (rules: AuthorizationT['rules']) => {
  const c = fakeCompiler();
  const p = compileAuthorization({ rules }, ['authorization'], c);
  expect(c.problems).toEqual([]);
  return p!;
};
const req = (headers: Record<string, string> = {}) => fakeRequest({ host: 'gw', ...headers }, { path: '/v1/x' });

describe('agentgateway authorization semantics', () => {
  it('no rules: allow', () => {
    expect(policy([]).allowed(req())).toBe(true);
  });

  it('plain strings are allow rules forming an allowlist', () => {
    const p = policy(['request.headers["x-team"] == "a"', 'request.headers["x-team"] == "b"']);
    expect(p.allowed(req({ 'x-team': 'b' }))).toBe(true);
    expect(p.allowed(req({ 'x-team': 'c' }))).toBe(false);
  });

  it('only deny rules: a denylist', () => {
    const p = policy([{ deny: 'request.headers["x-team"] == "evil"' }]);
    expect(p.allowed(req({ 'x-team': 'evil' }))).toBe(false);
    expect(p.allowed(req({ 'x-team': 'ok' }))).toBe(true);
  });

  it('any deny wins over allows; every require must hold', () => {
    const p = policy([
      'request.path.startsWith("/v1")',
      { deny: 'request.headers["x-block"] == "1"' },
      { require: 'request.headers["x-tenant"] == "acme"' },
      { require: 'source.address == "127.0.0.1"' },
    ]);
    expect(p.allowed(req({ 'x-tenant': 'acme' }))).toBe(true);
    expect(p.allowed(req({ 'x-tenant': 'acme', 'x-block': '1' }))).toBe(false);
    expect(p.allowed(req({ 'x-tenant': 'other' }))).toBe(false);
  });

  it('a failing expression does not hold: a failing deny lets through, a failing require denies', () => {
    expect(policy([{ deny: 'request.headers["x-missing"] == "1"' }]).allowed(req())).toBe(true);
    expect(policy([{ require: 'request.headers["x-missing"] == "1"' }]).allowed(req())).toBe(false);
  });

  it('a non-bool result (dyn claim) does not hold', () => {
    const p = policy(['jwt.admin']);
    const r = req();
    r.jwt = { claims: { admin: 'yes' } };
    expect(p.allowed(r)).toBe(false);
    r.jwt = { claims: { admin: true } };
    expect(p.allowed(r)).toBe(true);
  });

  it('a denied request is a 403 permission error', () => {
    expect(() => policy([{ deny: 'true' }]).check(req())).toThrow(
      expect.objectContaining({ status: 403, kind: 'authorization_denied', reason: 'Authorization' }),
    );
  });

  it('listener and route rule sets combine', () => {
    const both = AuthorizationPolicy.combine(
      policy([{ deny: 'request.headers["x-block"] == "1"' }]),
      policy(['request.headers["x-team"] == "a"']),
    )!;
    expect(both.allowed(req({ 'x-team': 'a' }))).toBe(true);
    expect(both.allowed(req({ 'x-team': 'a', 'x-block': '1' }))).toBe(false);
    expect(both.allowed(req({ 'x-team': 'b' }))).toBe(false);
  });

  it('rules reading llm.* are marked to wait for the parsed body', () => {
    expect(policy([{ deny: 'llm.requestModel == "x"' }]).needsLlm).toBe(true);
    expect(policy([{ deny: 'jwt.sub == "x"' }]).needsLlm).toBe(false);
  });
});

describe('rule compile errors name the rule and the column', () => {
  it('syntax, type and variable errors', () => {
    const c = fakeCompiler();
    const p = compileAuthorization(
      { rules: ['jwt.sub ==', { deny: 'request.method + 1 == 2' }, { require: 'response.code == 200' }, 'request.path'] },
      ['p', 'authorization'],
      c,
    );
    expect(p).toBeUndefined();
    expect(c.problems).toEqual([
      'p.authorization.rules.0: CEL syntax error: Unexpected token: EOF (at column 11)',
      expect.stringMatching(/^p\.authorization\.rules\.1\.deny: CEL type error: no such overload: string \+ int \(at column 1/),
      // `response` exists for health and retry expressions, not for authorization rules
      'p.authorization.rules.2.require: CEL variable response is not available here (available: request, source, jwt, apiKey, basicAuth, llm, a2a) (at column 1: "response")',
      'p.authorization.rules.3: CEL expression must evaluate to bool, not string (at column 1: "request.path")',
    ]);
  });
});

describe('deny rules and absent data', () => {
  afterEach(() => vi.restoreAllMocks());
  const anonymous = () => req();
  const withJwt = (claims: Record<string, unknown>) => {
    const r = req();
    r.jwt = { claims };
    return r;
  };

  it('a deny rule that reads data some requests lack is a warning at load, naming the read and the fix', () => {
    const c = fakeCompiler();
    compileAuthorization(
      {
        rules: [{ deny: 'jwt.sub == "mallory"' }, { deny: 'request.method == "TRACE"' }, { require: 'jwt.sub != ""' }, 'jwt.admin == true'],
      },
      ['r', 'authorization'],
      c,
    );
    expect(c.problems).toEqual([]);
    expect(c.warnings).toEqual([
      expect.stringMatching(
        /^r\.authorization\.rules\[0\]\.deny: this deny rule reads jwt\.sub, which some requests lack; .*does not deny.*default\(jwt\.sub, ""\)/,
      ),
    ]);
  });

  it('the defensive forms warn of nothing and deny what they should', () => {
    for (const rule of ['has(jwt.sub) && jwt.sub == "mallory"', 'default(jwt.sub, "") == "mallory"', 'jwt.?sub.orValue("") == "mallory"']) {
      const c = fakeCompiler();
      const p = compileAuthorization({ rules: [{ deny: rule }] }, ['r'], c)!;
      expect(c.warnings).toEqual([]);
      expect(p.allowed(anonymous())).toBe(true);
      expect(p.allowed(withJwt({ sub: 'alice' }))).toBe(true);
      expect(p.allowed(withJwt({ sub: 'mallory' }))).toBe(false);
    }
  });

  it('at run time, as in agentgateway: an erroring deny does not deny (logged once a minute), an erroring require or allow refuses', () => {
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => undefined);
    const deny = policy([{ deny: 'jwt.sub == "mallory"' }]);
    expect(deny.allowed(anonymous())).toBe(true);
    expect(deny.allowed(anonymous())).toBe(true);
    expect(deny.allowed(withJwt({ sub: 'mallory' }))).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/deny rule `jwt\.sub == "mallory"` could not be evaluated .*did not deny/);
    expect(policy([{ require: 'jwt.sub != "mallory"' }]).allowed(anonymous())).toBe(false);
    expect(policy(['jwt.sub == "alice"']).allowed(anonymous())).toBe(false);
  });

  it('the run-time log never quotes request data', () => {
    const warn = vi.spyOn(log, 'warn').mockImplementation(() => undefined);
    policy([{ deny: 'int(request.headers["x-n"]) > 5' }]).allowed(req({ 'x-n': 'private-value' }));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).not.toContain('private-value');
  });
});
