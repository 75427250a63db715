// A real redis-server for the tests (npm test installs it: test/setup/system-packages.ts), on
// the port the suite chose, without persistence.
import { spawn, type ChildProcess } from 'node:child_process';

export class RedisServer {
  private output = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
  }

  static async start(port: number): Promise<RedisServer> {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new RedisServer(child, port);
    let spawnError: Error | null = null;
    child.on('error', (e) => (spawnError = e));
    const deadline = Date.now() + 10_000;
    while (!server.output.includes('Ready to accept connections')) {
      if (spawnError !== null)
        throw new Error(`cannot run redis-server (apt-get install -y redis-server): ${(spawnError as Error).message}`);
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not start on ${port}:\n${server.output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** SIGSTOP: the server keeps its connections but answers nothing (a hung Redis). */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(): void {
    this.child.kill('SIGCONT');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    this.resume(); // a stopped process does not act on SIGTERM
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
