// The processes a suite run measures side by side: the mock upstream called directly, the floor
// (bench/load/floor-proxy.mjs), nginx when installed, and the gateway with the defaults a new
// user gets (text access log and metrics on) and with both off. Each starts against a given
// upstream port and reports its pid, so CPU and memory come from /proc of exactly that process.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATEWAY_PORT, STATS_PORT } from './ports.js';

export const FLOOR_PORT = GATEWAY_PORT + 10;
export const NGINX_PORT = GATEWAY_PORT + 11;
export const NGINX_BIN = process.env.BENCH_NGINX ?? '/usr/sbin/nginx';

/** A running target: its pid (undefined for direct) and how to stop it. */
export interface Running {
  pid?: number;
  port: number;
  stop(): Promise<void>;
}

export interface TargetDeps {
  /** Starts `node args`, resolving once it printed `readyText`; output to `outFile` when given. */
  startProcess(args: string[], readyText: string, env?: NodeJS.ProcessEnv, outFile?: string): Promise<ChildProcess>;
}

export interface Target {
  id: string;
  label: string;
  /** Paths of the rows this target serves: `json`, `sse` (passthrough), and gateway-only routes. */
  paths: Record<string, string>;
  start(deps: TargetDeps, upstreamPort: number, extraNodeArgs?: string[]): Promise<Running>;
}

const MOCK_PATH = '/v1/chat/completions';
const PROXY_PATHS = { json: MOCK_PATH, sse: MOCK_PATH };

/** Stops a child and waits for it; SIGTERM lets the gateway flush (and write a --cpu-prof profile). */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

const direct: Target = {
  id: 'direct',
  label: 'direct (mock upstream)',
  paths: PROXY_PATHS,
  start: async (_deps, upstreamPort) => ({ port: upstreamPort, stop: async () => {} }),
};

const floor: Target = {
  id: 'floor',
  label: 'floor (bare uWS + undici dispatch, bench/load/floor-proxy.mjs)',
  paths: PROXY_PATHS,
  start: async (deps, upstreamPort, extra = []) => {
    const child = await deps.startProcess(
      [...extra, 'bench/load/floor-proxy.mjs', String(FLOOR_PORT), String(upstreamPort)],
      'floor proxy listening',
    );
    return { pid: child.pid!, port: FLOOR_PORT, stop: () => stopChild(child) };
  },
};

/** nginx 1 worker, upstream keep-alive sized above the load's connections, access log off. */
function nginxConfig(dir: string, upstreamPort: number): string {
  return `worker_processes 1;
daemon off;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 1000000;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 256; keepalive_requests 1000000; }
  server {
    listen 127.0.0.1:${NGINX_PORT};
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

const nginx: Target = {
  id: 'nginx',
  label: 'nginx 1 worker (keepalive 256, access_log off, proxy_buffering off)',
  paths: PROXY_PATHS,
  start: async (_deps, upstreamPort) => {
    const dir = mkdtempSync(join(tmpdir(), 'agw-bench-nginx-'));
    writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, upstreamPort));
    const child = spawn(NGINX_BIN, ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
    try {
      await waitForPort(NGINX_PORT, child);
    } catch (e) {
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '';
      throw new Error(`nginx did not start: ${(e as Error).message}\n${log}`);
    }
    return {
      pid: child.pid!,
      port: NGINX_PORT,
      stop: async () => {
        await stopChild(child);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}`);
    const ok = await new Promise<boolean>((r) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

const GATEWAY_PATHS = {
  json: '/openai/v1/chat/completions',
  sse: '/openai/v1/chat/completions',
  completions: '/openai-llm/v1/chat/completions',
  translated: '/anthropic/v1/chat/completions',
};

/** Gateway output (the access log, when on) goes to a file, as a container runtime takes it. */
function gateway(id: string, label: string, env: NodeJS.ProcessEnv, main = 'dist/main.js'): Target {
  return {
    id,
    label,
    paths: GATEWAY_PATHS,
    start: async (deps, upstreamPort, extra = []) => {
      const out = join(tmpdir(), `agw-bench-${id}-${process.pid}.log`);
      const ports = { BENCH_GATEWAY_PORT: String(GATEWAY_PORT), BENCH_MOCK_PORT: String(upstreamPort) };
      // One data-plane thread, like the floor: the ratios compare one event loop with another
      // (the default worker count follows the CPUs; workers-lane.ts measures more threads).
      const args = [...extra, main, '-f', 'bench/load/gateway.yaml', '--workers', '1'];
      const child = await deps.startProcess(args, 'agentgateway ready', { ...env, ...ports }, out);
      return {
        pid: child.pid!,
        port: GATEWAY_PORT,
        stop: async () => {
          await stopChild(child);
          rmSync(out, { force: true });
        },
      };
    },
  };
}

const DEFAULTS_ON = { STATS_ADDR: `127.0.0.1:${STATS_PORT}`, AGW_LOG_LEVEL: 'info' };

/**
 * Every target of a suite run, nginx only when its binary is there. `baseline`: the dist/ of
 * another build (a lever's before), measured with the defaults on beside this one.
 */
export function suiteTargets(baseline?: string): Target[] {
  const base = baseline
    ? [gateway('gw-on-base', `gateway, defaults, baseline build (${baseline})`, DEFAULTS_ON, `${baseline}/main.js`)]
    : [];
  return [
    direct,
    floor,
    ...(existsSync(NGINX_BIN) ? [nginx] : []),
    gateway('gw-off', 'gateway, access log + metrics off', { STATS_ADDR: 'off', AGW_LOG_LEVEL: 'info,request=off' }),
    gateway('gw-on', 'gateway, defaults (text access log + metrics on)', DEFAULTS_ON),
    ...base,
  ];
}
