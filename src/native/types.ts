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
/** Bit flags: SSE_HAS_EVENT when an `event:` field set a type, SSE_HAS_ID when an `id:` field was seen. */
export const SSE_FLAGS = 6;
/** `retry:` value in ms carried by this frame, or -1. */
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
   * unterminated frame were pending, so callers can tell a truncated stream from a clean end.
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
  /** Largest frame (raw bytes of one event including its field names) before SseFrameTooLarge. */
  maxFrameBytes?: number;
}

export const DEFAULT_MAX_SSE_FRAME = 4 * 1024 * 1024;
