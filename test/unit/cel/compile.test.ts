import { describe, expect, it } from 'vitest';
import { ActivationPlan, CelCompileError, compileCel, holds } from '../../../src/cel/index.js';
import { celRequest } from './request.js';

const refs = (expr: string) => Object.fromEntries([...compileCel(expr).references].map(([k, v]) => [k, v === null ? null : [...v].sort()]));

describe('references recorded at compile time', () => {
  it('records root variables and the fields read', () => {
    expect(refs('jwt.scope.contains("mcp:read")')).toEqual({ jwt: ['scope'] });
    expect(refs('request.method == "POST" && request.headers["x-a"] == "1"')).toEqual({ request: ['headers', 'method'] });
    expect(refs('request["path"].startsWith("/v1")')).toEqual({ request: ['path'] });
    expect(refs('cidr("127.0.0.1/8").containsIP(source.address)')).toEqual({ source: ['address'] });
    expect(refs('has(jwt.email)')).toEqual({ jwt: ['email'] });
  });

  it('a variable used whole is recorded as null (everything is built)', () => {
    expect(refs('size(jwt) > 0 && jwt.sub == "a"')).toEqual({ jwt: null });
  });

  it('iteration and bound variables are not references', () => {
    expect(refs('jwt.groups.exists(g, g == "ops")')).toEqual({ jwt: ['groups'] });
    expect(refs('jwt.groups.map(request, request + "!") == ["a!"]')).toEqual({ jwt: ['groups'] });
    expect(refs('cel.bind(s, jwt.sub, s + request.method) == "x"')).toEqual({ jwt: ['sub'], request: ['method'] });
    expect(refs('1 + 2 == 3')).toEqual({});
  });
});

describe('errors are found at compile time, with their column', () => {
  const err = (expr: string, opts = {}) => {
    try {
      compileCel(expr, opts);
    } catch (e) {
      expect(e).toBeInstanceOf(CelCompileError);
      return (e as CelCompileError).describe(expr);
    }
    throw new Error(`${expr} compiled`);
  };

  it('syntax errors', () => {
    expect(err('jwt.sub ==')).toMatch(/^syntax error: .* \(at column 11\)$/);
    expect(err('request.method == "a')).toMatch(/^syntax error: /);
  });

  it('unknown variables and fields', () => {
    expect(err('jwtt.sub == "a"')).toBe('type error: Unknown variable: jwtt (at column 1: "jwtt")');
    expect(err('request.methd == "GET"')).toMatch(/^type error: No such key: methd \(at column 9/);
  });

  it('operand types', () => {
    expect(err('request.method + 1 == 2')).toMatch(/^type error: no such overload: string \+ int/);
    expect(err('source.address.containsIP("1.2.3.4")')).toMatch(/^type error: found no matching overload/);
  });

  it('literal CIDR, IP and regex arguments', () => {
    expect(err('cidr("10.0.0.0/33").containsIP(source.address)')).toMatch(
      /prefix longer than the address \(at column 6: ""10\.0\.0\.0\/33""\)/,
    );
    expect(err('ip("300.1.1.1").isLoopback()')).toMatch(/IP address "300\.1\.1\.1" is not valid/);
    expect(err('request.path.matches("(")')).toMatch(/Invalid regular expression/);
  });

  it('the result type', () => {
    expect(err('request.method', { resultType: 'bool' })).toBe(
      'expression must evaluate to bool, not string (at column 1: "request.method")',
    );
    expect(() => compileCel('jwt.admin', { resultType: 'bool' })).not.toThrow(); // dyn: checked per request
  });

  it('variables a kind of expression may not read', () => {
    expect(err('llm.requestModel == "x"', { variables: new Set(['request', 'jwt']) })).toBe(
      'variable llm is not available here (available: request, jwt) (at column 1: "llm")',
    );
  });
});

describe('activation plans build only what is read', () => {
  it('builds the referenced fields and nothing else', () => {
    const plan = new ActivationPlan([compileCel('request.method == "POST"'), compileCel('source.address == "x"')]);
    const act = plan.build(celRequest()) as Record<string, Record<string, unknown>>;
    expect(Object.keys(act).sort()).toEqual(['request', 'source']);
    expect({ ...act.request }).toEqual({ method: 'POST' });
    expect({ ...act.source }).toEqual({ address: '127.0.0.1' });
  });

  it('merges fields across programs', () => {
    const plan = new ActivationPlan([compileCel('request.method == "POST"'), compileCel('request.path == "/"')]);
    expect([...plan.references.get('request')!].sort()).toEqual(['method', 'path']);
  });

  it('headers: repeated values joined, credential headers hidden', () => {
    const p = compileCel('request.headers["accept"] == "a, b" && !("authorization" in request.headers)');
    const plan = new ActivationPlan([p]);
    expect(holds(p, plan.build(celRequest({ hiddenHeaders: new Set(['authorization']) })))).toBe(true);
    expect(holds(p, plan.build(celRequest()))).toBe(false);
  });

  it('request fields', () => {
    const p = compileCel(
      'request.pathAndQuery == "/v1/chat/completions?a=1" && request.host == "gw.example:4100" && request.body.contains("model")',
    );
    expect(holds(p, new ActivationPlan([p]).build(celRequest()))).toBe(true);
  });

  it('jwt claims: whole numbers are ints, absent JWT is an empty map', () => {
    const p = compileCel('jwt.exp > 1700000000 && jwt.groups.exists(g, g == "ops") && jwt.ratio == 0.5');
    const plan = new ActivationPlan([p]);
    const claims = { exp: 1900000000, groups: ['dev', 'ops'], ratio: 0.5 };
    expect(holds(p, plan.build(celRequest({ jwt: { claims } })))).toBe(true);
    const has = compileCel('has(jwt.sub)');
    expect(has.evaluate(new ActivationPlan([has]).build(celRequest()))).toBe(false);
  });

  it('errors and non-bool results do not hold', () => {
    const missing = compileCel('request.headers["x-missing"] == "a"');
    expect(() => missing.evaluate(new ActivationPlan([missing]).build(celRequest()))).toThrow(/No such key/);
    expect(holds(missing, new ActivationPlan([missing]).build(celRequest()))).toBe(false);
  });
});
