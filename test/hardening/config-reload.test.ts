// A config that opens no port is refused like any bad file — an empty, comment-only or truncated
// save, `binds: []`, an empty POST /api/config — while clients keep getting answers; only a file
// that says `allowNoListeners: true` may close every port.
import { truncateSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient, configFile } from '../helpers/admin-client.js';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { scrape, total } from '../helpers/prometheus.js';
import { waitUntilAsync } from '../helpers/wait.js';
import { freePort } from '../helpers/ports.js';

const DATA = await freePort();
const ADMIN = await freePort();
const STATS = await freePort();

const GOOD = `# the gateway
binds:
- port: ${DATA}
  listeners:
  - routes:
    - name: chat
      backends: [{ai: {name: chat, provider: {mock: {response: "still here"}}}}]
`;

/** One chat completion on a fresh connection (a closed port shows as ECONNREFUSED at once). */
function ask(): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const req = request(
      {
        host: '127.0.0.1',
        port: DATA,
        path: '/v1/chat/completions',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () =>
          res.statusCode === 200 && text.includes('still here') ? resolve(200) : reject(new Error(`${res.statusCode} ${text}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Clients calling the gateway back to back until stopped; every failure is kept. */
class Hammer {
  ok = 0;
  readonly failures: string[] = [];
  private running = true;
  private readonly workers: Promise<void>[];

  constructor(concurrency: number) {
    this.workers = Array.from({ length: concurrency }, () => this.loop());
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        await ask();
        this.ok++;
      } catch (e) {
        this.failures.push((e as Error).message);
      }
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }
}

describe('a config with no listeners', () => {
  let gw: GatewayProcess;
  let file: string;
  const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);

  /** Writes `text` (or lets `edit` change the file) and waits for the rejected reload it causes. */
  async function refused(edit: () => void): Promise<any> {
    const before = (await admin.runtime()).reloads.failures;
    edit();
    return admin.waitForFailure(before);
  }

  beforeAll(async () => {
    file = configFile(GOOD);
    gw = await GatewayProcess.start({
      args: ['-f', file],
      env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, STATS_ADDR: `127.0.0.1:${STATS}`, READINESS_ADDR: 'off' },
    });
  });
  afterAll(async () => {
    expect(await gw?.stop()).toBe(0);
  });

  it('truncated, written empty, comment-only, binds: [] — each refused under traffic, not one request lost', async () => {
    const hammer = new Hammer(4);
    try {
      const version = (await admin.runtime()).version;
      // a save caught half-way: truncated first, the content a moment later
      let rt = await refused(() => truncateSync(file, 0));
      expect(rt.lastReload).toMatchObject({ ok: false, trigger: 'file' });
      expect(rt.lastReload.problems).toEqual([expect.objectContaining({ path: 'binds', line: 1, col: 1 })]);
      expect(rt.lastReload.error).toContain(`${file}:1:1: binds: the config has no listeners`);
      expect(rt.lastReload.error).toContain('allowNoListeners: true');
      expect(rt.synchronized).toBe(false);
      expect(total(await scrape(`http://127.0.0.1:${STATS}/metrics`), 'agentgateway_config_synchronized')).toBe(0);
      await gw.waitFor('config reload failed; still serving version');

      writeFileSync(file, GOOD);
      rt = await admin.waitForVersion(version + 1);
      expect(rt.synchronized).toBe(true);
      expect(total(await scrape(`http://127.0.0.1:${STATS}/metrics`), 'agentgateway_config_synchronized')).toBe(1);

      for (const text of ['', '# only a comment\n', 'binds: []\n', `config:\n  statsAddr: 127.0.0.1:${STATS}\n`]) {
        rt = await refused(() => writeFileSync(file, text));
        expect(rt.lastReload.problems[0].message).toMatch(/^the config has no listeners/);
        expect(rt.version).toBe(version + 1);
        expect(rt.binds.map((b: any) => [b.port, b.listening])).toEqual([[DATA, true]]);
      }
      writeFileSync(file, GOOD);
      expect((await admin.waitForVersion(version + 2)).synchronized).toBe(true);
    } finally {
      await hammer.stop();
    }
    expect(hammer.failures).toEqual([]);
    expect(hammer.ok).toBeGreaterThan(20);
  });

  it('POST /api/config with an empty body is an error, not {"ok": true}, and the file is untouched', async () => {
    const before = await admin.runtime();
    for (const body of ['', '# nothing\n', 'binds: []']) {
      const r = await admin.request('/api/config', { method: 'POST', body });
      expect(r.status).toBe(400);
      const answer = (await r.json()) as any;
      expect(answer.ok).toBe(false);
      expect(answer.problems[0]).toMatchObject({ path: 'binds' });
      expect(answer.error).toContain('the config has no listeners');
      const v = await admin.request('/api/config/validate', { method: 'POST', body });
      expect(v.status).toBe(400);
    }
    const after = await admin.runtime();
    expect(after.version).toBe(before.version);
    expect((await admin.json('/api/config')).yaml).toBe(GOOD);
    expect(await ask()).toBe(200);
  });

  it('allowNoListeners: true closes every port on purpose; the next config opens them again', async () => {
    const version = (await admin.runtime()).version;
    const r = await admin.request('/api/config', { method: 'POST', body: '# maintenance: serve nothing\nallowNoListeners: true\n' });
    expect(r.status).toBe(200);
    expect(((await r.json()) as any).ok).toBe(true);
    await expect(ask()).rejects.toThrow(/ECONNREFUSED/);
    expect((await admin.runtime()).binds).toEqual([]);
    writeFileSync(file, GOOD);
    await admin.waitForVersion(version + 2);
    await waitUntilAsync(async () => (await ask()) === 200, 5000, 'the port open again');
  });
});

describe('the command line', () => {
  it('--validate-only and startup refuse an empty config and accept the opt-in', async () => {
    const empty = configFile('# nothing here yet\n');
    const v = await runCli(['--validate-only', '-f', empty]);
    expect(v.code).toBe(1);
    expect(v.output).toContain(`invalid config:\n${empty}:1:1: binds: the config has no listeners`);
    const start = await runCli(['-f', empty], { ADMIN_ADDR: 'off', STATS_ADDR: 'off', READINESS_ADDR: 'off' });
    expect(start.code).toBe(1);
    expect(start.output).toContain('the config has no listeners');
    const ok = await runCli(['--validate-only', '-f', configFile('allowNoListeners: true\n')]);
    expect(ok.code).toBe(0);
    expect(ok.output).toContain('config OK');
  });
});
