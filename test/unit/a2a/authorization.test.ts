// a2a.method in CEL authorization rules: the allowlist from configs/a2a.yaml (everything but
// cancelling needs no scope), evaluated against requests as the A2A reading makes them.
import { describe, expect, it } from 'vitest';
import { classifyA2a } from '../../../src/a2a/classify.js';
import { compileCel } from '../../../src/cel/index.js';
import { compileAuthorization } from '../../../src/policies/authorization.js';
import { celRequest } from '../cel/request.js';
import { fakeCompiler } from '../policies/fake-request.js';

const compiler = fakeCompiler();

const policy = compileAuthorization(
  {
    rules: [
      { allow: 'a2a.method != "tasks/cancel" && a2a.method != "CancelTask"' },
      { allow: 'jwt.?scope.orValue("").split(" ").exists(s, s == "a2a:cancel")' },
    ],
  },
  ['authorization'],
  compiler,
)!;

function request(method: string, scope?: string) {
  const body = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { id: 't' } }));
  return {
    ...celRequest(),
    a2a: classifyA2a('POST', '/agents/a', body),
    jwt: { claims: scope === undefined ? { sub: 'bob' } : { sub: 'bob', scope } },
  };
}

describe('a2a.method in authorization rules', () => {
  it.each(['message/send', 'message/stream', 'tasks/get', 'SendMessage', 'GetTask'])('%s is allowed without a scope', (m) => {
    expect(policy.allowed(request(m) as never)).toBe(true);
  });
  it.each(['tasks/cancel', 'CancelTask'])('%s is denied without the scope, allowed with it', (m) => {
    expect(policy.allowed(request(m) as never)).toBe(false);
    expect(policy.allowed(request(m, 'openid') as never)).toBe(false);
    expect(policy.allowed(request(m, 'openid a2a:cancel') as never)).toBe(true);
  });

  it('a2a.method is "" (not an error) on a card fetch and on other routes', () => {
    // A `require` rule that errored would deny: these pass only because the value is a string.
    const empty = compileAuthorization({ rules: [{ require: 'a2a.method == ""' }] }, ['authorization'], compiler)!;
    const card = { ...celRequest(), a2a: classifyA2a('GET', '/.well-known/agent-card.json', null) };
    expect(empty.allowed(card as never)).toBe(true);
    expect(empty.allowed(celRequest() as never)).toBe(true);
    expect(empty.allowed(request('message/send') as never)).toBe(false);
  });

  it('the rules compiled without problems', () => expect(compiler.problems).toEqual([]));

  it('a2a has only known fields: a typo is a config error', () => {
    expect(() => compileCel('a2a.methd == "x"', { resultType: 'bool' })).toThrow(/methd/);
  });
});
