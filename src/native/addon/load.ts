// Finds and loads the Rust addon. Never throws: every failure becomes a reason string that the
// facade reports (and turns into an error only when AGW_NATIVE=1 demands the addon).
import type { PickTwo } from '../types.js';
import type { AcceptorClass } from './acceptor.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Must equal ABI in native/src/lib.rs; a mismatch means a stale build. */
export const ADDON_ABI = 5;

/**
 * Where native/build.mjs puts the addon. Resolved from this file, which sits three levels
 * below the package root both as src/native/addon/load.ts (vitest, tsx) and as
 * dist/native/addon/load.js (production).
 */
export const ADDON_PATH = fileURLToPath(new URL('../../../native/agentgateway_native.node', import.meta.url));

export interface AddonSseFramer {
  /**
   * Frames completed, copied into `out` (the first `ints` int32s are the offsets, the bytes
   * follow); SSE_TOO_LARGE for an oversize frame; SSE_NO_FIT when the output did not fit (grow
   * to outputBytes()/outputFrames(), then copyOut).
   */
  push(chunk: Uint8Array, out: Uint8Array, ints: number): number;
  copyOut(out: Uint8Array, ints: number): number;
  outputBytes(): number;
  outputFrames(): number;
  end(): boolean;
}

export const SSE_TOO_LARGE = -1;
export const SSE_NO_FIT = -2;

export interface AddonHeaderRules {
  /** `list.join('\0')`; -1 when the element count differs (a NUL inside an element). */
  filterJoined(joined: string, count: number, plan: Int32Array): number;
  filterStrings(list: readonly string[], plan: Int32Array): number;
  filterBuffers(list: readonly Uint8Array[], plan: Int32Array): number;
}

/** The addon's class: the facade's PickTwo, with the shared state handed over as one ArrayBuffer. */
export interface AddonPickTwo extends Omit<PickTwo, 'size' | 'state'> {
  state(): ArrayBuffer;
}

/** The addon's affinity hasher: the facade's AffinityHasher, seeds and keys as uint32. */
export interface AddonAffinity {
  hash(text: string, seed: number): number;
  rendezvous(key: number, hashes: Uint32Array, eligible: Uint8Array): number;
  rendezvousWeighted(key: number, hashes: Uint32Array, weights: Float64Array, eligible: Uint8Array): number;
}

export interface Addon {
  readonly abi: number;
  readonly SseFramer: new (maxFrameBytes: number) => AddonSseFramer;
  readonly HeaderRules: new (drop: readonly string[], dropConnectionListed: boolean) => AddonHeaderRules;
  readonly PickTwo: new (size: number, seed: number) => AddonPickTwo;
  /** The HTTP edge's connection acceptor; Linux only. */
  readonly Acceptor?: AcceptorClass;
  readonly Affinity: new () => AddonAffinity;
  /** glibc's malloc_trim(0): 1 memory was released, 0 none was free, -1 not glibc (native/src/trim.rs). */
  readonly trimMalloc: () => number;
}

export type LoadResult = { addon: Addon; path: string } | { addon: null; reason: string };

export function loadAddon(path: string = ADDON_PATH): LoadResult {
  if (!existsSync(path)) {
    return { addon: null, reason: `not built: ${path} is missing (\`npm run build:native\` builds it when cargo is installed)` };
  }
  let addon: Addon;
  try {
    addon = createRequire(import.meta.url)(path) as Addon;
  } catch (err) {
    return { addon: null, reason: `failed to load ${path}: ${(err as Error).message}` };
  }
  if (addon.abi !== ADDON_ABI) {
    return {
      addon: null,
      reason: `stale build at ${path} (abi ${String(addon.abi)}, expected ${ADDON_ABI}); run \`npm run build:native\``,
    };
  }
  return { addon, path };
}
