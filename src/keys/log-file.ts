// The embedded store's file: an append-only log of JSON records, one per line, each prefixed
// with its CRC-32, that starts with a snapshot of the whole state. Why a log and not SQLite:
// the state is small and lives in memory (key lookups and budget checks never touch the disk),
// so the file only has to make changes durable, and an append is the cheapest durable write
// there is; no native module to build, nothing to tune.
//
// Durability:
// - An admin change (create, rotate, revoke, budgets) is written and fsync'd before the API
//   answers: once acknowledged it survives kill -9 and power loss.
// - Spend records are written at the end of the event-loop turn that settled them (so they are
//   in the OS page cache, which survives kill -9 of the gateway, before the client could act on
//   the response) and fsync'd together every `syncMs` (group commit: a power loss costs at
//   most that window of spend, never an admin change).
// - A crash can leave a torn last line: replay drops it (its CRC or newline is missing). A bad
//   line anywhere else is corruption, and the store refuses to open rather than start empty.
// - Compaction writes the snapshot to `<file>.compact`, fsyncs it, appends what was logged
//   meanwhile and renames it over the log (atomic), so there is always one valid file.
//
// The file is owned by one gateway: `<file>.lock` holds its pid, and a live other pid refuses.
import {
  closeSync,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  truncateSync,
  unlinkSync,
  write as writeAsync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { crc32 } from 'node:zlib';

export class StoreFileError extends Error {}

export interface LogOptions {
  /** Group-commit interval for spend records (ms). */
  syncMs: number;
}

const fsyncP = (fd: number) => new Promise<void>((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
const writeP = (fd: number, b: Buffer) => new Promise<void>((resolve, reject) => writeAsync(fd, b, (e) => (e ? reject(e) : resolve())));

export function encodeRecord(rec: unknown): string {
  const json = JSON.stringify(rec);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
}

/** Replays a log's records in order; returns the byte length of the valid prefix. */
export function replay(
  path: string,
  apply: (rec: Record<string, unknown>) => void,
): { validBytes: number; torn: boolean; records: number } {
  if (!existsSync(path)) return { validBytes: 0, torn: false, records: 0 };
  const buf = readFileSync(path);
  let offset = 0;
  let records = 0;
  let line = 0;
  while (offset < buf.length) {
    line++;
    const nl = buf.indexOf(0x0a, offset);
    const end = nl < 0 ? buf.length : nl;
    const text = buf.subarray(offset, end).toString('utf8');
    const last = nl < 0 || nl === buf.length - 1;
    const rec = decode(text);
    if (rec === null || nl < 0) {
      if (last) return { validBytes: offset, torn: true, records };
      throw new StoreFileError(`${path}: line ${line} is damaged (bad checksum); the file was left as it is`);
    }
    apply(rec);
    records++;
    offset = end + 1;
  }
  return { validBytes: offset, torn: false, records };
}

function decode(text: string): Record<string, unknown> | null {
  if (text.length < 10 || text[8] !== ' ') return null;
  const json = text.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== text.slice(0, 8)) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export class LogFile {
  private fd: number;
  private pending: string[] = [];
  private writeScheduled = false;
  private dirty = false;
  private readonly timer: NodeJS.Timeout;
  /** Lines logged while a compaction writes its snapshot (they go into the new file too). */
  private during: string[] | null = null;
  private compaction: Promise<void> | null = null;
  /** Bytes appended since the file last started with a snapshot. */
  appendedBytes = 0;
  private closing = false;
  private closed = false;

  private constructor(
    readonly path: string,
    opts: LogOptions,
  ) {
    this.fd = openSync(path, 'a');
    this.timer = setInterval(() => this.sync(), opts.syncMs);
    this.timer.unref();
  }

  /** Takes the lock, replays the log into `apply`, drops a torn tail; throws StoreFileError. */
  static open(path: string, opts: LogOptions, apply: (rec: Record<string, unknown>) => void): { log: LogFile; torn: boolean } {
    mkdirSync(dirname(path), { recursive: true });
    lock(path);
    try {
      const r = replay(path, apply);
      if (r.torn) truncateSync(path, r.validBytes);
      const log = new LogFile(path, opts);
      return { log, torn: r.torn };
    } catch (e) {
      unlock(path);
      throw e;
    }
  }

  /** Logs a record and resolves once it is on disk (fsync'd): for changes the caller acknowledges. */
  async appendDurable(rec: unknown): Promise<void> {
    if (this.compaction !== null) await this.compaction;
    this.flush();
    this.writeLine(encodeRecord(rec));
    await fsyncP(this.fd);
  }

  /** Logs a record at the end of this event-loop turn; fsync'd by the group commit. */
  append(rec: unknown): void {
    this.pending.push(encodeRecord(rec));
    if (this.writeScheduled) return;
    this.writeScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Rewrites the file as `snapshot` plus whatever is logged until the new file takes over. */
  compact(snapshot: unknown): Promise<void> {
    if (this.compaction !== null) return this.compaction;
    this.flush();
    const tmp = `${this.path}.compact`;
    const body = Buffer.from(encodeRecord(snapshot));
    this.during = [];
    const run = (async () => {
      const fd = openSync(tmp, 'w');
      try {
        await writeP(fd, body);
        await fsyncP(fd);
        this.flush();
        const tail = this.during!.join('');
        if (tail !== '') writeSync(fd, tail);
        fsyncSync(fd);
        renameSync(tmp, this.path);
        syncDir(this.path);
      } catch (e) {
        closeSync(fd);
        throw e;
      }
      const old = this.fd;
      this.fd = fd;
      closeSync(old);
      this.appendedBytes = Buffer.byteLength(this.during!.join(''));
    })();
    this.compaction = run.finally(() => {
      this.during = null;
      this.compaction = null;
    });
    return this.compaction;
  }

  /** Writes and fsyncs everything, releases the lock. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    if (this.compaction !== null) await this.compaction.catch(() => {});
    this.flush();
    this.closed = true;
    fsyncSync(this.fd);
    closeSync(this.fd);
    unlock(this.path);
  }

  private flush(): void {
    this.writeScheduled = false;
    if (this.pending.length === 0 || this.closed) return;
    const text = this.pending.join('');
    this.pending = [];
    this.writeLine(text);
  }

  private writeLine(text: string): void {
    writeSync(this.fd, text);
    this.appendedBytes += Buffer.byteLength(text);
    this.during?.push(text);
    this.dirty = true;
  }

  private sync(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    fsync(this.fd, () => {});
  }
}

function syncDir(file: string): void {
  try {
    const fd = openSync(dirname(file), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // some filesystems cannot fsync a directory; the rename is still atomic
  }
}

/** `<file>.lock` with our pid; a lock left by a process that is gone (kill -9) is taken over. */
function lock(path: string): void {
  const lockFile = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: 'wx' });
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const pid = Number(readFileSync(lockFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new StoreFileError(`${path} is in use by another process (pid ${pid}, see ${lockFile})`);
    }
    unlinkSync(lockFile);
  }
  throw new StoreFileError(`cannot take the lock ${lockFile}`);
}

function unlock(path: string): void {
  try {
    unlinkSync(`${path}.lock`);
  } catch {
    // already gone
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
