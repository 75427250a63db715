// Facade over the Rust addon and its pure-TS twin. Everything outside src/native/ imports
// from here, never from the addon or the fallback directly.
import { TsSseFramer } from './fallback/sse.js';
import type { SseFramer, SseFramerOptions } from './types.js';

export * from './types.js';

export function createSseFramer(opts?: SseFramerOptions): SseFramer {
  return new TsSseFramer(opts);
}
