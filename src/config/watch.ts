// Watches the config file and the files it references (key files, TLS material, JWKS,
// htpasswd) and reports changes, debounced. Directories are watched rather than the files
// themselves: editors that save by writing a temporary file and renaming it over the original
// replace the inode, which silently ends a watch on the file, while the directory watch sees
// the new name arrive and keeps working. For a symlinked file (Kubernetes ConfigMaps) the
// link's target directory is watched too; call `watch()` again after each reload so targets
// that moved are followed.
import { watch as fsWatch, realpathSync, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export interface WatchOptions {
  /** Quiet period after the last event before `onChange` (agentgateway uses 250 ms). */
  debounceMs?: number;
  onChange: (changed: string[]) => void;
  /** A directory could not be watched (it is retried on the next `watch()`). */
  onError?: (dir: string, error: Error) => void;
}

interface DirWatch {
  watcher: FSWatcher;
  /** Base names in this directory we care about -> the path reported for them. */
  names: Map<string, string>;
}

export class FileWatcher {
  private readonly dirs = new Map<string, DirWatch>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly opts: WatchOptions) {}

  /** Replaces the watched set with `files` (relative paths resolve against the cwd). */
  watch(files: Iterable<string>): void {
    if (this.closed) return;
    const wanted = new Map<string, Map<string, string>>();
    const want = (path: string, reportAs: string) => {
      const dir = dirname(path);
      let names = wanted.get(dir);
      if (names === undefined) wanted.set(dir, (names = new Map()));
      names.set(basename(path), reportAs);
    };
    for (const f of files) {
      const abs = resolve(f);
      want(abs, abs);
      const real = realTarget(abs);
      if (real !== null && real !== abs) want(real, abs);
    }
    for (const [dir, w] of this.dirs) {
      if (!wanted.has(dir)) {
        w.watcher.close();
        this.dirs.delete(dir);
      }
    }
    for (const [dir, names] of wanted) {
      const existing = this.dirs.get(dir);
      if (existing !== undefined) existing.names = names;
      else this.open(dir, names);
    }
  }

  /** Directories currently watched (for the admin API and tests). */
  watchedDirs(): string[] {
    return [...this.dirs.keys()];
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    for (const w of this.dirs.values()) w.watcher.close();
    this.dirs.clear();
  }

  private open(dir: string, names: Map<string, string>): void {
    let watcher: FSWatcher;
    try {
      watcher = fsWatch(dir, { persistent: false }, (_event, filename) => this.onEvent(dir, filename));
    } catch (e) {
      this.opts.onError?.(dir, e as Error);
      return;
    }
    const entry: DirWatch = { watcher, names };
    watcher.on('error', (e) => {
      // The directory itself went away; forget it so the next watch() re-establishes it.
      watcher.close();
      if (this.dirs.get(dir) === entry) this.dirs.delete(dir);
      this.opts.onError?.(dir, e);
      this.touched([...names.values()]);
    });
    this.dirs.set(dir, entry);
  }

  private onEvent(dir: string, filename: string | Buffer | null): void {
    const w = this.dirs.get(dir);
    if (w === undefined) return;
    if (filename === null) {
      // Some platforms do not say which entry changed: assume any of ours did.
      this.touched([...w.names.values()]);
      return;
    }
    const reportAs = w.names.get(filename.toString());
    if (reportAs !== undefined) this.touched([reportAs]);
  }

  private touched(paths: string[]): void {
    if (this.closed) return;
    for (const p of paths) this.pending.add(p);
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      const changed = [...this.pending];
      this.pending = new Set();
      this.opts.onChange(changed);
    }, this.opts.debounceMs ?? 250);
  }
}

function realTarget(path: string): string | null {
  try {
    return realpathSync(path);
  } catch {
    return null; // not there (yet): the directory watch will see it appear
  }
}
