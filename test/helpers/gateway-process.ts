// Starts the real gateway CLI (`node dist/main.js`) as a child process, as a user would,
// and collects its output so tests can wait for readiness and grep the logs.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CA_FILE } from './mock-upstream.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export interface GatewayStart {
  args: string[];
  env?: Record<string, string>;
  /** Wait for this text in the output (default: the ready line). */
  readyText?: string;
  timeoutMs?: number;
  /** Run this executable (the single binary) instead of `node dist/main.js`. */
  executable?: string;
  cwd?: string;
  /** No `--workers 1` added, whatever the file or AGW_TEST_WORKERS say (a test of the default itself). */
  defaultWorkers?: boolean;
}

/**
 * The gateways of most test files serve on one thread (`--workers 1` is added unless the test
 * names a count): a test file then watches one event loop, and the suite's files, running in
 * parallel on a 2-core machine, start one data-plane thread per gateway instead of one per CPU.
 * The files that exercise what a user gets by default (every CPU, README "Worker threads") call
 * `useDefaultWorkers()` at the top: their gateways get no flag, as `agentgateway -f x.yaml` does.
 * AGW_TEST_WORKERS=default gives every file the default, AGW_TEST_WORKERS=1 pins every file.
 */
const forced = process.env.AGW_TEST_WORKERS;
let pinOneWorker = forced !== 'default';

export function useDefaultWorkers(): void {
  if (forced !== '1') pinOneWorker = false;
}

/** The arguments as given, plus `--workers 1` where the file pins one thread and the test named no count. */
function withWorkers(args: string[], defaultWorkers: boolean): string[] {
  const named = args.some((a) => a === '--workers' || a.startsWith('--workers='));
  return pinOneWorker && !named && !defaultWorkers ? [...args, '--workers', '1'] : args;
}

export class GatewayProcess {
  output = '';
  exitCode: number | null = null;
  private readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) =>
      child.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  static async start(opts: GatewayStart): Promise<GatewayProcess> {
    const given = withWorkers(opts.args, opts.defaultWorkers === true);
    const [cmd, args] = opts.executable !== undefined ? [opts.executable, given] : [process.execPath, [MAIN, ...given]];
    const child = spawn(cmd, args, {
      cwd: opts.cwd ?? ROOT,
      // Management servers are off unless a test names their addresses: on their default ports
      // (15000, 15020, 15021) gateways of test files running in parallel would take each other's.
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: CA_FILE,
        AGW_NATIVE: process.env.AGW_NATIVE ?? '',
        ADMIN_ADDR: 'off',
        READINESS_ADDR: 'off',
        STATS_ADDR: 'off',
        ...opts.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gw = new GatewayProcess(child);
    try {
      await gw.waitFor(opts.readyText ?? 'agentgateway ready', opts.timeoutMs ?? 15_000);
    } catch (e) {
      // The caller never gets the process to stop: a gateway that missed its start deadline
      // would keep its ports and threads for the rest of the run.
      child.kill('SIGKILL');
      throw e;
    }
    return gw;
  }

  /** Resolves once `text` appears in the output; rejects if the process exits first. */
  async waitFor(text: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.exitCode !== null) throw new Error(`gateway exited (${this.exitCode}) before "${text}":\n${this.output}`);
      if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}":\n${this.output}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGTERM and wait for exit; returns the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.exitCode !== null) return this.exitCode;
    this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(t);
    return code;
  }

  wait(): Promise<number | null> {
    return this.exited;
  }
}

/** Runs the CLI to completion (e.g. --validate-only) and returns code and output (both streams, and each). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let output = '';
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      output += d.toString();
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, output, stdout, stderr }));
  });
}
