// Loads uWebSockets.js on first use, after the config is read: its parser reads
// UWS_HTTP_MAX_HEADERS_SIZE once, when the binary is loaded, so a static import (hoisted before
// any config code runs) would freeze uWS's 4 KiB default. Also silences uWS's
// `uWebSockets: 20` response header (responses carried it next to the upstream's own).
import type * as Uws from 'uWebSockets.js';

export type UwsModule = typeof Uws;

let module: UwsModule | null = null;
let headLimit = 0;

/** Loads uWS with `maxHeadBytes` as its head limit; later calls return the first load. */
export async function loadUws(maxHeadBytes: number): Promise<UwsModule> {
  if (module !== null) return module;
  process.env.UWS_HTTP_MAX_HEADERS_SIZE = String(maxHeadBytes);
  const m = await import('uWebSockets.js');
  // `_cfg('silent')` turns off the per-response `uWebSockets` header (the loop's noMark flag).
  (m as unknown as { _cfg(key: string): void })._cfg('silent');
  module = m;
  headLimit = maxHeadBytes;
  return m;
}

export function uws(): UwsModule {
  if (module === null) throw new Error('uWebSockets.js used before loadUws()');
  return module;
}

/** The head limit uWS was loaded with (0 before it is loaded). It cannot change until a restart. */
export function uwsHeadLimit(): number {
  return headLimit;
}
