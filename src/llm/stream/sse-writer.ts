// Client-side SSE output. Events of one push are appended to a single string (V8 keeps the
// concatenation as a rope) and encoded once, so a push costs one buffer however many events
// it produced.
import { GatewayError } from '../../errors.js';
import { errorBody, gatewayErrorBody, type ErrorDialect } from '../formats/errors.js';
import type { ProviderError } from '../formats/provider-errors.js';

export const NO_OUTPUT: Uint8Array = new Uint8Array(0);

/**
 * Pushes are encoded into a shared slab and handed out as views of it, as Node pools small
 * Buffers, but sized for what one upstream read becomes (a 20-event stream read at once is
 * ~4 KB, where Buffer.from stops pooling and allocates an ArrayBuffer per call, which cost the
 * translated lane more than the encoding). The slab only fills forward, so a view handed out
 * is never written again; a full slab is replaced and lives as long as views of it do.
 */
const SLAB_BYTES = 64 * 1024;
let slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
let slabUsed = 0;

function encode(text: string): Uint8Array {
  // A UTF-16 code unit is at most 3 bytes of UTF-8.
  const most = text.length * 3;
  if (most > SLAB_BYTES / 4) return Buffer.from(text, 'utf8');
  if (SLAB_BYTES - slabUsed < most) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    slabUsed = 0;
  }
  const start = slabUsed;
  const n = slab.write(text, start, 'utf8');
  slabUsed = (start + n + 7) & ~7;
  return slab.subarray(start, start + n);
}

export class SseOutput {
  private text = '';

  /** OpenAI framing: `data: <json>\n\n`. */
  data(payload: string): void {
    this.text += 'data: ' + payload + '\n\n';
  }

  /** Anthropic framing: `event: <type>\ndata: <json>\n\n`. */
  event(type: string, payload: string): void {
    this.text += 'event: ' + type + '\ndata: ' + payload + '\n\n';
  }

  /** Bytes that are already SSE (e.g. a blank line closing a frame the client half-received). */
  raw(text: string): void {
    this.text += text;
  }

  /**
   * An error event in the client's dialect: OpenAI `data: {"error":...}`, Anthropic `event: error`.
   * The gateway's own errors carry their code and reason; a provider's keeps its own type.
   */
  error(dialect: ErrorDialect, e: GatewayError | ProviderError): void {
    const body = JSON.stringify(e instanceof GatewayError ? gatewayErrorBody(dialect, e) : errorBody(dialect, e.status, e.type, e.message));
    if (dialect === 'anthropic') this.event('error', body);
    else this.data(body);
  }

  get empty(): boolean {
    return this.text.length === 0;
  }

  take(): Uint8Array {
    if (this.text.length === 0) return NO_OUTPUT;
    const bytes = encode(this.text);
    this.text = '';
    return bytes;
  }
}
