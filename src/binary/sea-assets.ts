// The files a single executable carries besides its code: package.json, the admin UI, the uWS
// addon for this platform and, when it was built, the Rust addon. Node's single-executable
// applications cannot load a `.node` from memory, and the gateway's modules find these files
// relative to their own location (`new URL('../ui/', import.meta.url)`), so the first use
// writes them once into a private cache directory laid out like the package, and the bundle
// (src/binary/build.mjs) turns each module's `import.meta.url` into the place that module would
// have in that layout. The modules themselves are unchanged.
//
// The directory is named for the hash of its contents, reused when every file still has the
// recorded size and SHA-256, and trusted only when it belongs to us (or root, for an image that
// extracted it at build time) and nobody else can write to it: a planted `.node` would run as
// the gateway. Candidates, first usable wins: $AGW_CACHE_DIR, $XDG_CACHE_HOME/agentgateway,
// ~/.cache/agentgateway, <tmpdir>/agentgateway-<uid>, then a fresh private temp directory.
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { getAsset, isSea } from 'node:sea';
import { pathToFileURL } from 'node:url';

export const MANIFEST_ASSET = 'manifest.json';

export interface AssetManifest {
  /** Hash over every file's path and contents: the cache directory's name. */
  build: string;
  files: { path: string; size: number; sha256: string }[];
}

declare global {
  /** The bundle's stand-in for `import.meta.url` of the module that sits at `rel` in the package. */
  var __agwSeaUrl: (rel: string) => string;
}

let root: string | null = null;

function extractedRoot(): string {
  if (root !== null) return root;
  const manifest = JSON.parse(getAsset(MANIFEST_ASSET, 'utf8')) as AssetManifest;
  const tried: string[] = [];
  for (const base of candidateBases()) {
    try {
      root = useOrExtract(join(base, manifest.build), manifest);
      return root;
    } catch (e) {
      tried.push(`${base}: ${(e as Error).message}`);
    }
  }
  try {
    const dir = mkdtempSync(join(tmpdir(), 'agentgateway-'));
    writeAll(dir, manifest);
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    root = dir;
    return dir;
  } catch (e) {
    tried.push(`${tmpdir()}: ${(e as Error).message}`);
    throw new Error(`cannot unpack the binary's files; set AGW_CACHE_DIR to a writable directory. Tried:\n  ${tried.join('\n  ')}`);
  }
}

function candidateBases(): string[] {
  const env = process.env;
  const uid = process.getuid?.() ?? 0;
  const bases = [env.AGW_CACHE_DIR, env.XDG_CACHE_HOME && join(env.XDG_CACHE_HOME, 'agentgateway')];
  try {
    bases.push(join(homedir(), '.cache', 'agentgateway'));
  } catch {
    // no home directory (a container user without one): the temp candidates remain
  }
  bases.push(join(tmpdir(), `agentgateway-${uid}`));
  return bases.filter((b): b is string => typeof b === 'string' && b !== '');
}

function useOrExtract(dir: string, manifest: AssetManifest): string {
  if (existsSync(dir)) {
    assertPrivate(dirname(dir));
    assertPrivate(dir);
    if (intact(dir, manifest)) return dir;
  }
  mkdirSync(dirname(dir), { recursive: true, mode: 0o700 });
  assertPrivate(dirname(dir));
  const tmp = mkdtempSync(`${dir}.tmp-`);
  writeAll(tmp, manifest);
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // another gateway process unpacked the same build at the same moment: use its copy
    rmSync(tmp, { recursive: true, force: true });
    if (!intact(dir, manifest)) throw e;
  }
  return dir;
}

/** Owned by us or root, a directory, not writable by group or others. */
function assertPrivate(path: string): void {
  const st = lstatSync(path);
  const uid = process.getuid?.() ?? 0;
  if (!st.isDirectory()) throw new Error(`${path} is not a directory`);
  if (st.uid !== uid && st.uid !== 0) throw new Error(`${path} belongs to another user (uid ${st.uid})`);
  if ((st.mode & 0o022) !== 0) throw new Error(`${path} is writable by others (mode ${(st.mode & 0o777).toString(8)})`);
}

function intact(dir: string, manifest: AssetManifest): boolean {
  return manifest.files.every((f) => {
    try {
      const body = readFileSync(join(dir, f.path));
      return body.length === f.size && sha256(body) === f.sha256;
    } catch {
      return false;
    }
  });
}

function writeAll(dir: string, manifest: AssetManifest): void {
  for (const f of manifest.files) {
    const dest = join(dir, f.path);
    mkdirSync(dirname(dest), { recursive: true, mode: 0o755 });
    writeFileSync(dest, new Uint8Array(getAsset(f.path)), { mode: 0o644 });
  }
}

function sha256(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

globalThis.__agwSeaUrl = (rel) => {
  if (!isSea()) throw new Error('__agwSeaUrl is only meaningful inside the single executable');
  return pathToFileURL(join(extractedRoot(), rel)).href;
};
