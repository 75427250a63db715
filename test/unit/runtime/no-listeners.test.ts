// A config that opens no port is refused (positioned, naming the opt-in) unless it says
// `allowNoListeners: true`: an empty or truncated file must never close every listener.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { compile } from '../../../src/runtime/compile.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

const pools = new PoolFactory(new ConnectOverrides());

function compileText(text: string) {
  return compile(parseConfig(text, 'gw.yaml', {}), pools, 1);
}

function refusal(text: string): string {
  try {
    compileText(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('a config with no listeners', () => {
  it.each([
    ['an empty file', ''],
    ['whitespace only', '\n  \n'],
    ['comments only', '# being rewritten\n# by the sync job\n'],
    ['a document marker only', '---\n'],
    ['binds: []', 'binds: []\n'],
    ['startup settings only', 'config:\n  adminAddr: localhost:15000\n'],
  ])('%s is refused, naming the opt-in', (_what, text) => {
    const message = refusal(text);
    expect(message).toMatch(/^gw\.yaml:\d+:\d+: binds: the config has no listeners/);
    expect(message).toContain('allowNoListeners: true');
  });

  it('points at the empty binds list', () => {
    expect(refusal('# gateway\nconfig: {}\nbinds: []\n')).toMatch(/^gw\.yaml:3:8: binds:/);
  });

  it('is accepted when the file asks for it', () => {
    const { snapshot } = compileText('allowNoListeners: true\nbinds: []\n');
    expect(snapshot.binds.size).toBe(0);
    expect(compileText('allowNoListeners: true\n').snapshot.binds.size).toBe(0);
  });

  it('allowNoListeners: false is no opt-in', () => {
    expect(refusal('allowNoListeners: false\n')).toContain('the config has no listeners');
  });
});
