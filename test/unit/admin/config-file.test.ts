import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restoreBackup, writeConfigFile } from '../../../src/admin/config-file.js';

describe('writeConfigFile', () => {
  it('keeps the previous version as .bak, replaces the file whole and keeps its mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-write-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, 'old: 1\n');
    chmodSync(file, 0o640);
    const inode = statSync(file).ino;
    const backup = writeConfigFile(file, 'new: 2\n');
    expect(backup).toBe(`${file}.bak`);
    expect(readFileSync(file, 'utf8')).toBe('new: 2\n');
    expect(readFileSync(backup, 'utf8')).toBe('old: 1\n');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(statSync(file).ino).not.toBe(inode); // renamed into place, never written in place
    expect(readdirSync(dir).sort()).toEqual(['config.yaml', 'config.yaml.bak']); // no temp file left
    restoreBackup(file, backup);
    expect(readFileSync(file, 'utf8')).toBe('old: 1\n');
  });

  it('writes through a symlink to its target, leaving the link in place', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-write-'));
    mkdirSync(join(dir, 'data'));
    const target = join(dir, 'data', 'config.yaml');
    writeFileSync(target, 'old: 1\n');
    const link = join(dir, 'config.yaml');
    symlinkSync(target, link);
    writeConfigFile(link, 'new: 2\n');
    expect(readlinkSync(link)).toBe(target);
    expect(readFileSync(target, 'utf8')).toBe('new: 2\n');
    expect(readFileSync(`${target}.bak`, 'utf8')).toBe('old: 1\n');
  });
});
