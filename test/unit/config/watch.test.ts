import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileWatcher } from '../../../src/config/watch.js';
import { waitUntil } from '../../helpers/wait.js';

describe('FileWatcher', () => {
  let watcher: FileWatcher | null = null;
  afterEach(() => watcher?.close());

  function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'agw-watch-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'a: 1\n');
    const batches: string[][] = [];
    watcher = new FileWatcher({ debounceMs: 50, onChange: (c) => batches.push(c) });
    return { dir, file, batches };
  }

  it('reports an in-place write, debounced into one batch', async () => {
    const { file, batches } = setup();
    watcher!.watch([file]);
    writeFileSync(file, 'a: 2\n');
    writeFileSync(file, 'a: 3\n');
    await waitUntil(() => batches.length > 0, 5000, 'change reported');
    await new Promise((r) => setTimeout(r, 150));
    expect(batches).toEqual([[file]]);
  });

  it('keeps watching after editors replace the file by rename, again and again', async () => {
    const { dir, file, batches } = setup();
    watcher!.watch([file]);
    for (let i = 1; i <= 3; i++) {
      writeFileSync(join(dir, '.config.yaml.swp'), `a: ${i}\n`);
      renameSync(join(dir, '.config.yaml.swp'), file);
      await waitUntil(() => batches.length >= i, 5000, `rename ${i} reported`);
    }
    expect(batches.every((b) => b.length === 1 && b[0] === file)).toBe(true);
  });

  it('ignores other files in the same directory', async () => {
    const { dir, file, batches } = setup();
    watcher!.watch([file]);
    writeFileSync(join(dir, 'other.txt'), 'x');
    writeFileSync(join(dir, 'config.yaml.bak'), 'x');
    await new Promise((r) => setTimeout(r, 300));
    expect(batches).toEqual([]);
  });

  it('watches referenced files in other directories, and the set can change', async () => {
    const { dir, file, batches } = setup();
    mkdirSync(join(dir, 'keys'));
    const key = join(dir, 'keys', 'openai.key');
    writeFileSync(key, 'k1');
    watcher!.watch([file, key]);
    expect(watcher!.watchedDirs().sort()).toEqual([dir, join(dir, 'keys')].sort());
    writeFileSync(key, 'k2');
    await waitUntil(() => batches.length === 1, 5000, 'key change reported');
    expect(batches[0]).toEqual([key]);
    watcher!.watch([file]);
    expect(watcher!.watchedDirs()).toEqual([dir]);
    writeFileSync(key, 'k3');
    await new Promise((r) => setTimeout(r, 300));
    expect(batches).toHaveLength(1);
  });

  it('sees a file that did not exist yet appear', async () => {
    const { dir, file, batches } = setup();
    const missing = join(dir, 'later.pem');
    watcher!.watch([file, missing]);
    writeFileSync(missing, 'pem');
    await waitUntil(() => batches.some((b) => b.includes(missing)), 5000, 'new file reported');
  });

  it('follows a symlinked file to its target directory', async () => {
    const { dir, file, batches } = setup();
    const real = join(dir, 'real');
    mkdirSync(real);
    writeFileSync(join(real, 'cfg.yaml'), 'a: 1\n');
    const link = join(dir, 'linked.yaml');
    symlinkSync(join(real, 'cfg.yaml'), link);
    watcher!.watch([file, link]);
    writeFileSync(join(real, 'cfg.yaml'), 'a: 2\n');
    await waitUntil(() => batches.some((b) => b.includes(link)), 5000, 'target change reported as the link');
    rmSync(dir, { recursive: true, force: true });
  });
});
