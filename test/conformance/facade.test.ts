// The facade's policy: AGW_NATIVE, per-job choice, load failures reported (never swallowed),
// and the build script's behaviour without cargo. The facade resolves once per process, so each
// case imports a fresh copy of the module.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ADDON_PATH, loadAddon } from '../../src/native/addon/load.js';

const saved = { AGW_NATIVE: process.env.AGW_NATIVE, AGW_EDGE: process.env.AGW_EDGE };
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function facade(flag: string | undefined, edge?: string) {
  vi.resetModules();
  if (flag === undefined) delete process.env.AGW_NATIVE;
  else process.env.AGW_NATIVE = flag;
  if (edge === undefined) delete process.env.AGW_EDGE;
  else process.env.AGW_EDGE = edge;
  return import('../../src/native/index.js');
}

const built = existsSync(ADDON_PATH);

describe('native facade', () => {
  it('AGW_NATIVE=0 uses TypeScript for every job without loading the addon', async () => {
    const f = await facade('0');
    expect(f.nativeStatus()).toEqual({
      sse: 'ts',
      headers: 'ts',
      p2c: 'ts',
      edge: 'node',
      affinity: 'ts',
      addonLoaded: false,
      loadError: 'disabled by AGW_NATIVE=0',
    });
    expect(f.describeNative()).toBe(
      'native addon not in use: disabled by AGW_NATIVE=0; TypeScript implementation: sse=ts headers=ts p2c=ts affinity=ts; ' +
        'HTTP edge: Node http server for every connection (the native addon is unavailable (disabled by AGW_NATIVE=0))',
    );
    expect(f.createSseFramer().constructor.name).toBe('TsSseFramer');
  });

  it('rejects an AGW_NATIVE value other than 0 or 1', async () => {
    const f = await facade('yes');
    expect(() => f.nativeStatus()).toThrow(/AGW_NATIVE must be 0 .* or 1 .*, got "yes"/);
  });

  it('by default uses the addon where it was built, per job as PREFERRED says', async () => {
    const f = await facade(undefined);
    const s = f.nativeStatus();
    expect(s.addonLoaded).toBe(built);
    for (const job of ['sse', 'headers', 'p2c', 'affinity'] as const) expect(s[job]).toBe(built ? f.PREFERRED[job] : 'ts');
    expect(f.createSseFramer().constructor.name).toBe(s.sse === 'native' ? 'NativeSseFramer' : 'TsSseFramer');
    expect(f.createPickTwo(2).constructor.name).toBe(s.p2c === 'native' ? 'NativePickTwo' : 'TsPickTwo');
    expect(f.describeNative()).toMatch(built ? /^native addon loaded from .*agentgateway_native\.node; sse=/ : /not built/);
  });

  it('AGW_NATIVE=1 uses the addon for every job, or fails loudly with the reason', async () => {
    const f = await facade('1');
    if (!built) {
      expect(() => f.nativeStatus()).toThrow(/AGW_NATIVE=1 requires the native addon, which is unavailable: not built/);
      return;
    }
    expect(f.nativeStatus()).toEqual({
      sse: 'native',
      headers: 'native',
      p2c: 'native',
      affinity: 'native',
      edge: 'acceptor',
      addonLoaded: true,
    });
    expect(f.describeNative()).toMatch(/AGW_NATIVE=1: native for every job\); HTTP edge: native acceptor \+ uWS/);
  });

  describe('trimMalloc (glibc malloc_trim through the addon)', () => {
    it('is the addon export, which returns 1 or 0 on glibc and -1 elsewhere', () => {
      const r = loadAddon();
      if (r.addon === null) return expect(built).toBe(false);
      const header = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header;
      expect(header.glibcVersionRuntime !== undefined ? [0, 1] : [-1]).toContain(r.addon.trimMalloc());
    });

    it('is a no-op returning false without the addon (AGW_NATIVE=0 loads nothing)', async () => {
      const f = await facade('0');
      expect(f.trimMalloc()).toBe(false);
      expect(f.nativeStatus().addonLoaded).toBe(false);
    });
  });

  describe('the HTTP edge', () => {
    it('is the acceptor where the addon is built (Linux), else the Node http server', async () => {
      const f = await facade(undefined);
      expect(f.edgeChoice().name).toBe(built && process.platform === 'linux' ? 'acceptor' : 'node');
    });

    it('AGW_EDGE picks one; AGW_EDGE=acceptor without the addon fails loudly', async () => {
      expect((await facade(undefined, 'node')).edgeChoice().name).toBe('node');
      expect((await facade(undefined, 'uws')).edgeChoice()).toMatchObject({
        name: 'uws',
        why: expect.stringMatching(/benchmark baseline/),
      });
      const off = await facade('0', 'acceptor');
      expect(() => off.edgeChoice()).toThrow(
        /the acceptor edge is required but the native addon is unavailable \(disabled by AGW_NATIVE=0\)/,
      );
    });

    it('rejects an unknown AGW_EDGE', async () => {
      const f = await facade(undefined, 'nginx');
      expect(() => f.edgeChoice()).toThrow(/AGW_EDGE must be acceptor, node or uws, got "nginx"/);
    });
  });

  it('reports a missing addon and a file that is not one, instead of throwing', () => {
    expect(loadAddon('/nonexistent/agentgateway_native.node')).toMatchObject({ addon: null, reason: expect.stringMatching(/^not built/) });
    const dir = mkdtempSync(join(tmpdir(), 'agw-addon-'));
    try {
      const bogus = join(dir, 'bogus.node');
      writeFileSync(bogus, 'not an ELF file');
      expect(loadAddon(bogus)).toMatchObject({ addon: null, reason: expect.stringMatching(/^failed to load .*bogus\.node: /) });
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('native/build.mjs', () => {
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [join(import.meta.dirname, '../../native/build.mjs')], { env, encoding: 'utf8' });

  it('prints one line and succeeds when cargo is absent', () => {
    const empty = mkdtempSync(join(tmpdir(), 'agw-nocargo-'));
    try {
      const r = run({ PATH: empty });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('agentgateway: cargo not found, native addon not built; the TypeScript implementation will be used.\n');
      expect(r.stderr).toBe('');
    } finally {
      rmSync(empty, { recursive: true });
    }
  });

  it('skips the build under AGW_NATIVE=0', () => {
    const r = run({ ...process.env, AGW_NATIVE: '0' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
  });
});
