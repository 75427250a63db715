// A real, throwaway PostgreSQL for the tests (Debian's `postgresql` package, which npm test's
// globalSetup, test/setup/system-packages.ts, installs when missing): a cluster made with initdb
// in a temp dir, started with pg_ctl on a port of the suite's range, trust authentication on
// 127.0.0.1 only, and deleted when stopped. PostgreSQL refuses to run as root, so as root (CI,
// the test namespaces) it runs as the `postgres` user the package creates.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0)
    throw new Error('PostgreSQL is not installed (apt-get install postgresql; npm test does it when run as root on Debian)');
  return join(root, versions.sort((a, b) => Number(b) - Number(a))[0]!, 'bin');
}

export class PostgresServer {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
    readonly port: number,
  ) {}

  static async start(port: number): Promise<PostgresServer> {
    const bin = binDir();
    const dir = mkdtempSync(join(tmpdir(), 'agw-pg-'));
    const server = new PostgresServer(dir, bin, port);
    if (process.getuid?.() === 0) {
      const { stdout } = await run('id', ['-u', 'postgres']);
      const { stdout: gid } = await run('id', ['-g', 'postgres']);
      chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    }
    await server.as('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off`;
    await server.as('pg_ctl', ['-D', join(dir, 'data'), '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '30', 'start']);
    return server;
  }

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  /** Runs SQL (several statements allowed) in one connection. */
  async sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
    const c = new pg.Client({ connectionString: this.url });
    await c.connect();
    try {
      return await c.query(text, params);
    } finally {
      await c.end();
    }
  }

  async stop(): Promise<void> {
    await this.as('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']).catch(() => {});
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** A PostgreSQL program, as the postgres user when we are root. */
  private async as(program: string, args: string[]): Promise<void> {
    const cmd = join(this.bin, program);
    try {
      if (process.getuid?.() === 0) await run('runuser', ['-u', 'postgres', '--', cmd, ...args], { cwd: this.dir });
      else await run(cmd, args);
    } catch (e) {
      const err = e as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${program} failed: ${err.stderr || err.stdout || err.message}`);
    }
  }
}
