// Facade over the Rust addon (native/) and its pure-TS twins: the SSE framer (fallback/sse.ts),
// the header rewriter (src/http/header-rewrite.ts, running the rules src/http/header-rules.ts
// compiles), pick-2 (src/lb/p2c.ts) and session-affinity hashing (src/lb/affinity-hash.ts).
// Callers get each job from here, never from the addon or a twin directly.
//
// Policy lives here, not in Rust: whether the addon loads (AGW_NATIVE), and which
// implementation each job uses. Without AGW_NATIVE the addon is loaded when it was built, and
// each job uses whichever implementation bench/micro measured faster (PREFERRED, numbers in
// native/README.md). AGW_NATIVE=1 requires the addon and uses it for every job (CI's native
// lane); AGW_NATIVE=0 never loads it.
import type { AcceptorClass } from './addon/acceptor.js';
import { nativeAffinity } from './addon/affinity.js';
import { nativeHeaderRewriter } from './addon/headers.js';
import { loadAddon, type Addon } from './addon/load.js';
import { NativePickTwo } from './addon/p2c.js';
import { NativeSseFramer } from './addon/sse.js';
import { tsHeaderRewriter } from '../http/header-rewrite.js';
import { tsAffinity } from '../lb/affinity-hash.js';
import { TsPickTwo } from '../lb/p2c.js';
import { TsSseFramer } from './fallback/sse.js';
import {
  maxFrameBytes,
  type AffinityHasher,
  type HeaderRewriter,
  type PickTwo,
  type PickTwoOptions,
  type SseFramer,
  type SseFramerOptions,
} from './types.js';
import type { CompiledHeaderRules } from '../http/header-rules.js';

export * from './types.js';
export type { AcceptorClass, AddonAcceptor, OnConnection } from './addon/acceptor.js';
export { HANDOFF_FAST, HANDOFF_REASONS, HANDOFF_SLOW, HANDOFF_TIMEOUT } from './addon/acceptor.js';
export { compileHeaderRules, CompiledHeaderRules, HeaderRuleError } from '../http/header-rules.js';

export type NativeJob = 'sse' | 'headers' | 'p2c' | 'affinity';
export type ImplementationName = 'native' | 'ts';

/** One complete implementation of the three jobs. */
export interface Implementation {
  readonly name: ImplementationName;
  createSseFramer(opts?: SseFramerOptions): SseFramer;
  readonly headers: HeaderRewriter;
  createPickTwo(size: number, opts?: PickTwoOptions): PickTwo;
  readonly affinity: AffinityHasher;
}

export interface NativeStatus {
  sse: ImplementationName;
  headers: ImplementationName;
  p2c: ImplementationName;
  /** Which HTTP edge serves the data-plane ports (edgeChoice). */
  edge: EdgeName;
  affinity: ImplementationName;
  addonLoaded: boolean;
  loadError?: string;
}

/**
 * Per job, the implementation used when the addon is loaded and AGW_NATIVE is unset: native
 * where `npm run bench:micro` measured it faster on the geometric mean of the job's inputs
 * (that script prints this verdict and flags a disagreement with this table). Measured on the
 * 2-core reference VM, Node 20 (table in native/README.md):
 * - sse: native, 1.16×. TS wins when each read holds one event (the addon's ~120 ns Node-API
 *   cost per push shows: 0.71-0.83×), native as soon as reads hold several (1.09-1.81×), which
 *   is what a busy gateway sees, and the only time the framer's cost matters.
 * - headers: TS, native 0.83×. Reading 40 strings or Buffers through Node-API costs more than
 *   the whole TS rewrite.
 * - p2c: TS, native 0.39×. A pick is 23-88 ns in TS; one Node-API call alone is ~50 ns.
 */
export const PREFERRED: Readonly<Record<NativeJob, ImplementationName>> = Object.freeze({
  sse: 'native',
  headers: 'ts',
  p2c: 'ts',
  affinity: 'ts',
});

const JOBS: readonly NativeJob[] = ['sse', 'headers', 'p2c', 'affinity'];

const tsImplementation: Implementation = {
  name: 'ts',
  createSseFramer: (opts) => new TsSseFramer(opts),
  headers: tsHeaderRewriter,
  createPickTwo: (size, opts) => new TsPickTwo(size, seedOf(opts)),
  affinity: tsAffinity,
};

function nativeImplementation(addon: Addon): Implementation {
  return {
    name: 'native',
    createSseFramer: (opts) => new NativeSseFramer(addon, maxFrameBytes(opts)),
    headers: nativeHeaderRewriter(addon),
    createPickTwo: (size, opts) => new NativePickTwo(addon, size, seedOf(opts)),
    affinity: nativeAffinity(addon),
  };
}

function seedOf(opts: PickTwoOptions | undefined): number {
  return opts?.seed !== undefined ? opts.seed >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

interface Resolved {
  mode: 'auto' | 'ts' | 'native';
  native: Implementation | null;
  path?: string;
  loadError?: string;
  chosen: Record<NativeJob, Implementation>;
}

let resolved: Resolved | undefined;
let loadedAddon: Addon | null = null;

function resolve(): Resolved {
  if (resolved !== undefined) return resolved;
  const flag = process.env.AGW_NATIVE ?? '';
  if (flag !== '' && flag !== '0' && flag !== '1') {
    throw new Error(`AGW_NATIVE must be 0 (TypeScript only) or 1 (native addon required), got ${JSON.stringify(flag)}`);
  }
  const mode = flag === '0' ? 'ts' : flag === '1' ? 'native' : 'auto';
  let native: Implementation | null = null;
  let path: string | undefined;
  let loadError: string | undefined;
  if (mode === 'ts') {
    loadError = 'disabled by AGW_NATIVE=0';
  } else {
    const r = loadAddon();
    if (r.addon === null) loadError = r.reason;
    else {
      loadedAddon = r.addon;
      native = nativeImplementation(r.addon);
      path = r.path;
      loadError = selfTest(native);
      if (loadError !== undefined) native = null;
    }
    if (native === null && mode === 'native') {
      throw new Error(`AGW_NATIVE=1 requires the native addon, which is unavailable: ${loadError}`);
    }
  }
  const pickFor = (job: NativeJob): Implementation =>
    native !== null && (mode === 'native' || PREFERRED[job] === 'native') ? native : tsImplementation;
  const chosen = { sse: pickFor('sse'), headers: pickFor('headers'), p2c: pickFor('p2c'), affinity: pickFor('affinity') };
  resolved = { mode, native, path, loadError, chosen };
  return resolved;
}

/** A loaded addon must frame a tiny stream correctly before any traffic depends on it. */
function selfTest(impl: Implementation): string | undefined {
  try {
    const batch = impl.createSseFramer().push(new TextEncoder().encode('data: ok\n\n'));
    const o = batch.offsets;
    const data = new TextDecoder().decode(batch.bytes.subarray(o[2], o[3]));
    return batch.count === 1 && data === 'ok' ? undefined : 'self-test failed: the addon framed a test stream wrongly';
  } catch (err) {
    return `self-test failed: ${(err as Error).message}`;
  }
}

/** Both implementations, for the conformance suite and the benchmarks. */
export function implementations(): { ts: Implementation; native: Implementation | null; nativeUnavailable?: string } {
  const r = resolve();
  return { ts: tsImplementation, native: r.native, nativeUnavailable: r.loadError };
}

export function nativeStatus(): NativeStatus {
  const r = resolve();
  const status: NativeStatus = {
    sse: r.chosen.sse.name,
    headers: r.chosen.headers.name,
    p2c: r.chosen.p2c.name,
    edge: edgeChoice().name,
    affinity: r.chosen.affinity.name,
    addonLoaded: r.native !== null,
  };
  if (r.loadError !== undefined) status.loadError = r.loadError;
  return status;
}

/** One line for the gateway's startup log saying which implementation each job uses. */
export function describeNative(): string {
  const r = resolve();
  const jobs = JOBS.map((j) => `${j}=${r.chosen[j].name}`).join(' ');
  const edge = `; HTTP edge: ${edgeChoice().why}`;
  if (r.native === null) return `native addon not in use: ${r.loadError}; TypeScript implementation: ${jobs}${edge}`;
  const why = r.mode === 'native' ? 'AGW_NATIVE=1: native for every job' : 'per job, the faster one in bench/micro';
  return `native addon loaded from ${r.path}; ${jobs} (${why})${edge}`;
}

/**
 * The HTTP edge serving the data-plane ports:
 * - `acceptor`: the addon's acceptor vets each connection's first request head; clean ones go
 *   to uWS (the fast path), anything else to Node's http server.
 * - `node`: Node's http server serves every connection (the TypeScript twin: same behaviour,
 *   more CPU per request).
 * - `uws`: uWS listens itself and nothing is vetted (the pre-acceptor behaviour; a benchmark
 *   baseline, not for production).
 */
export type EdgeName = 'acceptor' | 'node' | 'uws';

export interface EdgeChoice {
  readonly name: EdgeName;
  /** For the startup log. */
  readonly why: string;
  /** The addon's acceptor class when `name` is `acceptor`. */
  readonly Acceptor: AcceptorClass | null;
}

let edge: EdgeChoice | undefined;

/**
 * AGW_EDGE picks the edge (acceptor | node | uws); unset, the acceptor is used when the addon
 * loaded and has one (Linux), else the Node edge. AGW_NATIVE=1 requires the acceptor and
 * AGW_NATIVE=0 rules it out, as for the other jobs.
 */
export function edgeChoice(): EdgeChoice {
  if (edge !== undefined) return edge;
  const r = resolve();
  const flag = process.env.AGW_EDGE ?? '';
  if (flag !== '' && flag !== 'acceptor' && flag !== 'node' && flag !== 'uws') {
    throw new Error(`AGW_EDGE must be acceptor, node or uws, got ${JSON.stringify(flag)}`);
  }
  const Acceptor = r.native !== null ? (loadedAddon?.Acceptor ?? null) : null;
  const unavailable = r.native === null ? `the native addon is unavailable (${r.loadError})` : 'this platform has no acceptor (Linux only)';
  if (flag === 'node') edge = { name: 'node', why: 'Node http server for every connection (AGW_EDGE=node)', Acceptor: null };
  else if (flag === 'uws')
    edge = { name: 'uws', why: 'uWS listening directly, heads not vetted (AGW_EDGE=uws, benchmark baseline)', Acceptor: null };
  else if (Acceptor !== null)
    edge = { name: 'acceptor', why: 'native acceptor + uWS, Node http server for heads uWS should not parse', Acceptor };
  else if (flag === 'acceptor' || r.mode === 'native') throw new Error(`the acceptor edge is required but ${unavailable}`);
  else edge = { name: 'node', why: `Node http server for every connection (${unavailable})`, Acceptor: null };
  return edge;
}

// Hot-path entry points. Each resolves its implementation once and keeps it.
let sseImpl: Implementation | undefined;
let headerImpl: HeaderRewriter | undefined;
let p2cImpl: Implementation | undefined;
let affinityImpl: AffinityHasher | undefined;

export function createSseFramer(opts?: SseFramerOptions): SseFramer {
  return (sseImpl ??= resolve().chosen.sse).createSseFramer(opts);
}

/** Request path: uWebSockets.js `name, value` strings -> the upstream request's list. */
export function rewriteHeaders(list: readonly string[], rules: CompiledHeaderRules): string[] {
  return (headerImpl ??= resolve().chosen.headers.headers).strings(list, rules);
}

/** Response path: undici raw header Buffers -> the list to write to the client. */
export function rewriteRawHeaders(list: readonly Uint8Array[], rules: CompiledHeaderRules): Uint8Array[] {
  return (headerImpl ??= resolve().chosen.headers.headers).buffers(list, rules);
}

export function createPickTwo(size: number, opts?: PickTwoOptions): PickTwo {
  return (p2cImpl ??= resolve().chosen.p2c).createPickTwo(size, opts);
}

/**
 * Hands the memory malloc keeps after a busy spell back to the kernel (glibc's malloc_trim, in
 * the addon: native/src/trim.rs); true when some was released. JavaScript cannot reach the C
 * allocator, so without the addon (or off glibc) this is a no-op that returns false. Not for the
 * request path: it locks each malloc arena while it walks it (src/v8-heap.ts calls it once quiet).
 */
export function trimMalloc(): boolean {
  const r = resolve();
  return r.native !== null && loadedAddon !== null && loadedAddon.trimMalloc() === 1;
}

/** The affinity hasher (session keys, provider identities, rendezvous choice). */
export function affinityHasher(): AffinityHasher {
  return (affinityImpl ??= resolve().chosen.affinity.affinity);
}
