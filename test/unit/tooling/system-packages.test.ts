// The test run's system-package check (test/setup/system-packages.ts): which selected files need
// which Debian package, how a missing one is found, and the command the run stops with.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { explain, installCommand, missingFor, onPath } from '../../setup/system-packages.js';

const dir = mkdtempSync(join(tmpdir(), 'agw-syspkg-'));
const file = (name: string, text: string) => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};
const ui = file('ui.test.ts', "import { chromium } from 'playwright-core';\n");
const redis = file('redis.test.ts', "import { RedisServer } from '../helpers/redis-server.js';\n");
const plain = file('plain.test.ts', "import { it } from 'vitest';\n");

const saved = { PATH: process.env.PATH, CHROMIUM_PATH: process.env.CHROMIUM_PATH };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.CHROMIUM_PATH === undefined) delete process.env.CHROMIUM_PATH;
  else process.env.CHROMIUM_PATH = saved.CHROMIUM_PATH;
});

describe('system packages for the selected suites', () => {
  it('finds commands on PATH', () => {
    expect(onPath('node', dirname(process.execPath))).toBe(true);
    expect(onPath('no-such-command-agw', process.env.PATH)).toBe(false);
  });

  it('counts only what the selected files need and the machine lacks', () => {
    process.env.PATH = join(dir, 'empty-bin');
    process.env.CHROMIUM_PATH = join(dir, 'no-chromium');
    expect(missingFor([plain])).toEqual([]);
    expect(missingFor([ui, plain])).toEqual(['chromium']);
    expect(missingFor([redis])).toEqual(['redis-server']);
    expect(missingFor([ui, redis])).toEqual(['chromium', 'redis-server']);
    process.env.CHROMIUM_PATH = process.execPath; // any file that exists stands in for the browser
    expect(missingFor([ui, redis])).toEqual(['redis-server']);
  });

  it('stops with the exact command to run', () => {
    expect(installCommand(['chromium', 'redis-server'], true)).toBe(
      'sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium redis-server',
    );
    expect(explain(['redis-server'], false)).toContain(installCommand(['redis-server'], process.getuid?.() !== 0));
    expect(explain(['redis-server'], true)).toContain('apt-get could not install it');
  });
});
