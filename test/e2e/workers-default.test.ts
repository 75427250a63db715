// What `agentgateway -f config.yaml` gives a user with no --workers and no config.workers: one
// worker thread per CPU the process may use (os.availableParallelism(), capped by a cgroup CPU
// quota), with the per-gateway state shared by them; and, for a config that cannot have
// workers, one thread and the reason, in the log and in GET /api/workers.
import { availableParallelism } from 'node:os';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { cgroupCpus } from '../../src/workers/cpus.js';
import { hasAcceptor } from '../helpers/workers.js';
import { GatewayProcess } from '../helpers/gateway-process.js';
import { freePorts } from '../helpers/ports.js';
import { writeConfig } from '../helpers/traffic.js';

const [PORT, ADMIN] = await freePorts(2);

/** The CPUs this process may use: the affinity mask, or a cgroup CPU quota below it. */
function cpusAllowed(): number {
  const quota = cgroupCpus();
  return quota === null ? availableParallelism() : Math.min(availableParallelism(), quota);
}

/** On one CPU the default is one thread before any other reason applies. */
const ONE_CPU = 'this process may use one CPU';
const oneCpu = cpusAllowed() === 1;

const acceptor = hasAcceptor;

/** Without the acceptor edge the gateway serves on one thread and says why (one CPU says that first). */
async function expectOneThreadWithoutAcceptor(g: GatewayProcess): Promise<void> {
  const v = await view();
  expect(v).toMatchObject({ threads: 1, workers: [] });
  if (oneCpu) expect(v.oneThread).toBe(ONE_CPU);
  else {
    expect(v.oneThread).toMatch(/^worker threads need the acceptor edge/);
    expect(g.output).toContain('serving on one thread: worker threads need the acceptor edge');
  }
}

function config(extra = ''): string {
  return `${extra}binds:
- port: ${PORT}
  listeners:
  - routes:
    - name: limited
      matches: [{path: {pathPrefix: /limited}}]
      policies:
        localRateLimit:
        - {maxTokens: 10, tokensPerFill: 10, fillInterval: 60s}
      backends:
      - ai: {name: mock, provider: {mock: {model: gpt-4o}}}
    - name: chat
      backends:
      - ai: {name: mock, provider: {mock: {model: gpt-4o}}}
`;
}

interface WorkersView {
  threads: number;
  oneThread: string | null;
  workers: { index: number; ready: boolean; connections: number }[];
}

async function view(): Promise<WorkersView> {
  return (await (await fetch(`http://127.0.0.1:${ADMIN}/api/workers`)).json()) as WorkersView;
}

/** One chat completion on a connection of its own, so the acceptor hands each to the next worker. */
function ask(path: string): Promise<number> {
  const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: PORT, path, method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode!));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let gw: GatewayProcess | undefined;

async function start(yaml: string, args: string[] = [], env: Record<string, string> = {}): Promise<GatewayProcess> {
  gw = await GatewayProcess.start({
    args: ['-f', writeConfig(yaml), ...args],
    defaultWorkers: true,
    env: { ADMIN_ADDR: `127.0.0.1:${ADMIN}`, ...env },
    timeoutMs: 30_000,
  });
  return gw;
}

afterEach(async () => {
  if (gw !== undefined) expect(await gw.stop()).toBe(0);
  gw = undefined;
});

describe('no --workers flag: the default', () => {
  it.runIf(acceptor)('runs one worker thread per CPU the process may use, sharing local limits', async () => {
    const n = cpusAllowed();
    const g = await start(config());
    const v = await view();
    expect(v.threads).toBe(n);
    if (n === 1) {
      expect(v.oneThread).toBe(ONE_CPU);
      return;
    }
    expect(g.output).toContain(`${n} worker threads serving`);
    expect(v.oneThread).toBeNull();
    expect(v.workers.map((w) => w.ready)).toEqual(Array(n).fill(true));
    // Connections go round robin: 10 x n of them give every worker 10.
    const statuses = await Promise.all(Array.from({ length: 10 * n }, () => ask('/limited/v1/chat/completions')));
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10 * n - 10);
    expect((await view()).workers.map((w) => w.connections)).toEqual(Array(n).fill(10));
  });

  it.runIf(!acceptor)('serves on one thread without the acceptor edge, and says why', async () => {
    const g = await start(config());
    await expectOneThreadWithoutAcceptor(g);
    expect(await ask('/chat/v1/chat/completions')).toBe(200);
  });

  it('a config with the keys file store serves on one thread, with an info line and the reason', async () => {
    const g = await start(config('keys: {typicalOutputTokens: 50}\n'));
    const why = oneCpu ? ONE_CPU : 'the keys file store has one writer';
    expect(await view()).toEqual({ threads: 1, oneThread: why, workers: [] });
    if (!oneCpu) expect(g.output).toContain('serving on one thread: the keys file store has one writer');
    expect(g.output).not.toContain('asked, but');
    expect(await ask('/chat/v1/chat/completions')).toBe(200);
  });

  it('AGW_EDGE=node (no acceptor) serves on one thread and says why', async () => {
    const g = await start(config(), [], { AGW_EDGE: 'node' });
    await expectOneThreadWithoutAcceptor(g);
  });
});

describe('asked counts', () => {
  it('--workers 1 keeps the single-thread gateway', async () => {
    await start(config(), ['--workers', '1']);
    expect(await view()).toEqual({ threads: 1, oneThread: '--workers 1', workers: [] });
  });

  it('config.workers: 1 keeps the single-thread gateway', async () => {
    await start(config('config: {workers: 1}\n'));
    expect(await view()).toEqual({ threads: 1, oneThread: 'config.workers: 1', workers: [] });
  });
});
