import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { maskSecrets, unmaskSecrets } from '../../../src/admin/secret-mask.js';

const FILE = `# gateway config
binds:
- port: 3000
  listeners:
  - routes:
    - name: a
      policies:
        backendAuth: {key: sk-aaaaaaaaaaaaaaaa}   # inline secret
      backends: [{ai: {name: a, provider: {openAI: {}}}}]
    - name: b
      policies:
        backendAuth:
          key: "second-secret"
      backends: [{ai: {name: b, provider: {anthropic: {}}}}]
    - name: c
      policies:
        backendAuth: {key: $OPENAI_API_KEY}
        backendTLS: {key: client.key}
      backends: [{ai: {name: c, provider: {openAI: {}}}}]
`;

describe('maskSecrets / unmaskSecrets', () => {
  it('masks inline secrets but keeps comments, env references and file paths', () => {
    const masked = maskSecrets(FILE);
    expect(masked).not.toContain('sk-aaaa');
    expect(masked).not.toContain('second-secret');
    expect(masked).toContain('# inline secret');
    expect(masked).toContain('{key: $OPENAI_API_KEY}');
    expect(masked).toContain('backendTLS: {key: client.key}');
    expect(masked.match(/<redacted:[0-9a-f]{16}>/g)).toHaveLength(2);
    expect(masked.split('\n')).toHaveLength(FILE.split('\n').length);
  });

  it('puts the secrets back, following markers that were moved', () => {
    const masked = maskSecrets(FILE);
    const [m1, m2] = masked.match(/"<redacted:[0-9a-f]{16}>"/g)!;
    // swap the two secrets' places and rename a route: each marker keeps its own secret
    const edited = masked.replace(m1!, 'M1').replace(m2!, m1!).replace('M1', m2!).replace('name: c', 'name: c2');
    const r = unmaskSecrets(edited, FILE);
    expect(r.ok).toBe(true);
    const cfg = parse((r as { text: string }).text);
    const routes = cfg.binds[0].listeners[0].routes;
    expect(routes[0].policies.backendAuth.key).toBe('second-secret');
    expect(routes[1].policies.backendAuth.key).toBe('sk-aaaaaaaaaaaaaaaa');
    expect(routes[2].name).toBe('c2');
  });

  it('an unchanged round trip gives the file back byte for byte', () => {
    const r = unmaskSecrets(maskSecrets(FILE), FILE);
    expect(r).toEqual({ ok: true, text: FILE });
  });

  it('rejects a marker that matches no current secret, with its line', () => {
    const edited = maskSecrets(FILE).replace('name: c', 'name: c\n      x: "<redacted:0123456789abcdef>"');
    const r = unmaskSecrets(edited, FILE);
    expect(r.ok).toBe(false);
    const problems = (r as { problems: { line: number; path: string; message: string }[] }).problems;
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(16); // the inserted line, right after `- name: c`
    expect(problems[0]!.path).toBe('binds[0].listeners[0].routes[2].x');
    expect(problems[0]!.message).toMatch(/matches no secret/);
  });

  it('masks a block scalar secret without disturbing the next key, and restores its value', () => {
    const file = 'x:\n  password: |\n    line1secret\n    line2secret\n  other: 1\n';
    const masked = maskSecrets(file);
    expect(masked).toMatch(/^x:\n {2}password: "<redacted:[0-9a-f]{16}>"\n {2}other: 1\n$/);
    const r = unmaskSecrets(masked, file);
    expect(parse((r as { text: string }).text)).toEqual(parse(file));
  });

  it('masks secrets in a file that does not parse', () => {
    const broken = 'binds: [\n  key: sk-bbbbbbbbbbbbbbbb\n  password: hunter2\n';
    const masked = maskSecrets(broken);
    expect(masked).not.toContain('sk-bbbb');
    expect(masked).not.toContain('hunter2');
  });

  describe('a marker goes back only where its secret stays masked', () => {
    // one secret by its key (backendAuth.key), one by its look (an sk- value in a header)
    const CURRENT = `binds:
- port: 3000
  listeners:
  - routes:
    - name: a
      policies:
        backendAuth: {key: plain-secret-value}
        requestHeaderModifier: {set: {x-upstream: sk-cccccccccccccccc}}
      backends: [{host: "127.0.0.1:1"}]
`;
    const [KEY, TOKEN] = maskSecrets(CURRENT).match(/"<redacted:[0-9a-f]{16}>"/g)!;
    const withRoutes = (...routes: string[]) =>
      `binds:\n- port: 3000\n  listeners:\n  - routes:\n${routes.map((r) => `    - ${r}\n      backends: [{host: "127.0.0.1:1"}]\n`).join('')}`;
    const refusedAt = (edited: string) => {
      const r = unmaskSecrets(edited, CURRENT);
      expect(r.ok).toBe(false);
      const problems = (r as { problems: { path: string; message: string }[] }).problems;
      expect(problems.every((p) => /can only stand in a secret field/.test(p.message))).toBe(true);
      return problems.map((p) => p.path);
    };

    it.each([
      ['a route name', (m: string) => `name: ${m}`, 'binds[0].listeners[0].routes[0].name'],
      [
        'another header',
        (m: string) => `name: a\n      policies: {requestHeaderModifier: {set: {x-trace: ${m}}}}`,
        'binds[0].listeners[0].routes[0].policies.requestHeaderModifier.set.x-trace',
      ],
      [
        'a header removal list',
        (m: string) => `name: a\n      policies: {requestHeaderModifier: {remove: [${m}]}}`,
        'binds[0].listeners[0].routes[0].policies.requestHeaderModifier.remove[0]',
      ],
    ])('is refused in %s, for either kind of secret', (_what, route, path) => {
      expect(refusedAt(withRoutes(route(KEY!)))).toEqual([path]);
      expect(refusedAt(withRoutes(route(TOKEN!)))).toEqual([path]);
    });

    it('as a map key (a header name) it is left a literal placeholder, never the secret', () => {
      const r = unmaskSecrets(withRoutes(`name: a\n      policies: {requestHeaderModifier: {set: {${KEY}: on}}}`), CURRENT);
      expect(r.ok).toBe(true);
      expect((r as { text: string }).text).not.toContain('plain-secret-value');
    });

    it('follows its secret into any secret field, or into the same kind of field on another route', () => {
      const edited = withRoutes(
        'name: a',
        `name: b\n      policies:\n        backendAuth: {key: ${TOKEN}}\n        requestHeaderModifier: {set: {x-upstream: ${TOKEN}, authorization: ${KEY}}}`,
      );
      const r = unmaskSecrets(edited, CURRENT);
      expect(r.ok).toBe(true);
      const b = parse((r as { text: string }).text).binds[0].listeners[0].routes[1].policies;
      expect(b.backendAuth.key).toBe('sk-cccccccccccccccc');
      expect(b.requestHeaderModifier.set).toEqual({ 'x-upstream': 'sk-cccccccccccccccc', authorization: 'plain-secret-value' });
    });
  });
});
