// The one interface over the Rust addon (native/) and its pure-TS twin (fallback/).
// Both implementations must behave identically; test/conformance runs one suite against each.
// Data crosses the boundary in batches: a chunk in, packed offsets out, never an object per event.

/** Int32 slots per frame in `SseFrameBatch.offsets`. */
export const SSE_STRIDE = 8;
/** Slot indexes inside one frame's stride. Spans are [start, end) byte offsets into `bytes`. */
export const SSE_EVENT_START = 0;
export const SSE_EVENT_END = 1;
export const SSE_DATA_START = 2;
export const SSE_DATA_END = 3;
export const SSE_ID_START = 4;
export const SSE_ID_END = 5;
/**
 * Bit flags. SSE_HAS_EVENT: the frame's event type is non-empty (an empty `event:` means the
 * default type "message", per spec). SSE_HAS_ID: the last event ID is non-empty; per spec it
 * persists across frames until another `id:` changes it, so later frames carry it too.
 */
export const SSE_FLAGS = 6;
/**
 * `retry:` value in ms, or -1: the last valid one seen since the previous emitted frame (a
 * `retry:`-only block emits nothing, so its value rides on the next frame).
 */
export const SSE_RETRY = 7;
export const SSE_HAS_EVENT = 1;
export const SSE_HAS_ID = 2;

/**
 * Frames completed by one `push`. Valid only until the next call on the same framer:
 * implementations reuse their buffers.
 */
export interface SseFrameBatch {
  readonly count: number;
  /** Bytes the spans point into (decoded field values: data lines joined with "\n"). */
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
}

/**
 * Incremental server-sent-events framer following the WHATWG EventSource parsing rules:
 * `\n`, `\r\n` and `\r` line ends, a leading BOM, comments, multi-line `data:`, `retry:`,
 * a single optional space after the colon, frames split anywhere. A frame is emitted on a
 * blank line when its data buffer is non-empty (spec: an event with no data is not dispatched).
 */
export interface SseFramer {
  push(chunk: Uint8Array): SseFrameBatch;
  /**
   * End of stream. Per spec an unterminated frame is discarded; returns true when bytes of an
   * unterminated frame were pending (or the stream failed with SseFrameTooLarge), so callers can
   * tell a truncated stream from a clean end. The framer is then fresh for a new stream.
   */
  end(): boolean;
}

export class SseFrameTooLarge extends Error {
  readonly code = 'AGW_SSE_FRAME_TOO_LARGE';
  constructor(readonly limit: number) {
    super(`server-sent event exceeds the maximum frame size of ${limit} bytes`);
  }
}

export interface SseFramerOptions {
  /**
   * Largest frame before SseFrameTooLarge: the raw bytes from the end of the previous blank line
   * to the start of the next one (field names, comments and line ends included). The check
   * does not depend on how the stream is chunked. After the error every `push` throws it again
   * and nothing more is buffered, until `end()`.
   */
  maxFrameBytes?: number;
}

export const DEFAULT_MAX_SSE_FRAME = 4 * 1024 * 1024;

/** The validated frame limit of `opts`: an integer from 1 to 2^31-1 (offsets are int32). */
export function maxFrameBytes(opts?: SseFramerOptions): number {
  const max = opts?.maxFrameBytes ?? DEFAULT_MAX_SSE_FRAME;
  if (!(Number.isInteger(max) && max >= 1 && max <= 0x7fffffff)) {
    throw new RangeError(`maxFrameBytes must be an integer from 1 to 2^31-1, got ${max}`);
  }
  return max;
}

// ---- Header rewriting --------------------------------------------------------------------

export type HeaderDirection = 'request' | 'response';

/**
 * Dropped from requests by default: hop-by-hop headers (RFC 9110 §7.6.1, plus the legacy
 * keep-alive/proxy-connection/trailer that clients still send), `proxy-authorization` (meant for
 * this hop, forwarding it would leak a credential), `expect` (undici rejects it; the gateway
 * answers 100-continue itself), and `host`/`content-length`, which the gateway sets.
 */
export const REQUEST_DROP_DEFAULT: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'expect',
  'host',
  'content-length',
];

/**
 * Dropped from responses by default: hop-by-hop headers, `proxy-authenticate`, and
 * `content-length` (uWS writes its own length or chunked framing; a second one breaks clients).
 */
export const RESPONSE_DROP_DEFAULT: readonly string[] = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'proxy-authenticate',
  'content-length',
];

/** Client credentials removed whenever the gateway injects its own. */
export const CLIENT_CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'x-api-key', 'api-key', 'x-goog-api-key'];

/**
 * One rule set, compiled once at config load by `compileHeaderRules`. Names are
 * case-insensitive. Output order: surviving input pairs in input order, then `set`, then
 * `add` (each in spec order), then the credential.
 */
export interface HeaderRuleSpec {
  direction: HeaderDirection;
  /** Names always dropped; default REQUEST_DROP_DEFAULT or RESPONSE_DROP_DEFAULT. `set`/`add` may not name them. */
  drop?: readonly string[];
  /** Also drop the headers named by `Connection:` (RFC 9110 §7.6.1). Default true. */
  dropConnectionListed?: boolean;
  /** agentgateway `requestHeaderModifier`/`responseHeaderModifier`: replace every occurrence. */
  set?: Readonly<Record<string, string>>;
  /** Append, keeping existing occurrences (unless also in `remove`). */
  add?: Readonly<Record<string, string>>;
  /** Remove every occurrence from the input. */
  remove?: readonly string[];
  /** Backend credential, e.g. `{ name: 'authorization', value: 'Bearer sk-...' }`; wins over set/add. */
  credential?: { readonly name: string; readonly value: string };
  /** Removed from the input when `credential` is set; default CLIENT_CREDENTIAL_HEADERS. */
  clientCredentialHeaders?: readonly string[];
}

/**
 * Rewrites a flat `name, value, name, value, ...` list in one call. A pair whose name is not an
 * RFC 9110 token or whose value holds a control character other than HTAB (CR, LF and NUL are
 * the injection cases) is dropped. Output elements are the caller's own strings/Buffers where
 * they survive, so nothing is copied.
 */
export interface HeaderRewriter {
  /** Request path: uWebSockets.js headers as strings. */
  strings(list: readonly string[], rules: CompiledHeaderRulesLike): string[];
  /** Response path: undici raw headers (Buffers, names in their original case). */
  buffers(list: readonly Uint8Array[], rules: CompiledHeaderRulesLike): Uint8Array[];
}

/** What the rewriters read from a compiled rule set (see header-rules.ts). */
export interface CompiledHeaderRulesLike {
  /** Lowercase names to drop. */
  readonly drop: ReadonlySet<string>;
  /** The same names as lowercase bytes, indexed by length, for the Buffer path. */
  readonly dropByLength: readonly (readonly Uint8Array[] | undefined)[];
  readonly dropConnectionListed: boolean;
  /** Flat name, value list appended after the surviving pairs. */
  readonly append: readonly string[];
  readonly appendBuffers: readonly Uint8Array[];
}

// ---- Pick-2 load balancing ---------------------------------------------------------------

export interface PickTwoOptions {
  /** 32-bit seed of the mulberry32 generator; same seed, same picks in both implementations. */
  seed?: number;
}

/** Live views of the shared state, one entry per endpoint. Read-only for callers. */
export interface PickTwoState {
  readonly weight: Float64Array;
  /** Requests in flight (start minus finish). */
  readonly pending: Float64Array;
  /** EWMA (α = 0.3) of latency in seconds, starting at 0. */
  readonly latency: Float64Array;
  /** EWMA (α = 0.3) of 1 per success and 0 per failure, starting at 1. */
  readonly health: Float64Array;
  /** Evicted while now < evictedUntil (ms, the clock the caller passes in). */
  readonly evictedUntil: Float64Array;
  /** Consecutive ejections; reset when health recovers to 0.9 with a success. */
  readonly timesEjected: Float64Array;
}

/** Column order of the shared state (each column `size` long). */
export const P2C_COLUMNS = ['weight', 'pending', 'latency', 'health', 'evictedUntil', 'timesEjected'] as const;

/**
 * Power-of-two-choices over weighted endpoints: draws two by weight from the endpoints that are
 * not evicted (or from all of them when every one is evicted) and keeps the better
 * score = health / (1 + latency × (1 + 0.1 × pending)); ties keep the first draw.
 * Endpoints start with weight 1. Invalid indexes or values throw RangeError.
 */
export interface PickTwo {
  readonly size: number;
  readonly state: PickTwoState;
  /** Weight >= 0; 0 takes the endpoint out of rotation. */
  setWeight(i: number, weight: number): void;
  /** Chosen endpoint, or -1 when no endpoint has a weight. */
  pick(nowMs: number): number;
  start(i: number): void;
  finish(i: number, latencySeconds: number, ok: boolean): void;
  /** Evicts for base × (timesEjected + 1); false (and no change) if already evicted. */
  evict(i: number, nowMs: number, baseDurationMs: number): boolean;
  isEvicted(i: number, nowMs: number): boolean;
  /** Endpoints with weight > 0 that are not evicted. */
  activeCount(nowMs: number): number;
}

// ---- Session affinity ----------------------------------------------------------------------

/**
 * Hashing for session affinity (src/lb/affinity.ts). Both implementations must give the same
 * numbers bit for bit: affinity is deterministic across replicas only because every gateway
 * hashes a key and a provider name the same way. Changing anything here remaps every session.
 */
export interface AffinityHasher {
  /**
   * MurmurHash3 (x86, 32-bit) of the string's UTF-16LE encoding (each code unit as two bytes,
   * low byte first) with a 32-bit seed; an unsigned 32-bit result.
   */
  hash(text: string, seed: number): number;
  /**
   * Rendezvous (highest random weight) choice: among the indexes i with `eligible[i] !== 0`,
   * the one with the largest `fmix32(key ^ hashes[i])` (MurmurHash3's finalizer); ties keep the
   * lower index. -1 when none is eligible. `eligible` is at least as long as `hashes`.
   */
  rendezvous(key: number, hashes: Uint32Array, eligible: Uint8Array): number;
  /**
   * Weighted rendezvous: the largest `weights[i] / -ln((fmix32(key ^ hashes[i]) + 0.5) / 2^32)`
   * among eligible indexes with a weight > 0, so each index wins a share of keys proportional
   * to its weight; ties keep the lower index. -1 when none qualifies.
   */
  rendezvousWeighted(key: number, hashes: Uint32Array, weights: Float64Array, eligible: Uint8Array): number;
}

/** Seed of session keys (header, CEL or prompt prefix). Never change: it remaps every session. */
export const AFFINITY_KEY_SEED = 0x61677731;
/** Seed of endpoint identities (provider names). Never change: it remaps every session. */
export const AFFINITY_ENDPOINT_SEED = 0x61677732;
