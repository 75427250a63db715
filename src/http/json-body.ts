// JSON request bodies as the gateway reads them. Two rules a plain JSON.parse does not keep:
// - an error never quotes the body (V8's messages do: `Unexpected token 'S', "SECRET..." is
//   not valid JSON`), since the message becomes the client's error, the access log's `error`
//   field and the span's status: prompts and credentials must not end up there;
// - nesting is bounded. V8 parses 30,000 nested arrays happily, but everything after it that
//   walks the value recursively (JSON.stringify, translation, structuredClone) overflows the
//   stack, which was a 500. 128 levels is serde_json's default limit, so agentgateway refuses
//   the same bodies.

export const MAX_JSON_DEPTH = 128;

/** The body is not JSON the gateway will read; the message is safe to show and log. */
export class JsonBodyError extends Error {
  constructor(
    message: string,
    /** JSON-RPC's distinction: not JSON at all (parse error) or JSON too deep (invalid request). */
    readonly kind: 'syntax' | 'depth',
  ) {
    super(message);
  }
}

/** Parses `text` (a request body); throws JsonBodyError. */
export function parseJsonBody(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new JsonBodyError(`request body is not valid JSON${where((e as Error).message)}`, 'syntax');
  }
  // Nesting deeper than the limit takes an opening and a closing byte per level.
  if (text.length > 2 * MAX_JSON_DEPTH && nestedDeeperThan(value, MAX_JSON_DEPTH)) {
    throw new JsonBodyError(`request body nests objects and arrays deeper than ${MAX_JSON_DEPTH} levels`, 'depth');
  }
  return value;
}

/**
 * Only the position from V8's message (`... in JSON at position 6`): the rest of some
 * messages quotes the body (`Unexpected token 'S', "SECRET..."`), so none of it is kept.
 */
function where(message: string): string {
  const m = / in JSON at position (\d+)/.exec(message);
  return m === null ? '' : ` (at position ${m[1]})`;
}

/**
 * Whether `value` nests objects and arrays deeper than `max` levels. Recursive but bounded: it
 * never descends more than `max` + 1 levels, so a hostile value cannot overflow the stack; and
 * it allocates nothing (this runs on every LLM request body).
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  return deeper(value, max);
}

/** `room`: the levels `v` and what it holds may still take. */
function deeper(v: unknown, room: number): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (room === 0) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (deeper(v[i], room - 1)) return true;
    return false;
  }
  // A parsed object has only own enumerable properties (a `__proto__` key is one of them).
  for (const k in v) if (deeper((v as Record<string, unknown>)[k], room - 1)) return true;
  return false;
}
