// What the suites need from the machine besides Node and node_modules: Debian's `chromium` (the
// admin UI suite drives it headless through playwright-core), `redis-server` (the suites that
// run a real Redis) and `postgresql` (the LiteLLM database import's throwaway cluster). Vitest
// runs this once before any test file (globalSetup), so `npm test` on a fresh Debian machine
// with only Node brings them itself.
//
// Only the test files selected for this run count: a file needs chromium when it imports
// playwright-core, redis-server when it imports test/helpers/redis-server, postgresql when it
// imports test/helpers/postgres-server. For what is missing:
// as root on Debian, `apt-get install` it; otherwise stop the run before any test, with the exact
// command to run. Nothing is skipped: a suite that needs a package runs with it or the run fails.
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { TestProject } from 'vitest/node';

interface Package {
  name: string;
  /** What in a test file's source says it needs the package. */
  neededBy: RegExp;
  installed(): boolean;
}

export const PACKAGES: readonly Package[] = [
  {
    name: 'chromium',
    neededBy: /from 'playwright-core'/,
    installed: () => existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  },
  { name: 'redis-server', neededBy: /helpers\/redis-server\.js'/, installed: () => onPath('redis-server') },
  // the LiteLLM database import runs against a real PostgreSQL (initdb and pg_ctl from the package)
  { name: 'postgresql', neededBy: /helpers\/postgres-server\.js'/, installed: () => postgresInstalled() },
];

function postgresInstalled(): boolean {
  const root = '/usr/lib/postgresql';
  return existsSync(root) && readdirSync(root).some((v) => existsSync(join(root, v, 'bin', 'initdb')));
}

export function onPath(command: string, path = process.env.PATH ?? ''): boolean {
  return path.split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Packages that the given test files need and the machine lacks. */
export function missingFor(files: readonly string[]): string[] {
  const sources = files.map((f) => readFileSync(f, 'utf8'));
  return PACKAGES.filter((p) => sources.some((s) => p.neededBy.test(s)) && !p.installed()).map((p) => p.name);
}

export function installCommand(packages: readonly string[], sudo: boolean): string {
  const s = sudo ? 'sudo ' : '';
  return `${s}apt-get update && ${s}apt-get install -y --no-install-recommends ${packages.join(' ')}`;
}

function canInstall(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/etc/debian_version') && onPath('apt-get');
}

function install(packages: readonly string[]): boolean {
  console.log(`\nnpm test: installing Debian packages the selected suites need: ${packages.join(', ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const r = spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', ...args], { stdio: 'inherit', env });
    if (r.status !== 0) return false;
  }
  return true;
}

export function explain(packages: readonly string[], triedInstall: boolean): string {
  const lines = [
    `npm test needs ${packages.join(' and ')}, not installed${triedInstall ? ' (apt-get could not install it: see above)' : ''}.`,
    'chromium: the admin UI suite drives it headless; redis-server: the suites that run a real Redis; postgresql: the LiteLLM database import.',
    'Install, then run npm test again:',
    '',
    `  ${installCommand(packages, process.getuid?.() !== 0)}`,
    '',
  ];
  if (!existsSync('/etc/debian_version')) {
    lines.push(
      'Not Debian or Ubuntu: install Chromium, Redis and PostgreSQL with the system package manager (CHROMIUM_PATH names the browser).',
    );
  }
  return lines.join('\n');
}

/** The run's test files: the CLI's filters when given (vitest keeps them on the instance), else all. */
async function selectedFiles(project: TestProject): Promise<string[]> {
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  return (await project.globTestFiles(filters)).testFiles;
}

export default async function setup(project: TestProject): Promise<void> {
  const missing = missingFor(await selectedFiles(project));
  if (missing.length === 0) return;
  const tried = canInstall();
  if (tried && install(missing) && PACKAGES.every((p) => !missing.includes(p.name) || p.installed())) return;
  throw new Error(explain(missing, tried));
}
