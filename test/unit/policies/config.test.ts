// Auth policy configs that are wrong fail at load with the file, YAML path and line:column —
// never a runtime 500.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const dir = mkdtempSync(join(tmpdir(), 'agw-authcfg-'));
writeFileSync(join(dir, 'keys.yaml'), '- key: a\n- keyHash: nope\n');

function problems(policies: string, listenerPolicies = ''): string[] {
  const yaml = `binds:
- port: 4190
  listeners:
  - ${listenerPolicies === '' ? '' : `policies:\n      ${listenerPolicies}\n    `}routes:
    - policies:
        ${policies}
      backends: [{host: "127.0.0.1:1"}]
`;
  try {
    compile(parseConfig(yaml, join(dir, 'test.yaml'), {}), new PoolFactory(new ConnectOverrides()), 1);
  } catch (e) {
    if (e instanceof ConfigError) return e.message.split('\n').map((l) => l.replace(`${dir}/`, ''));
    throw e;
  }
  return [];
}

describe('auth policy config errors', () => {
  it('a CEL type error names the rule, its line and the column inside the expression', () => {
    expect(problems(`authorization: {rules: ['jwt.sub == "a"', {deny: 'request.methd == "GET"'}]}`)).toEqual([
      'test.yaml:6:58: binds[0].listeners[0].routes[0].policies.authorization.rules[1].deny: CEL type error: No such key: methd (at column 9: "methd")',
    ]);
  });

  it('a CEL syntax error', () => {
    expect(problems(`authorization: {rules: ['jwt.sub == ']}`)[0]).toMatch(
      /^test\.yaml:6:33: .*rules\[0\]: CEL syntax error: Unexpected token: EOF \(at column 12\)$/,
    );
  });

  it('jwtAuth without issuer or jwks', () => {
    expect(problems('jwtAuth: {mode: strict, jwks: {url: "https://idp/jwks"}}')).toEqual([
      'test.yaml:6:18: binds[0].listeners[0].routes[0].policies.jwtAuth: jwtAuth needs issuer and jwks (or a providers list)',
    ]);
  });

  it('a JWKS file that cannot be read, an inline JWKS with an HMAC key', () => {
    expect(problems('jwtAuth: {issuer: i, jwks: {file: missing.json}}')[0]).toMatch(
      /policies\.jwtAuth\.jwks: cannot read missing\.json: ENOENT$/,
    );
    expect(problems(`jwtAuth: {issuer: i, jwks: '{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}'}`)[0]).toMatch(
      /policies\.jwtAuth\.jwks: key "h" has kty oct; only RSA, EC and OKP keys verify tokens$/,
    );
  });

  it('API keys: a malformed keyHash inline and in a keys file', () => {
    expect(problems('apiKey: {keys: [{keyHash: "sha256:abc"}]}')[0]).toMatch(
      /keys\[0\]\.keyHash: expected "sha256:<64 hex digits>" or a bcrypt hash/,
    );
    expect(problems('apiKey: {keys: {file: keys.yaml}}')[0]).toMatch(
      /policies\.apiKey\.keys: keys\.yaml: \[1\.keyHash\] expected "sha256:<64 hex digits>"/,
    );
  });

  it('an htpasswd entry in an unsupported format, a bad CORS origin', () => {
    expect(problems('basicAuth: {htpasswd: "alice:plaintext"}')[0]).toMatch(/basicAuth\.htpasswd: line 1: unsupported hash format/);
    expect(problems('cors: {allowOrigins: ["app.example.com"]}')[0]).toMatch(
      /cors\.allowOrigins\[0\]: "app\.example\.com" is not an origin/,
    );
  });

  it('a file named as a key set that is not one is described by position, never quoted', () => {
    const SECRET = 'PROD_DB_PASSWORD=hunter2-very-secret';
    writeFileSync(join(dir, 'secret.env'), `${SECRET}\nAWS_KEY:AKIAABCDEFGHIJKLMNOP\n`);
    writeFileSync(join(dir, 'secret.json'), `{"token" ${SECRET}}`);
    const jwks = problems('jwtAuth: {issuer: i, jwks: {file: secret.env}}');
    expect(jwks[0]).toMatch(/jwks: JWKS file .*secret\.env is not valid JSON$/);
    expect(problems('jwtAuth: {issuer: i, jwks: {file: secret.json}}')[0]).toMatch(/is not valid JSON \(line 1, column 10\)$/);
    const htpasswd = problems('basicAuth: {htpasswd: {file: secret.env}}');
    expect(htpasswd[0]).toMatch(/htpasswd: line 1: expected user:hash; line 2: unsupported hash format/);
    writeFileSync(join(dir, 'secret.yaml'), `keys: [${SECRET}: {\n`);
    const keys = problems('apiKey: {keys: {file: secret.yaml}}');
    expect(keys[0]).toMatch(/apiKey\.keys: secret\.yaml: not valid YAML or JSON \(line \d+, column \d+\)$/);
    for (const p of [...jwks, ...htpasswd, ...keys]) expect(p).not.toMatch(/hunter2|PROD_DB|AWS_KEY|AKIA/);
  });

  it('listener policies accept the agentgateway subset; csrf is route-only', () => {
    expect(problems('cors: {}', 'jwtAuth: {issuer: i, jwks: \'{"keys":[]}\'}')).toEqual([]);
    expect(problems('cors: {}', 'csrf: {}')[0]).toMatch(/listeners\[0\]\.policies\.csrf: unknown key "csrf"/);
  });
});
