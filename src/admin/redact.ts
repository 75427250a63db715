// What counts as a secret in a config, and its redaction for dumps. A value is secret when
// its key says so (backendAuth `key`, API `keys`, passwords, tokens, credential headers such
// as `authorization` in a header modifier, every `env` value of an MCP stdio target) or when the value looks like one whatever its key
// (`sk-...`, `Bearer ...`, a JWT). File references (`{file: path}`) and TLS file paths are
// not secrets and stay visible.

export const REDACTED = '<redacted>';

type PathItem = string | number;

/** Matched against the key lower-cased with punctuation removed (`x-api-key` -> `xapikey`). */
const SECRET_KEY = /(key|keys|keyhash|password|passwd|secret|secrets|token|tokens|credential|credentials|authorization|cookie|htpasswd)$/;
/** Keys that end like a secret but count something. */
const NOT_SECRET_KEY = new Set(['maxtokens', 'maxoutputtokens', 'maxinputtokens']);
/** Under these, `key`/`cert`/`root` are file paths. */
const PATH_PARENTS = new Set(['backendtls', 'tls']);

const SECRET_VALUE = [
  /^(?:sk|rk|pk)[-_][A-Za-z0-9_-]{8,}/, // OpenAI / Anthropic / Stripe-style keys
  /^(?:xox[abposr]|ghp|gho|ghu|ghs|github_pat|glpat)[-_][A-Za-z0-9_-]{8,}/,
  /^(?:AKIA|ASIA)[0-9A-Z]{12,}/, // AWS access key ids (long-term and temporary)
  /^AIza[0-9A-Za-z_-]{20,}/,
  /^(?:bearer|basic)\s+\S{6,}/i,
  /^eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\./, // a JWT
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
];

function normal(k: PathItem | undefined): string {
  return typeof k === 'string' ? k.toLowerCase().replace(/[^a-z0-9]/g, '') : '';
}

/** Whether the key at the end of `path` names a secret (array indexes look through). */
export function isSecretKey(path: readonly PathItem[]): boolean {
  let i = path.length - 1;
  while (i >= 0 && typeof path[i] === 'number') i--;
  if (i < 0) return false;
  const key = normal(path[i]);
  // Environment values of MCP stdio servers carry their credentials under any name.
  if (normal(path[i - 1]) === 'env' && normal(path[i - 2]) === 'stdio') return true;
  if (NOT_SECRET_KEY.has(key)) return false;
  if (!SECRET_KEY.test(key)) return false;
  return !PATH_PARENTS.has(normal(path[i - 1]));
}

export function looksSecret(value: string): boolean {
  return SECRET_VALUE.some((re) => re.test(value));
}

/** Whether a string value at `path` must not be shown. */
export function isSecret(path: readonly PathItem[], value: string): boolean {
  if (value === '') return false;
  return isSecretKey(path) || looksSecret(value);
}

/** A deep copy of `value` with every secret string replaced by `<redacted>`. */
export function redact(value: unknown, path: PathItem[] = []): unknown {
  if (typeof value === 'string') return isSecret(path, value) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((v, i) => redact(v, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redact(v, [...path, k]);
    return out;
  }
  return value;
}
