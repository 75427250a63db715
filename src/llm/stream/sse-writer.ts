// Client-side SSE output. Events of one push are appended to a single string (V8 keeps the
// concatenation as a rope) and encoded once, so a push costs one Buffer however many events
// it produced.
import { GatewayError } from '../../errors.js';
import { errorBody, gatewayErrorBody, type ErrorDialect } from '../formats/errors.js';
import type { ProviderError } from '../formats/provider-errors.js';

export const NO_OUTPUT: Uint8Array = new Uint8Array(0);

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
    const bytes = Buffer.from(this.text, 'utf8');
    this.text = '';
    return bytes;
  }
}
