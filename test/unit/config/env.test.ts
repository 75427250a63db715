import { describe, expect, it } from 'vitest';
import { EnvError, expandEnv } from '../../../src/config/env.js';

describe('environment substitution', () => {
  const env = { KEY: 'sk-123', EMPTY: '', LONG: 'a-much-longer-value' };

  it('expands $VAR, ${VAR} and ${VAR:-default}', () => {
    expect(expandEnv('a: $KEY\nb: "${KEY}"\nc: ${MISSING:-fallback}\nd: ${EMPTY:-used-when-empty}', env).text).toBe(
      'a: sk-123\nb: "sk-123"\nc: fallback\nd: used-when-empty',
    );
  });

  it('leaves a $ that starts no variable alone', () => {
    expect(expandEnv('regex: "^a$"\nprice: $5\n', env).text).toBe('regex: "^a$"\nprice: $5\n');
  });

  it('does not expand the yaml-language-server schema comment', () => {
    const src = '# yaml-language-server: $schema=./schema.json\nk: $KEY\n';
    expect(expandEnv(src, env).text).toBe('# yaml-language-server: $schema=./schema.json\nk: sk-123\n');
  });

  it('an unset variable without default is an error naming it and its offset', () => {
    const src = 'a: 1\nb: $NOPE\n';
    try {
      expandEnv(src, env);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(EnvError);
      expect((e as EnvError).variable).toBe('NOPE');
      expect((e as EnvError).offset).toBe(src.indexOf('$NOPE'));
    }
  });

  it('maps offsets of the expanded text back to the source', () => {
    const src = 'a: ${LONG}\nb: x\n';
    const { text, toSource } = expandEnv(src, env);
    expect(toSource(text.indexOf('b: x'))).toBe(src.indexOf('b: x'));
    // inside the substituted value: points at the variable reference
    expect(toSource(text.indexOf('longer'))).toBe(src.indexOf('${LONG}'));
  });
});
