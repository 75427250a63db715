// basicAuth with bcrypt under a flood of wrong passwords: the hashing runs on worker threads, so
// requests on other routes keep being answered while the guesses are checked, and a wrong
// password sent again is refused from the cache without queueing behind the flood. (No timing
// thresholds: each assertion is about which answer comes first.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayProcess } from '../helpers/gateway-process.js';
import type { MockUpstream } from '../helpers/mock-upstream.js';
import { plainMock, startGateway } from '../helpers/traffic.js';
import { freePort } from '../helpers/ports.js';

const PORT = await freePort();
const BASE = `http://127.0.0.1:${PORT}`;
/** Half a second or more per check in bcryptjs: slow enough to see who waits. */
const COST = 13;

let mock: MockUpstream;
let gw: GatewayProcess;

beforeAll(async () => {
  mock = await plainMock();
  mock.handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  };
  const dir = mkdtempSync(join(tmpdir(), 'agw-basic-'));
  const htpasswd = join(dir, 'users.htpasswd');
  writeFileSync(htpasswd, `alice:${bcrypt.hashSync('correct-horse', COST)}\n`);
  gw = await startGateway(`
binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: secure
      matches: [{path: {pathPrefix: /secure}}]
      policies:
        basicAuth: {htpasswd: {file: ${htpasswd}}, mode: strict}
      backends: [{host: "127.0.0.1:${mock.port}"}]
    - name: open
      matches: [{path: {pathPrefix: /open}}]
      backends: [{host: "127.0.0.1:${mock.port}"}]
`);
});

afterAll(async () => {
  await gw?.stop();
  await mock?.close();
});

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

let guess = 0;
/** `n` distinct wrong passwords at once; `answered` turns true when the first answer arrives. */
function flood(n: number) {
  const state = { answered: false };
  const all = Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${BASE}/secure/x`, { headers: basic('alice', `guess-${++guess}`) }).then((r) => {
        state.answered = true;
        return r.status;
      }),
    ),
  );
  return { state, all };
}

describe('basicAuth bcrypt checks under a wrong-password flood', () => {
  it('the right password passes (checked once, then remembered)', async () => {
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${BASE}/secure/x`, { headers: basic('alice', 'correct-horse') });
      expect(r.status).toBe(200);
    }
  });

  it('other routes keep answering while the guesses are hashed', async () => {
    const f = flood(3);
    for (let i = 0; i < 40; i++) {
      const r = await fetch(`${BASE}/open/ping`);
      expect(r.status).toBe(200);
      await r.text();
    }
    // 40 requests went through the gateway and the upstream before a single guess was answered
    expect(f.state.answered).toBe(false);
    expect(await f.all).toEqual([401, 401, 401]);
  });

  it('a wrong password sent again is refused at once, not queued behind the flood', async () => {
    const wrong = basic('alice', 'tr0ub4dor');
    expect((await fetch(`${BASE}/secure/x`, { headers: wrong })).status).toBe(401);
    const f = flood(3);
    const again = await fetch(`${BASE}/secure/x`, { headers: wrong });
    expect(again.status).toBe(401);
    expect(again.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    // the remembered right password does not wait either
    expect((await fetch(`${BASE}/secure/x`, { headers: basic('alice', 'correct-horse') })).status).toBe(200);
    expect(f.state.answered).toBe(false);
    expect(await f.all).toEqual([401, 401, 401]);
  });

  it('logs neither the passwords nor the guesses', () => {
    expect(gw.output).not.toMatch(/correct-horse|tr0ub4dor|guess-\d/);
  });
});
