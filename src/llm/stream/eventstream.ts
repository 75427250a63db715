// AWS event-stream framing (application/vnd.amazon.eventstream), as Bedrock's ConverseStream and
// InvokeModelWithResponseStream send it: binary messages, each
//
//   total length (u32 BE) | headers length (u32 BE) | prelude CRC32 | headers | payload | message CRC32
//
// Decoding a complete message (both CRCs, the typed headers) is @smithy/eventstream-codec's job.
// This file only cuts the byte stream into messages, under any chunking, and checks the prelude
// CRC first so a corrupt length can never make the reader wait for bytes that will not come.
// The codec is loaded on first use (createRequire), so traffic to other providers never loads it.
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';

export type EventStreamHeaderValue = { type: string; value: unknown };

export interface EventStreamMessage {
  headers: Record<string, EventStreamHeaderValue>;
  body: Uint8Array;
}

interface Codec {
  decode(message: ArrayBufferView): EventStreamMessage;
  encode(message: EventStreamMessage): Uint8Array;
}

let codec: Codec | null = null;

/** @smithy/eventstream-codec over @smithy/util-utf8, loaded the first time a Bedrock stream needs it. */
export function eventStreamCodec(): Codec {
  if (codec === null) {
    // Direct createRequire(import.meta.url)('<package>') calls: the form the binary's bundler
    // turns into a bundled require (src/binary/build.mjs).
    const { EventStreamCodec } = createRequire(import.meta.url)('@smithy/eventstream-codec') as {
      EventStreamCodec: new (to: unknown, from: unknown) => Codec;
    };
    const { toUtf8, fromUtf8 } = createRequire(import.meta.url)('@smithy/util-utf8') as { toUtf8: unknown; fromUtf8: unknown };
    codec = new EventStreamCodec(toUtf8, fromUtf8);
  }
  return codec;
}

const PRELUDE = 12;
const MIN_MESSAGE = 16;
/** The event-stream specification's largest message (16 MiB), so a bad length is an error at once. */
export const MAX_MESSAGE = 16 * 1024 * 1024;

export class EventStreamError extends Error {}

/**
 * Cuts an event-stream byte stream into decoded messages. Chunks are held by reference until
 * their message completes (the upstream hands each chunk over once), and joined only then, so
 * a message arriving in many small reads costs one copy, not one per read.
 */
export class EventStreamReader {
  private parts: Buffer[] = [];
  private size = 0;
  /** Length of the message being read, once its prelude is in; 0 before. */
  private need = 0;

  /** The messages completed by `chunk`. Throws EventStreamError on a corrupt or oversized message. */
  push(chunk: Uint8Array): EventStreamMessage[] {
    if (chunk.byteLength === 0) return [];
    this.parts.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.size += chunk.byteLength;
    const out: EventStreamMessage[] = [];
    for (;;) {
      if (this.need === 0) {
        if (this.size < PRELUDE) break;
        this.need = this.prelude(this.joined());
      }
      if (this.size < this.need) break;
      const buf = this.joined();
      try {
        out.push(eventStreamCodec().decode(buf.subarray(0, this.need)));
      } catch (e) {
        throw new EventStreamError(`undecodable event-stream message: ${(e as Error).message}`);
      }
      const rest = buf.subarray(this.need);
      this.parts = rest.length === 0 ? [] : [rest];
      this.size = rest.length;
      this.need = 0;
    }
    return out;
  }

  /** True when the stream ended in the middle of a message. */
  end(): boolean {
    const partial = this.size > 0;
    this.parts = [];
    this.size = 0;
    this.need = 0;
    return partial;
  }

  private joined(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts, this.size)];
    return this.parts[0]!;
  }

  /** The message length from a checked prelude. */
  private prelude(buf: Buffer): number {
    const total = buf.readUInt32BE(0);
    if (crc32(buf.subarray(0, 8)) !== buf.readUInt32BE(8)) throw new EventStreamError('event-stream prelude checksum mismatch');
    if (total < MIN_MESSAGE || total > MAX_MESSAGE) throw new EventStreamError(`event-stream message length ${total} is out of range`);
    return total;
  }
}

/** A header's value as a string, or undefined. */
export function headerString(m: EventStreamMessage, name: string): string | undefined {
  const h = m.headers[name];
  return h !== undefined && typeof h.value === 'string' ? h.value : undefined;
}

/** One event-stream message with string headers and a JSON payload (mocks, tests, re-encoding). */
export function encodeEvent(headers: Record<string, string>, payload: unknown): Uint8Array {
  const typed: Record<string, EventStreamHeaderValue> = {};
  for (const [k, v] of Object.entries(headers)) typed[k] = { type: 'string', value: v };
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload), 'utf8');
  return eventStreamCodec().encode({ headers: typed, body });
}

/** `:event-type` event as Bedrock writes it (`:content-type: application/json`, `:message-type: event`). */
export function encodeConverseEvent(eventType: string, payload: unknown): Uint8Array {
  return encodeEvent({ ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' }, payload);
}

/** An exception message as Bedrock writes it mid-stream. */
export function encodeConverseException(exceptionType: string, message: string): Uint8Array {
  return encodeEvent({ ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' }, { message });
}
