// Reading one header from the two list shapes the pipeline sees.

/** Value of a header in a flat lower-case `[name, value, ...]` list (uWS request headers). */
export function headerValue(list: readonly string[], name: string): string | undefined {
  for (let i = 0; i < list.length; i += 2) if (list[i] === name) return list[i + 1];
  return undefined;
}

/** Value of a header in undici's raw response list (Buffers, names in any case); `name` in lower case. */
export function rawHeaderValue(raw: readonly Buffer[], name: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === name.length && isNamed(n, name)) return raw[i + 1]!.toString('latin1');
  }
  return undefined;
}

/**
 * Whether the raw name is `lower` in any case, compared byte by byte: several lookups run on
 * every LLM response, and a string per header name compared is garbage. Header names are
 * ASCII tokens (undici refuses others), so ASCII case folding is the whole of it.
 */
function isNamed(n: Buffer, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) {
    let c = n[k]!;
    if (c >= 0x41 && c <= 0x5a) c += 0x20;
    if (c !== lower.charCodeAt(k)) return false;
  }
  return true;
}

/** Lower-case name of a header list entry: uWS and our own names are strings, undici's raw bytes. */
export function headerName(name: string | Uint8Array): string {
  return typeof name === 'string' ? name : Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString('latin1').toLowerCase();
}
