// The single executable (`npm run build:binary`): built here (or reused when no input changed),
// copied alone into an empty directory outside the checkout, and run as a user would run the
// guide's `agentgateway -f`: --version, --help, both guide configs driven by the official SDKs
// against TLS mock providers, the admin UI and readiness served from inside the binary, the
// Rust addon loaded from the binary when it was built, `--workers 2` with the worker thread's
// script from inside the binary, the libraries loaded on first use (ioredis for a Redis rate
// limit, the AWS signer and event-stream codec for Bedrock) found inside it. Then the
// unpacked-files cache: a tampered file is replaced, a directory others can write to is refused.
import Anthropic from '@anthropic-ai/sdk';
import bcrypt from 'bcryptjs';
import OpenAI from 'openai';
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, ROOT } from '../helpers/gateway-process.js';
import { CA_FILE } from '../helpers/mock-upstream.js';
import { ANTHROPIC_TEXT, OPENAI_TEXT } from '../helpers/provider-formats.js';
import { useProviderMocks } from '../helpers/provider-mocks.js';
import { freePort, freePorts, movePorts } from '../helpers/ports.js';
import { BEDROCK_HOST, BEDROCK_TEXT, CREDS, startBedrockMock } from '../helpers/bedrock-mock.js';
import { RedisServer } from '../helpers/redis-server.js';

const run = promisify(execFile);
const OPENAI_KEY = 'sk-openai-binary-secret-1';
const ANTHROPIC_KEY = 'sk-ant-binary-secret-2';
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

const mocks = useProviderMocks();
let dir: string;
let home: string;
let bin: string;
let built: { addon: boolean; size: number };

/** The environment of a user's shell, minus everything pointing into the checkout. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: '/usr/bin:/bin', HOME: home, TMPDIR: join(home, 'tmp'), AGW_NATIVE: process.env.AGW_NATIVE ?? '', ...extra };
}

function exec(args: string[], env: Record<string, string> = {}) {
  return run(bin, args, { cwd: dir, env: userEnv(env) });
}

beforeAll(async () => {
  // npm test builds dist/ui first; this only bundles and injects when an input changed.
  await run(process.execPath, [join(ROOT, 'src/binary/build.mjs'), '--if-stale'], { cwd: ROOT });
  built = JSON.parse(readFileSync(join(ROOT, 'dist/agentgateway.build.json'), 'utf8'));
  dir = mkdtempSync(join(tmpdir(), 'agw-bin-'));
  home = mkdtempSync(join(tmpdir(), 'agw-bin-home-'));
  mkdirSync(join(home, 'tmp'));
  bin = join(dir, 'agentgateway');
  copyFileSync(join(ROOT, 'dist/agentgateway'), bin);
  chmodSync(bin, 0o755);
}, 300_000);

describe('the binary, alone in an empty directory', () => {
  it('is one file', () => {
    expect(readdirSync(dir)).toEqual(['agentgateway']);
    expect(built.size).toBeGreaterThan(0);
  });

  it('--version and --help', async () => {
    const v = await exec(['--version']);
    expect(v.stdout.trim()).toBe(`agentgateway ${VERSION}`);
    const h = await exec(['--help']);
    expect(h.stdout).toMatch(/^Usage: agentgateway -f <config.yaml>/);
    expect(h.stdout).toContain('--validate-only');
  });

  it('--validate-only on the guide configs', async () => {
    for (const step of ['step1-basic-routing', 'step2-multi-provider']) {
      copyFileSync(join(ROOT, `configs/${step}/agentgateway.yaml`), join(dir, `${step}.yaml`));
      const r = await exec(['--validate-only', '-f', `${step}.yaml`], { OPENAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'y' });
      expect(r.stdout).toContain(`config OK: ${step}.yaml`);
    }
  });

  it('a bad config exits 1 naming file and line', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'binds:\n  - port: 3000\n    listenrs: []\n');
    const err = await exec(['-f', 'bad.yaml']).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(1);
    expect((err as { stderr: string }).stderr).toMatch(/bad\.yaml:3:5: .*unknown key "listenrs"/);
  });
});

describe("the guide's step 2 config served by the binary", () => {
  let gw: GatewayProcess;
  let port: number;
  let admin: number;
  let ready: number;
  let stats: number;

  beforeAll(async () => {
    port = await freePort();
    admin = await freePort();
    ready = await freePort();
    stats = await freePort();
    const guide = readFileSync(join(ROOT, 'configs/step2-multi-provider/agentgateway.yaml'), 'utf8');
    writeFileSync(join(dir, 'step2.yaml'), movePorts(guide, { 3000: port }));
    gw = await GatewayProcess.start({
      executable: bin,
      cwd: dir,
      args: ['-f', 'step2.yaml', ...mocks.args()],
      env: userEnv({
        NODE_EXTRA_CA_CERTS: CA_FILE,
        OPENAI_API_KEY: OPENAI_KEY,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ADMIN_ADDR: `127.0.0.1:${admin}`,
        READINESS_ADDR: `127.0.0.1:${ready}`,
        STATS_ADDR: `127.0.0.1:${stats}`,
      }),
    });
  });
  afterAll(async () => {
    expect(await gw.stop()).toBe(0);
    expect(gw.output).not.toContain(OPENAI_KEY);
    expect(gw.output).not.toContain(ANTHROPIC_KEY);
  });

  it('says which implementation of the native jobs it runs, from inside the binary', () => {
    if (process.env.AGW_NATIVE === '0' || !built.addon) expect(gw.output).toMatch(/native addon not in use: .*sse=ts headers=ts p2c=ts/);
    else expect(gw.output).toContain(`native addon loaded from ${home}/.cache/agentgateway/`);
  });

  it('OpenAI chat completion and stream on /openai with the injected key', async () => {
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/openai/v1`, apiKey: 'client-key', maxRetries: 0 });
    const r = await openai.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello' }],
      max_tokens: 50,
    });
    expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
    expect(mocks.openai.last.headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
    expect(mocks.openai.last.json.model).toBe('gpt-4o');
    let text = '';
    for await (const c of await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hi' }], stream: true }))
      text += c.choices[0]?.delta?.content ?? '';
    expect(text).toBe(OPENAI_TEXT);
  });

  it('Anthropic messages (plain and streamed) and OpenAI format translated on /anthropic', async () => {
    const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${port}/anthropic`, apiKey: 'client-key', maxRetries: 0 });
    const m = await anthropic.messages.create({ model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'Hello' }] });
    expect(m.content[0]).toEqual({ type: 'text', text: ANTHROPIC_TEXT });
    expect(mocks.anthropic.last.headers['x-api-key']).toBe(ANTHROPIC_KEY);
    const streamed = await anthropic.messages
      .stream({ model: 'x', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] })
      .finalText();
    expect(streamed).toBe(ANTHROPIC_TEXT);
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/anthropic/v1`, apiKey: 'client-key', maxRetries: 0 });
    const c = await openai.chat.completions.create({ model: 'x', messages: [{ role: 'user', content: 'Hello' }] });
    expect(c.object).toBe('chat.completion');
    expect(c.choices[0]!.message.content).toBe(ANTHROPIC_TEXT);
    expect(mocks.anthropic.last.path).toBe('/v1/messages');
  });

  it('serves the admin UI, readiness and metrics from inside the binary', async () => {
    const page = await fetch(`http://localhost:${admin}/ui/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<!doctype html>');
    const script = await fetch(`http://localhost:${admin}/ui/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect((await script.text()).length).toBeGreaterThan(1000);
    const r = await fetch(`http://127.0.0.1:${ready}/healthz/ready`);
    expect([r.status, (await r.text()).trim()]).toEqual([200, 'ready']);
    const metrics = await (await fetch(`http://127.0.0.1:${stats}/metrics`)).text();
    expect(metrics).toMatch(/agentgateway_requests_total\{[^}]*route="[^"]*"[^}]*\} [1-9]/);
    expect(metrics).toContain(`agentgateway_build_info{tag="${VERSION}"} 1`);
  });
});

describe("the guide's step 1 config (two binds) served by the binary", () => {
  it('routes /openai on the first port and everything on the second to Anthropic', async () => {
    const [a, b] = await freePorts(2);
    const guide = readFileSync(join(ROOT, 'configs/step1-basic-routing/agentgateway.yaml'), 'utf8');
    writeFileSync(join(dir, 'step1.yaml'), movePorts(guide, { 3000: a!, 3001: b! }));
    const gw = await GatewayProcess.start({
      executable: bin,
      cwd: dir,
      args: ['--file=step1.yaml', ...mocks.args()],
      env: userEnv({
        NODE_EXTRA_CA_CERTS: CA_FILE,
        OPENAI_API_KEY: OPENAI_KEY,
        ANTHROPIC_API_KEY: ANTHROPIC_KEY,
        ADMIN_ADDR: 'off',
        READINESS_ADDR: 'off',
        STATS_ADDR: 'off',
      }),
    });
    try {
      const openai = new OpenAI({ baseURL: `http://127.0.0.1:${a}/openai/v1`, apiKey: 'x', maxRetries: 0 });
      const r = await openai.chat.completions.create({ model: 'whatever', messages: [{ role: 'user', content: 'Hello' }] });
      expect(r.choices[0]!.message.content).toBe(OPENAI_TEXT);
      expect(mocks.openai.last.json.model).toBe('gpt-4o-mini');
      const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${b}`, apiKey: 'x', maxRetries: 0 });
      const m = await anthropic.messages.create({ model: 'x', max_tokens: 10, messages: [{ role: 'user', content: 'Hello' }] });
      expect(m.content[0]).toMatchObject({ text: ANTHROPIC_TEXT });
      expect(mocks.anthropic.last.json.model).toBe('claude-haiku-4-5-20251001');
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });
});

// An inline JWKS (the example key of configs/jwt-auth.yaml): jwtAuth compiles only with jose loaded.
const JWKS = JSON.stringify({
  keys: [
    {
      kty: 'EC',
      crv: 'P-256',
      kid: 'example-es256',
      alg: 'ES256',
      use: 'sig',
      x: 'Ru7Hx7YlrukJU-ifgwHHYnp8IQD66xh3WMQ6Mtn0Nmg',
      y: 'BsZaTqEKkwsM2EN6t553q18wOh0Xy-G4Iw-UJBgj8KY',
    },
  ],
});

describe('native modules and worker threads inside the binary', () => {
  it('matches a route by regex (re2), checks a bcrypt password on the worker thread, and loads jose and cel-js on demand', async () => {
    const port = await freePort();
    writeFileSync(join(dir, 'users.htpasswd'), `alice:${bcrypt.hashSync('wonderland', 4)}\n`);
    writeFileSync(
      join(dir, 'native.yaml'),
      `binds:
- port: ${port}
  listeners:
  - routes:
    - name: re
      matches: [{path: {regex: "^/v[0-9]+/chat/completions$"}}]
      policies:
        basicAuth: {htpasswd: {file: users.htpasswd}, mode: strict}
        jwtAuth: {mode: optional, issuer: https://idp.example.com, jwks: '${JWKS}'}
        authorization: {rules: ['request.headers["x-team"] != "blocked"']}
      backends:
      - ai: {name: m, provider: {mock: {response: from the binary}}}
`,
    );
    const gw = await GatewayProcess.start({ executable: bin, cwd: dir, args: ['-f', 'native.yaml'], env: userEnv() });
    try {
      const ask = (path: string, password: string, team = 'ml') =>
        fetch(`http://127.0.0.1:${port}${path}`, {
          method: 'POST',
          headers: { authorization: `Basic ${Buffer.from(`alice:${password}`).toString('base64')}`, 'x-team': team },
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        });
      const ok = await ask('/v1/chat/completions', 'wonderland');
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as any).choices[0].message.content).toBe('from the binary');
      expect((await ask('/v1/chat/completions', 'looking-glass')).status).toBe(401);
      expect((await ask('/v1/chat/completions/x', 'wonderland')).status).toBe(404);
      // the CEL rule compiled (cel-js imported by the config compile inside the binary) and denies
      expect((await ask('/v1/chat/completions', 'wonderland', 'blocked')).status).toBe(403);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
    expect(gw.output).not.toMatch(/password worker exited|Cannot find module/);
  });
});

/** A chat completion on a connection of its own (the acceptor hands connections out round robin). */
function askOwnConnection(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }));
  });
}

describe('the binary with --workers 2', () => {
  it('serves on two worker threads whose script is inside the binary; a local limit holds across both', async () => {
    const [port, admin] = await freePorts(2);
    writeFileSync(
      join(dir, 'workers.yaml'),
      `binds:
- port: ${port}
  listeners:
  - routes:
    - policies:
        localRateLimit:
        - {maxTokens: 4, tokensPerFill: 4, fillInterval: 60s}
      backends:
      - ai: {name: m, provider: {mock: {response: from a worker}}}
`,
    );
    const gw = await GatewayProcess.start({
      executable: bin,
      cwd: dir,
      args: ['-f', 'workers.yaml', '--workers', '2'],
      env: userEnv({ ADMIN_ADDR: `127.0.0.1:${admin}`, READINESS_ADDR: 'off', STATS_ADDR: 'off' }),
      timeoutMs: 30_000,
    });
    const threads = async () =>
      ((await (await fetch(`http://127.0.0.1:${admin}/api/workers`)).json()) as { workers: { ready: boolean; connections: number }[] })
        .workers;
    try {
      if (process.env.AGW_NATIVE === '0' || !built.addon) {
        // Workers take their connections from the acceptor, which is part of the Rust addon.
        expect(gw.output).toContain('workers: 2 asked, but worker threads need the acceptor edge');
        return;
      }
      expect(gw.output).toContain('2 worker threads serving');
      expect((await threads()).map((w) => w.ready)).toEqual([true, true]);
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const r = await askOwnConnection(port!);
        statuses.push(r.status);
        if (r.status === 200) expect(JSON.parse(r.body).choices[0].message.content).toBe('from a worker');
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429, 429, 429]);
      // One connection per request, handed out round robin: each thread served half.
      expect((await threads()).map((w) => w.connections)).toEqual([4, 4]);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
    expect(gw.output).not.toMatch(/Cannot find module|worker \d+ (exited|failed|could not)/);
  });
});

describe('libraries the gateway loads on first use, inside the binary', () => {
  it('a Redis rate limit (ioredis) against a real redis-server', async () => {
    const [port, redisPort] = await freePorts(2);
    const redis = await RedisServer.start(redisPort!);
    writeFileSync(
      join(dir, 'redis.yaml'),
      `binds:
- port: ${port}
  listeners:
  - routes:
    - name: limited
      policies:
        redisRateLimit:
          url: ${redis.url}
          failureMode: failClosed
          timeout: 10s
          limits: [{maxTokens: 2, tokensPerFill: 2, fillInterval: 1h}]
      backends:
      - ai: {name: m, provider: {mock: {response: limited by redis}}}
`,
    );
    const gw = await GatewayProcess.start({ executable: bin, cwd: dir, args: ['-f', 'redis.yaml'], env: userEnv() });
    try {
      const ask = () =>
        fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
          method: 'POST',
          body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }),
        }).then((r) => r.status);
      expect([await ask(), await ask(), await ask()]).toEqual([200, 200, 429]);
    } finally {
      expect(await gw.stop()).toBe(0);
      await redis.stop();
    }
    expect(gw.output).not.toMatch(/Cannot find module/);
  });

  it('a Bedrock route: SigV4 signing and the event-stream codec, plain and streamed', async () => {
    const port = await freePort();
    const bedrock = await startBedrockMock();
    writeFileSync(
      join(dir, 'bedrock.yaml'),
      `binds:
- port: ${port}
  listeners:
  - routes:
    - name: bedrock
      backends: [{ai: {name: bedrock, provider: {bedrock: {region: us-east-1, model: amazon.nova-lite-v1:0}}}}]
      policies:
        backendAuth:
          aws: {accessKeyId: ${CREDS.accessKeyId}, secretAccessKey: "${CREDS.secretAccessKey}", sessionToken: "${CREDS.sessionToken}"}
`,
    );
    const gw = await GatewayProcess.start({
      executable: bin,
      cwd: dir,
      args: ['-f', 'bedrock.yaml', '--connect-to', `${BEDROCK_HOST}:443:127.0.0.1:${bedrock.upstream.port}`],
      env: userEnv({ NODE_EXTRA_CA_CERTS: CA_FILE }),
    });
    try {
      const openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'x', maxRetries: 0 });
      const r = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
      expect(r.choices[0]!.message.content).toBe(BEDROCK_TEXT);
      let text = '';
      for await (const c of await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'Hi' }], stream: true }))
        text += c.choices[0]?.delta?.content ?? '';
      expect(text).toBe(BEDROCK_TEXT);
      expect(bedrock.rejected).toEqual([]);
      expect(bedrock.upstream.requests.map((q) => decodeURIComponent(q.path))).toEqual([
        '/model/amazon.nova-lite-v1:0/converse',
        '/model/amazon.nova-lite-v1:0/converse-stream',
      ]);
    } finally {
      expect(await gw.stop()).toBe(0);
      await bedrock.upstream.close();
    }
    expect(gw.output).not.toContain(CREDS.secretAccessKey);
    expect(gw.output).not.toMatch(/Cannot find module/);
  });
});

describe("the binary's unpacked files", () => {
  const cacheOf = (base: string) => {
    const builds = readdirSync(base).filter((d) => !d.includes('.tmp-'));
    expect(builds).toHaveLength(1);
    return join(base, builds[0]!);
  };
  const uwsFile = (root: string) => {
    const bin = join(root, 'node_modules/uWebSockets.js/dist/bin');
    return join(bin, readdirSync(bin)[0]!);
  };

  it('go to a private directory named for their hash, and a tampered file is replaced', async () => {
    await exec(['--version']);
    const root = cacheOf(join(home, '.cache/agentgateway'));
    expect(readdirSync(root).sort()).toEqual(expect.arrayContaining(['dist', 'node_modules', 'package.json']));
    const uws = uwsFile(root);
    const good = readFileSync(uws);
    writeFileSync(uws, 'not a shared object');
    expect((await exec(['--version'])).stdout.trim()).toBe(`agentgateway ${VERSION}`);
    expect(readFileSync(uws).equals(good)).toBe(true);
  });

  it('a cache directory others can write to is refused; AGW_CACHE_DIR is honoured', async () => {
    const shared = join(home, 'shared-cache');
    mkdirSync(shared, { mode: 0o777 });
    chmodSync(shared, 0o777);
    await exec(['--version'], { AGW_CACHE_DIR: shared });
    expect(readdirSync(shared)).toEqual([]);
    // the next candidate took over (XDG_CACHE_HOME is unset, so ~/.cache)
    expect(existsSync(join(home, '.cache/agentgateway'))).toBe(true);
    const own = join(home, 'own-cache');
    await exec(['--version'], { AGW_CACHE_DIR: own });
    expect(existsSync(join(cacheOf(own), 'package.json'))).toBe(true);
  });
});
