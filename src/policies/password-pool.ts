// Slow password checks (bcrypt, SHA-crypt, apr1: milliseconds of CPU each) run on a small pool of
// worker threads, so a client sending wrong basic-auth passwords or unknown API keys cannot stall
// every other request on the event loop. The pool starts with the first policy that needs it,
// does not keep the process alive, and bounds its queue: past MAX_PENDING waiting checks (a
// flood of distinct guesses, since repeated ones are answered from the policies' caches) a
// check is refused with a 503 and Retry-After rather than queued without end.
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { log } from '../observability/log.js';
import type { StoredHash } from './htpasswd.js';
import type { CheckReply, CheckRequest } from './password-worker.js';
import { GatewayError } from '../errors.js';

/** Checks waiting or running, over all workers, before new ones are refused. */
export const MAX_PENDING = 128;

interface Pending {
  resolve(index: number): void;
  reject(e: Error): void;
}

class PasswordWorker {
  readonly pending = new Map<number, Pending>();
  private readonly worker: Worker;

  constructor(
    file: URL,
    private readonly onExit: (w: PasswordWorker) => void,
  ) {
    this.worker = new Worker(file);
    this.worker.unref();
    this.worker.on('message', (m: CheckReply) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      p?.resolve(m.index);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new Error(`password worker exited (${code})`)));
  }

  send(req: CheckRequest, p: Pending): void {
    this.pending.set(req.id, p);
    this.worker.postMessage(req);
  }

  private fail(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.onExit(this);
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

export class PasswordPool {
  private workers: PasswordWorker[] = [];
  private nextId = 1;

  constructor(
    private readonly size: number,
    private readonly file: URL,
  ) {}

  /** Starts the workers now (at config load), so the first request does not wait for them. */
  warm(): void {
    while (this.workers.length < this.size) this.workers.push(this.spawn());
  }

  /** Index of the first hash `secret` matches, -1 for none; checked off the event loop. */
  firstMatch(secret: string, hashes: readonly StoredHash[]): Promise<number> {
    this.warm();
    let w = this.workers[0]!;
    let load = 0;
    for (const c of this.workers) if (c.pending.size < w.pending.size) w = c;
    for (const c of this.workers) load += c.pending.size;
    if (load >= MAX_PENDING) {
      return Promise.reject(
        new GatewayError('auth_overloaded', 'too many credential checks in progress; retry shortly', { headers: [['retry-after', '1']] }),
      );
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => w.send({ id, secret, hashes }, { resolve, reject }));
  }

  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private spawn(): PasswordWorker {
    return new PasswordWorker(this.file, (dead) => {
      const i = this.workers.indexOf(dead);
      if (i < 0) return;
      log.warn('password worker stopped; starting another');
      this.workers.splice(i, 1);
    });
  }
}

/**
 * The worker script beside this module. Run from TypeScript sources (the unit tests, tsx),
 * the compiled one in dist/ is used: worker threads do not inherit a TypeScript loader.
 */
export function workerFile(): URL {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return new URL('./password-worker.js', here);
  const built = new URL('../../dist/policies/password-worker.js', here);
  if (!existsSync(fileURLToPath(built)))
    throw new Error(`password checks need the compiled worker ${fileURLToPath(built)}: npm run build:ts`);
  return built;
}

let shared: PasswordPool | null = null;

/** The process's pool: one worker per core beyond the first (the event loop's), 1 to 4. */
export function passwordPool(): PasswordPool {
  shared ??= new PasswordPool(Math.min(4, Math.max(1, availableParallelism() - 1)), workerFile());
  return shared;
}
