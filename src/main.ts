#!/usr/bin/env node
// The `agentgateway` command.
// First, before any module builds a regex: V8 flags the whole process (and its threads) runs with.
import './v8-flags.js';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { startAdmin, startReadiness } from './admin/index.js';
import { ConfigError } from './config/errors.js';
import { Gateway, type GatewayOptions } from './gateway.js';
import { describeNative, edgeChoice } from './native/index.js';
import { log } from './observability/log.js';
import { SharedArena, useSharedArena } from './policies/shared-arena.js';
import { DispatchServer } from './workers/dispatch-server.js';
import { defaultWorkerCount } from './workers/cpus.js';
import { WorkerPool } from './workers/pool.js';
import { compile, withModules } from './runtime/compile.js';
import { ConnectOverrides } from './upstream/connect-overrides.js';
import { PoolFactory } from './upstream/pools.js';

const USAGE = `Usage: agentgateway -f <config.yaml> [options]
       agentgateway import --from litellm -f <litellm-config.yaml> [-o <out.yaml>]

  -f, --file <path>          config file (YAML or JSON); also --file=<path>
  -c, --config <yaml>        inline config instead of a file
      --validate-only        check the config and exit (0 = valid)
      --workers <n>          worker threads serving the data plane (default: config.workers,
                             else the CPUs this process may use, also "auto"; 1 = a single thread)
      --resolve <h:p:addr>   connect to addr for host h port p (like curl); repeatable
      --connect-to <h:p:h2:p2>
                             connect to h2:p2 for host h port p (like curl); repeatable
  -V, --version              print the version
  -h, --help                 this help

Environment: AGW_LOG_LEVEL, AGW_LOG_FORMAT=json, AGW_NATIVE=0|1, AGW_EDGE=acceptor|node|uws,
  AGW_DRAIN_TIMEOUT_MS, IPV6_ENABLED,
  ADMIN_ADDR, READINESS_ADDR, ADMIN_TOKEN, UI_READ_ONLY=true.`;

interface Args {
  file?: string;
  inline?: string;
  validateOnly: boolean;
  overrides: ConnectOverrides;
  workers?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { validateOnly: false, overrides: new ConnectOverrides() };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const [flag, inlineValue] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, undefined];
    const value = (): string => {
      const v = inlineValue ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '-f':
      case '--file':
        args.file = value();
        break;
      case '-c':
      case '--config':
        args.inline = value();
        break;
      case '--workers': {
        const v = value();
        const n = v === 'auto' ? defaultWorkerCount() : Number(v);
        if (!(Number.isInteger(n) && n >= 1 && n <= 256)) throw new UsageError('--workers needs a whole number from 1 to 256');
        args.workers = n;
        break;
      }
      case '--validate-only':
        args.validateOnly = true;
        break;
      case '--resolve':
        args.overrides.addResolve(value());
        break;
      case '--connect-to':
        args.overrides.addConnectTo(value());
        break;
      case '-V':
      case '--version':
        console.log(`agentgateway ${version()}`);
        return process.exit(0);
      case '-h':
      case '--help':
        console.log(USAGE);
        return process.exit(0);
      default:
        throw new UsageError(`unknown argument "${a}"`);
    }
  }
  if (args.file === undefined && args.inline === undefined) throw new UsageError('no config given (use -f <file>)');
  return args;
}

class UsageError extends Error {}

function version(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

async function main(): Promise<void> {
  if (process.argv[2] === 'import') {
    const { runImport } = await import('./import/index.js');
    process.exitCode = await runImport(process.argv.slice(3));
    return;
  }
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`agentgateway: ${(e as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const options = {
    file: args.file ?? '<inline>',
    ...(args.inline !== undefined ? { inline: args.inline } : {}),
    overrides: args.overrides,
  };
  if (args.validateOnly) return validateOnly(new Gateway(options), args);
  // Signals are handled from here on: one that arrives while the gateway starts (nothing to
  // drain yet) exits cleanly, instead of Node's default kill; once ready, it drains.
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  const pool = workerPool(args, new Gateway(options));
  const gateway = new Gateway({ ...options, ...pool });
  const management: (Server | null)[] = [];
  try {
    // Readiness listens before the data plane so it can say what is still pending.
    await gateway.start(async (loaded) => void management.push(await startReadiness(gateway, loaded.config)));
    management.push(await startAdmin(gateway, gateway.config.config));
    // The admin just turned on the recent-requests ring: the workers forward to it.
    pool.workers?.setRecent(gateway.observability.recent.enabled);
  } catch (e) {
    console.error(e instanceof ConfigError ? `invalid config:\n${e.message}` : `agentgateway: ${(e as Error).message}`);
    process.exit(1);
  }
  log.info(describeNative());
  for (const o of args.overrides.describe()) log.info(`connect override: ${o}`);
  const snap = gateway.snapshot;
  log.info(
    { version: version(), config: snap.file, ports: gateway.ports() },
    `agentgateway ready on ${gateway
      .ports()
      .map((p) => `:${p}`)
      .join(', ')}`,
  );
  onSignal = drainOnSignal(gateway, management);
}

/** What a SIGINT or SIGTERM does: exit while starting, drain once ready (drainOnSignal). */
let onSignal = (signal: string): void => {
  log.info(`${signal} while starting: exiting`);
  process.exit(0);
};

/**
 * The worker threads the data plane runs on: --workers, else config.workers, else every CPU this
 * process may use (workers/cpus.ts). One worker means the single-thread gateway, with nothing of
 * this in its path. Workers need the acceptor edge (it hands each worker its connections), no
 * keys file store and no MCP routes. When the count is only the default, a config that cannot
 * have workers runs on one thread with an info line; a count the user asked for gets a warning.
 * `oneThread` says why one thread serves (GET /api/workers).
 */
function workerPool(args: Args, probe: Gateway): Partial<GatewayOptions> & { workers?: WorkerPool } {
  let configured: number | undefined;
  let fileKeys = false;
  let mcp = false;
  try {
    const config = probe.load().config;
    configured = config.config?.workers;
    fileKeys = config.keys !== undefined && config.keys.store?.redis === undefined;
    mcp =
      config.mcp !== undefined ||
      (config.binds ?? []).some((b) => b.listeners.some((l) => l.routes?.some((r) => r.backends.some((x) => x.mcp !== undefined))));
  } catch {
    // An invalid config is reported by start().
  }
  const asked = args.workers ?? configured;
  const count = asked ?? defaultWorkerCount();
  if (count <= 1) {
    const why = args.workers !== undefined ? '--workers 1' : asked !== undefined ? 'config.workers: 1' : 'this process may use one CPU';
    return { oneThread: why };
  }
  const oneThread = (why: string, fix: string): { oneThread: string } => {
    if (asked !== undefined) log.warn(`workers: ${count} asked, but ${why}: serving on one thread (${fix})`);
    else log.info(`serving on one thread: ${why} (${fix})`);
    return { oneThread: why };
  };
  // The embedded keys store is one file with one writer (its lock names the process); each worker
  // opening it would be refused. Redis-backed keys are shared by design.
  if (fileKeys) return oneThread('the keys file store has one writer', 'use keys.store.redis for worker threads');
  // An MCP session is live state (upstream sessions, the client's open streams, requests in
  // flight between them) held by the thread that created it; the client's next connection may
  // land on another worker, which would not know it.
  if (mcp) return oneThread('MCP sessions live on the thread that opened them', 'no MCP routes, for worker threads');
  const edge = edgeChoice();
  if (edge.name !== 'acceptor')
    return oneThread(`worker threads need the acceptor edge (${edge.why})`, 'AGW_EDGE=acceptor with the native addon');
  const arena = SharedArena.create();
  useSharedArena(arena);
  const workers = new WorkerPool({ count, file: probe.file, overrides: args.overrides.entries(), arena });
  return {
    workers,
    portServer: (port, address, _gw, settings) => new DispatchServer(port, address, settings, workers),
  };
}

async function validateOnly(gateway: Gateway, args: Args): Promise<void> {
  try {
    const loaded = gateway.load();
    for (const n of loaded.notices) console.error(`warning: ${n}`);
    const { snapshot, warnings } = await withModules(() => compile(loaded, new PoolFactory(args.overrides), 1));
    for (const w of warnings) console.error(`warning: ${w}`);
    const routes = [...snapshot.binds.values()].flatMap((b) => b.listeners).length;
    const llm = loaded.config.llm;
    const models = llm !== undefined ? `, llm: ${llm.models.length} model(s), ${llm.virtualModels?.length ?? 0} virtual model(s)` : '';
    console.log(`config OK: ${loaded.file} (${snapshot.binds.size} bind(s), ${routes} listener(s)${models})`);
    process.exit(0);
  } catch (e) {
    console.error(e instanceof ConfigError ? `invalid config:\n${e.message}` : `agentgateway: ${(e as Error).message}`);
    process.exit(1);
  }
}

function drainOnSignal(gateway: Gateway, management: (Server | null)[]): (signal: string) => void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn(`${signal} again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    const grace = Number(process.env.AGW_DRAIN_TIMEOUT_MS ?? 10_000);
    log.info(`${signal}: no longer accepting connections, draining (up to ${grace} ms)`);
    for (const s of management) s?.close();
    gateway.shutdown(grace).then(
      () => {
        log.info('shutdown complete');
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  return stop;
}

void main();
