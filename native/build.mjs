#!/usr/bin/env node
// Builds the Rust addon and puts it where src/native/addon/load.ts looks for it
// (native/agentgateway_native.node). Run by `npm run build:native`, and so by `npm install`.
//
// - cargo missing: one line saying the TypeScript implementation will be used, exit 0, so an
//   install without a Rust toolchain still works.
// - AGW_NATIVE=0: skip the build the same way (the addon would not be loaded anyway).
// - cargo present but the build fails: print cargo's output and exit non-zero, so CI notices.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const dest = join(here, 'agentgateway_native.node');

function libraryName() {
  if (process.platform === 'win32') return 'agentgateway_native.dll';
  if (process.platform === 'darwin') return 'libagentgateway_native.dylib';
  return 'libagentgateway_native.so';
}

function main() {
  if (process.env.AGW_NATIVE === '0') {
    console.log('agentgateway: AGW_NATIVE=0, native addon not built; the TypeScript implementation will be used.');
    return 0;
  }
  const probe = spawnSync('cargo', ['--version'], { stdio: 'ignore' });
  if (probe.error !== undefined || probe.status !== 0) {
    console.log('agentgateway: cargo not found, native addon not built; the TypeScript implementation will be used.');
    return 0;
  }
  // No crate dependencies, so --offline always suffices (the registry is unreachable here).
  const build = spawnSync('cargo', ['build', '--release', '--offline', '--package', 'agentgateway_native'], {
    cwd: root,
    stdio: 'inherit',
  });
  if (build.error !== undefined || build.status !== 0) {
    console.error(`agentgateway: cargo build of the native addon failed (${build.error?.message ?? `exit ${build.status}`})`);
    return build.status || 1;
  }
  const targetDir = process.env.CARGO_TARGET_DIR ?? join(root, 'target');
  const built = join(targetDir, 'release', libraryName());
  if (!existsSync(built)) {
    console.error(`agentgateway: cargo reported success but ${built} does not exist`);
    return 1;
  }
  // Copy then rename: a running gateway has the old file mapped, and overwriting a mapped
  // shared object in place crashes it; a rename swaps the directory entry atomically.
  const tmp = `${dest}.${process.pid}.tmp`;
  copyFileSync(built, tmp);
  renameSync(tmp, dest);
  console.log(`agentgateway: native addon built: ${dest}`);
  return 0;
}

process.exitCode = main();
