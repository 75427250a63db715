// Ports for gateways the e2e tests start, so test files can run in parallel.
//
// A gateway binds the ports its config names, so a test must know them before it starts:
// freePort() asks the OS whether a port is free by binding it, then releases it for the
// gateway. Candidates come from below the kernel's ephemeral range (32768-60999 by default),
// which outgoing connections draw from, so no client socket can take the port in the moment
// between the check and the gateway's bind; each vitest worker has its own slice of that
// range (VITEST_POOL_ID), so two files running at once never hand out the same port.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const FIRST = 20_000;
const SLICE = 1_000;
const SLICES = 12;

const worker = (Number(process.env.VITEST_POOL_ID ?? '1') - 1) % SLICES;
const base = FIRST + worker * SLICE;
let next = Math.floor(Math.random() * SLICE);

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    // The gateway listens on all addresses ([::] or 0.0.0.0) for data-plane ports: check that.
    s.listen({ port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** A port nothing listens on now, not handed out before by this test file. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE; tries++) {
    const port = base + (next++ % SLICE);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${base}-${base + SLICE - 1}`);
}

/** `n` distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return ports;
}

/**
 * A config's text with its bind ports moved (`port: 3000` -> `port: <free>`), every other byte
 * kept: how the suites serve the guide's files, which name fixed ports. Fails if a port to move
 * is not in the file.
 */
export function movePorts(yaml: string, moves: Record<number, number>): string {
  let out = yaml;
  for (const [from, to] of Object.entries(moves)) {
    const re = new RegExp(`^(\\s*-?\\s*port:\\s*)${from}(\\s*(#.*)?)$`, 'gm');
    if (!re.test(out)) throw new Error(`no "port: ${from}" line to move`);
    out = out.replace(re, `$1${to}$2`);
  }
  return out;
}

export interface MovedConfig {
  /** The copy to serve: same relative path under a temp directory, so messages naming it match. */
  file: string;
  /** Where the config's bind `original` now listens. */
  port(original: number): number;
}

/** A repository config (e.g. the guide's) copied with every bind port moved to a free one. */
export async function onFreePorts(configPath: string): Promise<MovedConfig> {
  const text = readFileSync(join(ROOT, configPath), 'utf8');
  const moves: Record<number, number> = {};
  for (const m of text.matchAll(/^\s*-?\s*port:\s*(\d+)\s*(#.*)?$/gm)) moves[Number(m[1])] ??= await freePort();
  const file = join(mkdtempSync(join(tmpdir(), 'agw-ports-')), configPath);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, movePorts(text, moves));
  return {
    file,
    port: (original) => {
      const p = moves[original];
      if (p === undefined) throw new Error(`${configPath} has no bind on port ${original}`);
      return p;
    },
  };
}
