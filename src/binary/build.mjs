#!/usr/bin/env node
// Builds dist/agentgateway: one executable holding Node, the gateway's code bundled by esbuild,
// and its files as single-executable-application assets (src/binary/sea-assets.ts unpacks them).
// `npm run build:binary` runs it after building the admin UI.
//
//   node src/binary/build.mjs             build
//   node src/binary/build.mjs --if-stale  build only when an input changed since the last build
//
// Steps: bundle src/binary/sea-main.ts to CommonJS (what Node 20's SEA runs), with every
// `import.meta.url` replaced by the module's place in the unpacked layout and every required
// `.node` (re2's) loaded from there; bundle each worker thread's script (src/worker.ts and every
// *-worker.ts); write the asset manifest; `node --experimental-sea-config`; copy this Node
// binary (stripped of its symbol tables when `strip` is installed: 99 -> 86 MB), inject the blob
// with postject; check `--version`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { inject } from 'postject';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DIST = join(ROOT, 'dist');
const WORK = join(DIST, 'sea');
const OUT = join(DIST, 'agentgateway');
const STAMP = join(DIST, 'agentgateway.build.json');
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const UWS_BIN = `node_modules/uWebSockets.js/dist/bin/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
const ADDON = 'native/agentgateway_native.node';

const sha256 = (data) => createHash('sha256').update(data).digest('hex');
const posix = (p) => p.split(sep).join('/');

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => posix(relative(ROOT, join(e.parentPath ?? e.path, e.name))))
    .sort();
}

/** path in the unpacked layout -> contents. */
function assets(workers) {
  const files = new Map(workers);
  for (const addon of requiredAddons) files.set(addon, stripped(addon));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  files.set('package.json', Buffer.from(JSON.stringify({ name: pkg.name, version: pkg.version, type: 'module' })));
  const ui = filesUnder(join(DIST, 'ui'));
  if (!ui.includes('dist/ui/index.html')) throw new Error('dist/ui is not built: run `npm run build:ui` first');
  for (const f of ui) files.set(f, readFileSync(join(ROOT, f)));
  files.set(UWS_BIN, readFileSync(join(ROOT, UWS_BIN)));
  // Optional: without it the binary runs the TypeScript twins, as a checkout without cargo does.
  if (existsSync(join(ROOT, ADDON))) files.set(ADDON, readFileSync(join(ROOT, ADDON)));
  return files;
}

const hasStrip = () => spawnSync('strip', ['--version'], { stdio: 'ignore' }).status === 0;

/** An addon built here by node-gyp carries its debug info (re2: 21 MB, 1.3 MB without). */
function stripped(addon) {
  if (!hasStrip()) return readFileSync(join(ROOT, addon));
  const copy = join(WORK, 'stripped', addon);
  mkdirSync(dirname(copy), { recursive: true });
  copyFileSync(join(ROOT, addon), copy);
  run('strip', ['--strip-unneeded', copy]);
  return readFileSync(copy);
}

/** Everything the binary is made of, hashed: a stamp that tells whether a rebuild is due. */
function inputsHash() {
  const h = createHash('sha256').update(process.version).update(process.execPath);
  const inputs = [...filesUnder(join(ROOT, 'src')), ...filesUnder(join(DIST, 'ui')), 'package.json', 'package-lock.json', UWS_BIN];
  if (existsSync(join(ROOT, ADDON))) inputs.push(ADDON);
  for (const f of inputs)
    h.update(f)
      .update('\0')
      .update(sha256(readFileSync(join(ROOT, f))));
  return h.digest('hex');
}

/** Native addons a bundled package requires (re2's build/Release/re2.node): path in the layout. */
const requiredAddons = new Set();

/** `require('./x.node')` loads the addon from the unpacked layout, where it is shipped as an asset. */
const nativeAddonPlugin = {
  name: 'sea-native-addons',
  setup(b) {
    b.onResolve({ filter: /\.node$/ }, (args) => {
      const rel = posix(relative(ROOT, join(args.resolveDir, args.path)));
      if (!rel.startsWith('node_modules/')) throw new Error(`${args.importer}: native addon ${args.path} outside node_modules`);
      requiredAddons.add(rel);
      return { path: rel, namespace: 'sea-native' };
    });
    b.onLoad({ filter: /.*/, namespace: 'sea-native' }, (args) => ({
      contents: `const url = globalThis.__agwSeaUrl(${JSON.stringify(args.path)});
module.exports = require('node:module').createRequire(url)(require('node:url').fileURLToPath(url));`,
      loader: 'js',
    }));
  },
};

/**
 * A package the gateway loads on first use (ioredis, the AWS libraries) is required with
 * `createRequire(import.meta.url)('<package>')`, which esbuild cannot follow: in the binary it
 * would look for node_modules/ beside the unpacked files, where there is none. That exact form
 * becomes `require('<package>')`, which esbuild bundles as a module initialised on its first
 * call, so the load stays lazy. Relative paths (package.json, shipped in the layout) and the
 * addon loader's computed path keep createRequire; any other use fails the build.
 */
const LAZY_REQUIRE = /createRequire\(import\.meta\.url\)\((['"])([^'".][^'"]*)\1\)/g;
const KEPT_REQUIRE = /createRequire\(import\.meta\.url\)(?!\((['"])\.|\(path\))/;

function bundledLazyRequires(rel, text) {
  const out = text.replace(LAZY_REQUIRE, (_, q, spec) => `require(${q}${spec}${q})`);
  if (KEPT_REQUIRE.test(out)) throw new Error(`${rel}: createRequire(import.meta.url) not called directly with a package name`);
  return out;
}

/** Each module's `import.meta.url` becomes where that module sits in the unpacked layout. */
const metaUrlPlugin = {
  name: 'sea-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|tsx|mjs|js|cjs)$/, namespace: 'file' }, (args) => {
      let text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const rel = posix(relative(ROOT, args.path));
      if (rel.startsWith('src/')) text = bundledLazyRequires(rel, text);
      let layout;
      if (rel.startsWith('src/')) layout = `dist/${rel.slice(4).replace(/\.tsx?$/, '.js')}`;
      else if (rel.startsWith('node_modules/')) layout = rel;
      else throw new Error(`${rel}: import.meta outside src/ and node_modules/`);
      const contents = text.replaceAll('import.meta.url', `globalThis.__agwSeaUrl(${JSON.stringify(layout)})`);
      if (contents.includes('import.meta')) throw new Error(`${rel}: uses import.meta beyond .url, which the binary cannot provide`);
      return { contents, loader: /\.tsx?$/.test(rel) ? 'ts' : 'js' };
    });
  },
};

const common = { bundle: true, platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning' };

async function bundle(file) {
  await build({
    ...common,
    entryPoints: [join(ROOT, 'src/binary/sea-main.ts')],
    outfile: file,
    format: 'cjs',
    plugins: [nativeAddonPlugin, metaUrlPlugin],
  });
}

/** Worker thread scripts: the data-plane worker (`--workers N`) and every `*-worker.ts`. */
const isWorkerScript = (f) => f === 'src/worker.ts' || f.endsWith('-worker.ts');

/**
 * Worker threads load their script from a file (`new Worker(new URL('./x-worker.js',
 * import.meta.url))`), so each worker script under src/ is bundled on its own, as the ES module
 * the layout's package.json says .js files are, and shipped where the dist/ build would put it.
 * A worker thread has globals of its own and does not run sea-assets.ts: the bundle's banner
 * defines `__agwSeaUrl` from where the script itself sits, inside the already unpacked layout.
 */
async function bundleWorkers() {
  const workers = new Map();
  for (const src of filesUnder(join(ROOT, 'src')).filter(isWorkerScript)) {
    const rel = `dist/${src.slice(4).replace(/\.ts$/, '.js')}`;
    const out = join(WORK, 'workers', rel);
    const root = '../'.repeat(rel.split('/').length - 1);
    await build({
      ...common,
      entryPoints: [join(ROOT, src)],
      outfile: out,
      format: 'esm',
      banner: {
        js: [
          // CommonJS dependencies inside an ES module bundle still call require() for built-ins
          "import { createRequire as __agwRequire } from 'node:module'; const require = __agwRequire(import.meta.url);",
          `globalThis.__agwSeaUrl ??= (rel) => new URL(rel, new URL(${JSON.stringify(root)}, import.meta.url)).href;`,
        ].join('\n'),
      },
      plugins: [nativeAddonPlugin, metaUrlPlugin],
    });
    workers.set(rel, readFileSync(out));
  }
  return workers;
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.error !== undefined || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.error?.message ?? r.stderr}`);
  return r.stdout;
}

async function main() {
  const inputs = inputsHash();
  if (process.argv.includes('--if-stale') && existsSync(OUT) && existsSync(STAMP)) {
    if (JSON.parse(readFileSync(STAMP, 'utf8')).inputs === inputs) {
      console.log(`agentgateway binary is up to date: ${OUT}`);
      return;
    }
  }
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const main = join(WORK, 'agentgateway.cjs');
  await bundle(main);

  const files = assets(await bundleWorkers());
  const manifest = { files: [...files].map(([path, body]) => ({ path, size: body.length, sha256: sha256(body) })) };
  manifest.build = sha256(manifest.files.map((f) => `${f.path}\0${f.sha256}`).join('\n')).slice(0, 16);
  const seaAssets = { 'manifest.json': join(WORK, 'manifest.json') };
  writeFileSync(seaAssets['manifest.json'], JSON.stringify(manifest));
  for (const [path, body] of files) {
    const dest = join(WORK, 'assets', path);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, body);
    seaAssets[path] = dest;
  }
  const blob = join(WORK, 'agentgateway.blob');
  const seaConfig = { main, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true, assets: seaAssets };
  writeFileSync(join(WORK, 'sea-config.json'), JSON.stringify(seaConfig, null, 2));
  run(process.execPath, ['--experimental-sea-config', join(WORK, 'sea-config.json')]);

  const tmp = `${OUT}.${process.pid}.tmp`;
  copyFileSync(process.execPath, tmp);
  chmodSync(tmp, 0o755);
  // Symbol tables are 13 MB of the 99 MB node binary; the dynamic symbols that addons link against stay.
  if (hasStrip()) run('strip', ['--strip-all', tmp]);
  await inject(tmp, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE });
  const version = run(tmp, ['--version'], { env: { ...process.env, AGW_CACHE_DIR: join(WORK, 'cache') } }).trim();
  renameSync(tmp, OUT);
  rmSync(join(WORK, 'assets'), { recursive: true, force: true });
  const size = statSync(OUT).size;
  writeFileSync(STAMP, JSON.stringify({ inputs, size, version, addon: files.has(ADDON) }, null, 2));
  console.log(
    `built ${posix(relative(ROOT, OUT))}: ${version}, ${(size / 1e6).toFixed(1)} MB${files.has(ADDON) ? '' : ' (without the Rust addon)'}`,
  );
}

await main();
