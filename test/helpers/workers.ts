// The worker-thread suites' shared parts. Workers take their connections from the acceptor,
// part of the Rust addon: switched off (AGW_NATIVE=0, an explicit choice) or not built (no cargo
// on the machine), the gateway says so and serves on one thread, which workers.test.ts checks.
import { loadAddon } from '../../src/native/addon/load.js';
import { GatewayProcess } from './gateway-process.js';

const addon = process.env.AGW_NATIVE === '0' ? null : loadAddon().addon;

/** Whether this machine's gateway can run worker threads (the addon's acceptor is there). */
export const hasAcceptor = addon !== null && addon.Acceptor !== undefined;

/** The gateway on `file` with `--workers 2`, admin and stats listening (two threads start slower). */
export function startTwoWorkers(file: string, adminPort: number, statsPort: number): Promise<GatewayProcess> {
  return GatewayProcess.start({
    args: ['-f', file, '--workers', '2'],
    env: { ADMIN_ADDR: `127.0.0.1:${adminPort}`, STATS_ADDR: `127.0.0.1:${statsPort}` },
    timeoutMs: 30_000,
  });
}
