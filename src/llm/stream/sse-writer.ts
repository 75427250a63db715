// Client-side SSE output. Events of one push are appended to a single string (V8 keeps the
// concatenation as a rope) and encoded once, so a push costs one Buffer however many events
// it produced.
import type { LlmErrorType } from '../errors.js';
import { errorBody, type ErrorDialect } from '../formats/errors.js';

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

  /** An error event in the client's dialect: OpenAI `data: {"error":...}`, Anthropic `event: error`. */
  error(dialect: ErrorDialect, status: number, type: LlmErrorType, message: string): void {
    const body = JSON.stringify(errorBody(dialect, status, type, message));
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
