// uWS wants the whole status line ("200 OK"); build them once.
import { STATUS_CODES } from 'node:http';

const lines = new Map<number, string>();

export function statusLine(code: number): string {
  let line = lines.get(code);
  if (line === undefined) {
    line = `${code} ${STATUS_CODES[code] ?? 'Status'}`;
    lines.set(code, line);
  }
  return line;
}
