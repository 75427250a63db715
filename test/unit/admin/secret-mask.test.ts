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
});
