// JSON values (JWT claims, API-key metadata) in the form CEL evaluates them: whole numbers
// become CEL ints (BigInt), so `jwt.exp > 1700000000` and `apiKey.tier == 2` compare as ints,
// as agentgateway's JSON-to-CEL conversion does; other numbers stay doubles.
export function toCelValue(v: unknown): unknown {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCelValue);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCelValue(x);
    return out;
  }
  return v;
}

/** The reverse, for CEL results written back into JSON (LLM body transformations): ints become numbers. */
export function fromCelValue(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(fromCelValue);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), fromCelValue(x)]));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = fromCelValue(x);
    return out;
  }
  return v;
}
