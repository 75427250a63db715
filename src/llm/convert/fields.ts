// Small readers for untrusted request bodies. Conversions read client JSON that nothing has
// validated yet; these turn a wrong shape into a 400 that names the field instead of a crash.
import { GatewayError } from '../../errors.js';
import type { Json } from './types.js';

export function invalid(param: string, message: string): GatewayError {
  return new GatewayError('invalid_field', `${param}: ${message}`, { param });
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectAt(v: unknown, param: string): Json {
  if (!isObject(v)) throw invalid(param, 'must be an object');
  return v;
}

export function arrayAt(v: unknown, param: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(param, 'must be an array');
  return v;
}

export function stringAt(v: unknown, param: string): string {
  if (typeof v !== 'string') throw invalid(param, 'must be a string');
  return v;
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** `data:<media type>;base64,<data>` -> its parts; null for any other URL. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  if (!url.startsWith('data:')) return null;
  const comma = url.indexOf(',');
  if (comma < 0) return null;
  const meta = url.slice(5, comma);
  if (!meta.endsWith(';base64')) return null;
  const mediaType = meta.slice(0, -';base64'.length).split(';')[0] ?? '';
  return { mediaType: mediaType || 'application/octet-stream', data: url.slice(comma + 1) };
}

/** Tool arguments as OpenAI sends them (a JSON string) -> the object Anthropic (or Gemini) wants. */
export function parseArguments(args: unknown, param: string, target = 'Anthropic tool_use input'): Json {
  if (args === undefined || args === null || (typeof args === 'string' && args.trim() === '')) return {};
  if (isObject(args)) return args;
  if (typeof args !== 'string') throw invalid(param, 'must be a JSON string');
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw invalid(param, `is not valid JSON, and ${target} must be a JSON object`);
  }
  if (!isObject(parsed)) throw invalid(param, `must encode a JSON object for ${target}`);
  return parsed;
}

/** Text of a string or an array of text parts (system, developer, tool content), non-empty parts joined by newlines. */
export function joinedText(content: unknown, at: string): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  return arrayAt(content, at)
    .map((p, j) => {
      const part = objectAt(p, `${at}[${j}]`);
      if (part.type !== 'text') throw invalid(`${at}[${j}]`, `only text parts are allowed here, not ${String(part.type)}`);
      return stringAt(part.text, `${at}[${j}].text`);
    })
    .filter((t) => t !== '')
    .join('\n');
}
