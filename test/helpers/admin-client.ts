// Talking to a test gateway's admin API, and writing its config file the ways editors do.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntilAsync } from './wait.js';

export class AdminClient {
  constructor(
    readonly base: string,
    private readonly token?: string,
  ) {}

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.token !== undefined) headers.set('authorization', `Bearer ${this.token}`);
    return fetch(`${this.base}${path}`, { ...init, headers });
  }

  async json(path: string, init: RequestInit = {}): Promise<any> {
    const r = await this.request(path, init);
    const body = await r.text();
    try {
      return JSON.parse(body);
    } catch {
      throw new Error(`${path}: ${r.status} ${body}`);
    }
  }

  runtime(): Promise<any> {
    return this.json('/api/runtime');
  }

  /** Waits until the serving config has version `v` or later (generous deadline). */
  async waitForVersion(v: number, timeoutMs = 10_000): Promise<any> {
    let rt: any;
    await waitUntilAsync(async () => (rt = await this.runtime()).version >= v, timeoutMs, `config version ${v}`);
    return rt;
  }

  /** Waits until a reload attempt after `failuresBefore` failures was rejected. */
  async waitForFailure(failuresBefore: number, timeoutMs = 10_000): Promise<any> {
    let rt: any;
    await waitUntilAsync(async () => (rt = await this.runtime()).reloads.failures > failuresBefore, timeoutMs, 'a rejected reload');
    return rt;
  }
}

/** A fresh directory with `config.yaml` holding `text`; returns the file's path. */
export function configFile(text: string, name = 'config.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'agw-cfg-'));
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** Saves the way many editors do: write a temporary file beside it, rename it over the original. */
export function replaceByRename(file: string, text: string): void {
  const tmp = `${file}.swp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Management addresses for a test gateway on the given ports (stats off). */
export function managementEnv(adminPort: number, readinessPort: number | 'off' = 'off'): Record<string, string> {
  return {
    ADMIN_ADDR: `127.0.0.1:${adminPort}`,
    READINESS_ADDR: readinessPort === 'off' ? 'off' : `127.0.0.1:${readinessPort}`,
    STATS_ADDR: 'off',
  };
}
