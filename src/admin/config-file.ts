// Rewriting the config file from the admin API: the previous version is kept as `<file>.bak`,
// and the new text is written to a temporary file beside the original, flushed, then renamed
// over it, so a reader (our watcher, an editor, a crash) only ever sees the old or the new
// file, never half of one. A symlinked config (a ConfigMap-style layout) is written through to
// its target so the link stays a link.
import { closeSync, copyFileSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/** Replaces `file`'s contents with `text` atomically; returns the backup's path. */
export function writeConfigFile(file: string, text: string): string {
  const target = realpathSync(file);
  const backup = `${target}.bak`;
  copyFileSync(target, backup);
  writeAtomically(target, text);
  return backup;
}

/** Puts the backup taken by writeConfigFile back in place. */
export function restoreBackup(file: string, backup: string): void {
  const target = realpathSync(file);
  const tmp = tempName(target);
  copyFileSync(backup, tmp);
  renameSync(tmp, target);
}

function writeAtomically(target: string, text: string): void {
  const mode = statSync(target).mode & 0o777;
  const tmp = tempName(target);
  const fd = openSync(tmp, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, target);
}

function tempName(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${++counter}.tmp`);
}
