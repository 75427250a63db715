// The admin API and readiness server of the real gateway process: every endpoint, secret
// redaction, read-only mode, the token requirement, and two gateways sharing a host.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AdminClient, configFile, managementEnv } from '../helpers/admin-client.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';

// This file's gateways: data port and admin (and readiness) ports, free ones chosen at load.
const DATA = await freePort();
const ADMIN = await freePort();
const READY = await freePort();
const SECOND_DATA = await freePort();
const RO_DATA = await freePort();
const RO_ADMIN = await freePort();
const TOKEN_DATA = await freePort();
const TOKEN_ADMIN = await freePort();
const OPEN_DATA = await freePort();
const OPEN_ADMIN = await freePort();

const SECRETS = ['sk-admin-test-secret-0123456789', 'inline-header-secret-123', 'envsecret-abcdef-987'];

function yaml(port: number, response = 'hello admin', extra = ''): string {
  return `${extra}binds:
- port: ${port}
  listeners:
  - routes:
    - name: chat
      matches: [{path: {pathPrefix: /v1}}]
      policies:
        requestHeaderModifier: {set: {x-upstream-auth: "Bearer inline-header-secret-123"}}
      backends:
      - ai:
          name: mock-chat
          provider: {mock: {response: "${response}"}}
    - name: openai
      matches: [{path: {pathPrefix: /openai}}]
      backends:
      - ai:
          name: openai
          provider: {openAI: {model: gpt-4o-mini}}
          policies:
            backendAuth: {key: sk-admin-test-secret-0123456789}
    - name: anthropic
      matches: [{path: {pathPrefix: /anthropic}}]
      backends:
      - ai:
          name: anthropic
          provider: {anthropic: {}}
          policies:
            backendAuth: {key: $TEST_SECRET_KEY}
`;
}

async function ask(port: number, prefix = '/v1'): Promise<{ status: number; text: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${prefix}/chat/completions`, {
    method: 'POST',
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
  });
  const body = (await r.json()) as any;
  return { status: r.status, text: body.choices?.[0]?.message?.content ?? JSON.stringify(body) };
}

/** A raw request with a Host header of our choosing (fetch does not allow setting it). */
function rawGet(port: number, path: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    })
      .on('error', reject)
      .end();
  });
}

function expectNoSecrets(text: string): void {
  for (const s of SECRETS) expect(text).not.toContain(s);
}

describe('admin API', () => {
  const admin = new AdminClient(`http://127.0.0.1:${ADMIN}`);
  let gw: GatewayProcess;
  let file: string;

  beforeAll(async () => {
    file = configFile(yaml(DATA));
    gw = await GatewayProcess.start({ args: ['-f', file], env: { ...managementEnv(ADMIN, READY), TEST_SECRET_KEY: SECRETS[2]! } });
    expect((await ask(DATA)).text).toBe('hello admin');
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('readiness says ready once the listeners are up', async () => {
    const r = await fetch(`http://127.0.0.1:${READY}/healthz/ready`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('ready\n');
  });

  it('GET /config_dump: the effective config and runtime state, every secret redacted', async () => {
    const r = await admin.request('/config_dump');
    expect(r.status).toBe(200);
    const text = await r.text();
    expectNoSecrets(text);
    const dump = JSON.parse(text);
    const routes = dump.config.binds[0].listeners[0].routes;
    expect(routes.map((x: any) => x.name)).toEqual(['chat', 'openai', 'anthropic']);
    expect(routes[0].policies.requestHeaderModifier.set['x-upstream-auth']).toBe('<redacted>');
    expect(routes[1].backends[0].ai.policies.backendAuth.key).toBe('<redacted>');
    expect(routes[2].backends[0].ai.policies.backendAuth.key).toBe('<redacted>'); // env-substituted value
    expect(dump.runtime.binds[0].port).toBe(DATA);
    expect(dump.version).toBe(1);
  });

  it('GET|POST /logging reads and sets the level (POST /logging?level=debug), ?reset restores it', async () => {
    expect(await admin.json('/logging')).toEqual({ level: 'info', startupLevel: 'info' });
    // at warn the access log (info lines) is off; back at debug it is on again. Log lines are
    // written in order, so once the second request's line is out the first one would be too.
    expect(await admin.json('/logging?level=warn', { method: 'POST' })).toMatchObject({ level: 'warn' });
    await ask(DATA, '/v1/at-warn');
    expect(await admin.json('/logging?level=debug', { method: 'POST' })).toMatchObject({ level: 'debug' });
    await ask(DATA, '/v1/at-debug');
    await gw.waitFor('http.path=/v1/at-debug/chat/completions');
    expect(gw.output).not.toContain('/v1/at-warn/');
    const bad = await admin.request('/logging?level=loud', { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(await admin.json('/logging?reset', { method: 'POST' })).toMatchObject({ level: 'info' });
  });

  it('GET /api/config: the file as written, inline secrets masked, env references kept', async () => {
    const c = await admin.json('/api/config');
    expect(c).toMatchObject({ file, writable: true, readOnly: false, version: 1 });
    expectNoSecrets(c.yaml);
    expect(c.yaml).toContain('backendAuth: {key: $TEST_SECRET_KEY}');
    expect(c.yaml.match(/<redacted:[0-9a-f]{16}>/g)).toHaveLength(2);
  });

  it('POST /api/config/validate answers with positioned problems', async () => {
    const good = await admin.request('/api/config/validate', { method: 'POST', body: yaml(DATA, 'other') });
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ ok: true, warnings: [] });
    const bad = await admin.request('/api/config/validate', {
      method: 'POST',
      body: yaml(DATA).replace('pathPrefix: /openai', 'pathPrefx: /openai'),
    });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as any;
    expect(body.problems).toEqual([
      {
        path: 'binds[0].listeners[0].routes[1].matches[0].path.pathPrefx',
        line: 14,
        col: 25,
        message: 'unknown key "pathPrefx" (did you mean "pathPrefix"?)',
      },
    ]);
    expect(body.error).toBe(
      `${file}:14:25: binds[0].listeners[0].routes[1].matches[0].path.pathPrefx: unknown key "pathPrefx" (did you mean "pathPrefix"?)`,
    );
  });

  it('POST /api/config rejects an invalid config and changes nothing', async () => {
    const before = readFileSync(file, 'utf8');
    const r = await admin.request('/api/config', { method: 'POST', body: 'binds:\n- port: "x"\n' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as any).problems[0]).toMatchObject({ path: 'binds[0].port', line: 2 });
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect((await admin.runtime()).version).toBe(1);
  });

  it('POST /api/config writes the file (secrets put back, backup kept) and reloads', async () => {
    const before = readFileSync(file, 'utf8');
    const { yaml: masked } = await admin.json('/api/config');
    const r = await admin.request('/api/config', { method: 'POST', body: masked.replace('hello admin', 'edited through the API') });
    const body = (await r.json()) as any;
    expect(r.status).toBe(200);
    expect(body).toMatchObject({ ok: true, version: 2, backup: `${file}.bak` });
    expect((await ask(DATA)).text).toBe('edited through the API');
    const written = readFileSync(file, 'utf8');
    expect(written).toBe(before.replace('hello admin', 'edited through the API'));
    expect(readFileSync(`${file}.bak`, 'utf8')).toBe(before);
    const rt = await admin.runtime();
    expect(rt.lastReload).toMatchObject({ ok: true, trigger: 'api', version: 2 });
    expect(rt.synchronized).toBe(true);
  });

  it('GET /api/runtime: binds, routes, backends with health, version and last reload', async () => {
    await ask(DATA);
    const rt = await admin.runtime();
    expect(rt).toMatchObject({ version: 2, fromFile: true, readOnly: false, pending: [], reloads: { failures: 0 } });
    const bind = rt.binds[0];
    expect(bind).toMatchObject({ port: DATA, listening: true });
    const [chat, openai] = bind.listeners[0].routes;
    expect(chat).toMatchObject({ key: `${DATA}/listener0/chat`, name: 'chat', matches: [{ path: { pathPrefix: '/v1' } }] });
    expect(chat.backends[0]).toMatchObject({ kind: 'ai', name: 'mock-chat', provider: 'mock', health: { state: 'healthy' } });
    expect(openai.backends[0]).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      target: 'https://api.openai.com:443',
      health: { state: 'unknown' },
    });
    expect(openai.backends[0].state[0].id).toBe('https://api.openai.com:443::pool');
    expectNoSecrets(JSON.stringify(rt));
  });

  it('GET /api/requests: recent requests with route, backend, model and status', async () => {
    // With worker threads the serving thread forwards its recent requests in batches (50 ms).
    const { requests, last } = await vi.waitFor(async () => {
      const page = await admin.json('/api/requests');
      expect(page.requests.length).toBeGreaterThan(0);
      expect(page.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: '/v1/chat/completions',
        route: `${DATA}/listener0/chat`,
        backend: 'mock-chat',
        model: 'm',
        status: 200,
      });
      return page;
    });
    expect(requests.at(-1).seq).toBe(last);
    await ask(DATA, '/nowhere');
    await vi.waitFor(async () => {
      const newer = await admin.json(`/api/requests?since=${last}`);
      expect(newer.requests).toEqual([expect.objectContaining({ path: '/nowhere/chat/completions', status: 404, route: null })]);
    });
  });

  it('serves the UI, and says 404/405 for unknown paths and methods', async () => {
    const root = await admin.request('/', { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/ui/');
    const ui = await admin.request('/ui/');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await ui.text()).toContain('<div id="app">');
    expect((await admin.request('/nope')).status).toBe(404);
    const wrong = await admin.request('/api/runtime', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });

  it('refuses cross-origin writes and requests addressed to other host names', async () => {
    const r = await admin.request('/api/config', { method: 'POST', body: yaml(DATA), headers: { origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(await rawGet(ADMIN, '/api/runtime', `evil.example:${ADMIN}`)).toBe(403);
    expect(await rawGet(ADMIN, '/api/runtime', `localhost:${ADMIN}`)).toBe(200);
  });

  it('a second gateway on the same host warns that the admin port is taken and serves anyway', async () => {
    const second = await GatewayProcess.start({
      args: ['-f', configFile(yaml(SECOND_DATA, 'second gateway'))],
      env: { ...managementEnv(ADMIN, READY), TEST_SECRET_KEY: 'x' },
    });
    try {
      expect(second.output).toMatch(new RegExp(`admin server disabled: cannot listen on 127\\.0\\.0\\.1:${ADMIN}: address already in use`));
      expect(second.output).toMatch(new RegExp(`readiness server disabled: cannot listen on 127\\.0\\.0\\.1:${READY}`));
      expect((await ask(SECOND_DATA)).text).toBe('second gateway');
      expect((await admin.runtime()).binds[0].port).toBe(DATA); // the first one's admin is untouched
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });

  it('never logs a secret', () => {
    expectNoSecrets(gw.output);
  });
});

describe('admin API: read-only mode', () => {
  it.each([
    ['UI_READ_ONLY=true', { UI_READ_ONLY: 'true' }, ''],
    ['config.storage.mode: readOnly', {}, 'config:\n  storage: {mode: readOnly}\n'],
  ])('%s: config can be read and validated but not written', async (_name, env, extra) => {
    const file = configFile(yaml(RO_DATA, 'read only', extra));
    const gw = await GatewayProcess.start({ args: ['-f', file], env: { ...managementEnv(RO_ADMIN), TEST_SECRET_KEY: 'x', ...env } });
    const admin = new AdminClient(`http://127.0.0.1:${RO_ADMIN}`);
    try {
      const c = await admin.json('/api/config');
      expect(c).toMatchObject({ writable: false, readOnly: true });
      expect((await admin.request('/api/config/validate', { method: 'POST', body: c.yaml })).status).toBe(200);
      const before = readFileSync(file, 'utf8');
      const r = await admin.request('/api/config', { method: 'POST', body: c.yaml.replace('read only', 'changed') });
      expect(r.status).toBe(403);
      expect(((await r.json()) as any).error).toMatch(/read-only/);
      expect(readFileSync(file, 'utf8')).toBe(before);
      expect(existsSync(`${file}.bak`)).toBe(false);
      expect((await ask(RO_DATA)).text).toBe('read only');
    } finally {
      await gw.stop();
    }
  });

  it('an inline (-c) config has no file to write: 409', async () => {
    const gw = await GatewayProcess.start({
      args: ['-c', yaml(RO_DATA, 'inline')],
      env: { ...managementEnv(RO_ADMIN), TEST_SECRET_KEY: 'x' },
    });
    const admin = new AdminClient(`http://127.0.0.1:${RO_ADMIN}`);
    try {
      expect((await admin.json('/api/config')).writable).toBe(false);
      expect((await admin.request('/api/config', { method: 'POST', body: yaml(RO_DATA, 'x') })).status).toBe(409);
    } finally {
      await gw.stop();
    }
  });
});

describe('admin API: token', () => {
  it('an admin address other machines can reach requires the token on every API call', async () => {
    const token = 'admin-token-under-test-42';
    const gw = await GatewayProcess.start({
      args: ['-f', configFile(yaml(TOKEN_DATA))],
      env: { ...managementEnv(TOKEN_ADMIN), ADMIN_ADDR: `0.0.0.0:${TOKEN_ADMIN}`, ADMIN_TOKEN: token, TEST_SECRET_KEY: 'x' },
    });
    try {
      const anonymous = await fetch(`http://127.0.0.1:${TOKEN_ADMIN}/api/runtime`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await new AdminClient(`http://127.0.0.1:${TOKEN_ADMIN}`, 'wrong').request('/config_dump')).status).toBe(401);
      expect((await new AdminClient(`http://127.0.0.1:${TOKEN_ADMIN}`, token).request('/api/runtime')).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${TOKEN_ADMIN}/logging`, { method: 'POST' })).status).toBe(401);
      expect((await fetch(`http://127.0.0.1:${TOKEN_ADMIN}/ui/`)).status).toBe(200); // the page itself holds nothing
      expect(gw.output).toContain('token required');
      expect(gw.output).not.toContain(token);
    } finally {
      await gw.stop();
    }
  });

  it('without a token such an address is not served at all, and the data plane runs', async () => {
    const gw = await GatewayProcess.start({
      args: ['-f', configFile(yaml(OPEN_DATA, 'no admin'))],
      env: { ...managementEnv(OPEN_ADMIN), ADMIN_ADDR: `0.0.0.0:${OPEN_ADMIN}`, TEST_SECRET_KEY: 'x' },
    });
    try {
      expect(gw.output).toMatch(
        new RegExp(`admin server disabled: 0\\.0\\.0\\.0:${OPEN_ADMIN} is reachable from other machines and no admin token is set`),
      );
      await expect(fetch(`http://127.0.0.1:${OPEN_ADMIN}/api/runtime`)).rejects.toThrow();
      expect((await ask(OPEN_DATA)).text).toBe('no admin');
    } finally {
      await gw.stop();
    }
  });
});
