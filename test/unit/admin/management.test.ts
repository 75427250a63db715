import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readinessHandler } from '../../../src/admin/readiness.js';
import { adminSettings, isLoopback } from '../../../src/admin/settings.js';
import { tokenMatches } from '../../../src/admin/http.js';
import { ReloadStatus, type ReloadResult } from '../../../src/runtime/reload-status.js';
import { startupChanges } from '../../../src/runtime/reload-diff.js';

describe('readiness handler', () => {
  let server: Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  async function serve(pending: string[]): Promise<string> {
    server = createServer(readinessHandler(() => pending));
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('says what is pending with 500, then ready with 200', async () => {
    const pending = ['listener :3000'];
    const base = await serve(pending);
    let r = await fetch(`${base}/healthz/ready`);
    expect(r.status).toBe(500);
    expect(await r.text()).toBe('not ready, pending: listener :3000\n');
    pending.length = 0;
    r = await fetch(`${base}/healthz/ready`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ready\n');
  });

  it('405 for other methods, 404 for other paths', async () => {
    const base = await serve([]);
    expect((await fetch(`${base}/healthz/ready`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${base}/healthz/live`)).status).toBe(404);
  });
});

describe('admin settings', () => {
  it('knows loopback addresses', () => {
    for (const h of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '192.168.1.2']) expect(isLoopback(h)).toBe(false);
  });

  it('environment wins over config for address, token and read-only', () => {
    const config = { config: { adminAddr: '0.0.0.0:4299', adminToken: 'from-config', storage: { mode: 'file' as const } } };
    const fromConfig = adminSettings(config, '/x/cfg.yaml', {});
    expect(fromConfig).toMatchObject({ addr: { host: '0.0.0.0', port: 4299 }, token: 'from-config', readOnly: false, loopback: false });
    const prev = process.env.ADMIN_ADDR;
    process.env.ADMIN_ADDR = '127.0.0.1:4298';
    try {
      const fromEnv = adminSettings(config, '/x/cfg.yaml', { ADMIN_TOKEN: 'from-env', UI_READ_ONLY: 'true' });
      expect(fromEnv).toMatchObject({ addr: { host: '127.0.0.1', port: 4298 }, token: 'from-env', readOnly: true, loopback: true });
    } finally {
      if (prev === undefined) delete process.env.ADMIN_ADDR;
      else process.env.ADMIN_ADDR = prev;
    }
    expect(adminSettings({ config: { storage: { mode: 'readOnly' } } }, '/x/cfg.yaml', {}).readOnly).toBe(true);
  });

  it('compares bearer tokens', () => {
    expect(tokenMatches('Bearer s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('bearer s3cret', 's3cret')).toBe(true);
    expect(tokenMatches('Bearer s3cre', 's3cret')).toBe(false);
    expect(tokenMatches('s3cret', 's3cret')).toBe(false);
    expect(tokenMatches(undefined, 's3cret')).toBe(false);
  });
});

describe('reload status', () => {
  const result = (ok: boolean): ReloadResult => ({ ok, trigger: 'file', at: '', file: 'f', version: 1, durationMs: 0, warnings: [] });

  it('tells listeners at once and after every attempt; out of sync until the next good reload', () => {
    const status = new ReloadStatus();
    const seen: [boolean, number, number][] = [];
    const stop = status.subscribe((s) => seen.push([s.synchronized, s.successes, s.failures]));
    status.record(result(false));
    status.record(result(false));
    status.record(result(true));
    stop();
    status.record(result(false));
    expect(seen).toEqual([
      [true, 0, 0],
      [false, 0, 1],
      [false, 0, 2],
      [true, 1, 2],
    ]);
    expect(status.current.synchronized).toBe(false);
  });

  it('names the startup settings that changed', () => {
    expect(startupChanges({ config: { adminAddr: 'a:1' } }, { config: { adminAddr: 'a:2', statsAddr: 'off' } })).toEqual([
      expect.stringMatching(/^config\.adminAddr changed: .*restart/),
      expect.stringMatching(/^config\.statsAddr changed/),
    ]);
    expect(startupChanges({ config: { logging: { level: 'info' } } }, { config: { logging: { level: 'info' } }, binds: [] })).toEqual([]);
  });
});
