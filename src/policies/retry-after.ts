// How long a provider that answered 429 asks to be left alone. There is no one standard, so
// the common forms are read, in agentgateway's order (http/outlierdetection.rs):
// `retry-after-ms`, `Retry-After` (seconds or an HTTP date), `x-ratelimit-reset` (seconds, or a
// Unix time when larger than 30 days), then the smallest of OpenAI's and Cerebras'
// `x-ratelimit-reset-{requests,tokens,requests-day,tokens-minute}` (Go durations like `6m0s`, or
// bare seconds).

const THIRTY_DAYS_S = 30 * 24 * 3600;
const RESET_HEADERS = [
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
  'x-ratelimit-reset-requests-day',
  'x-ratelimit-reset-tokens-minute',
];
const GO_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/** Milliseconds to wait, or null when the headers announce nothing usable. */
export function announcedResetMs(header: (name: string) => string | undefined, nowMs: number = Date.now()): number | null {
  const asked = retryAfterMs(header, nowMs);
  if (asked !== null) return asked;
  const reset = header('x-ratelimit-reset')?.trim();
  if (reset !== undefined && /^\d+$/.test(reset)) {
    const n = Number(reset);
    if (n < THIRTY_DAYS_S) return n * 1000;
    if (n * 1000 > nowMs) return n * 1000 - nowMs;
  }
  let smallest: number | null = null;
  for (const name of RESET_HEADERS) {
    const d = parseResetDuration(header(name));
    if (d !== null && (smallest === null || d < smallest)) smallest = d;
  }
  return smallest;
}

/**
 * What `retry-after-ms` (OpenAI, Azure) or `Retry-After` (RFC 9110 §10.2.3: seconds or an
 * HTTP date) asks for, in milliseconds; null when neither says (or the date is past).
 */
export function retryAfterMs(header: (name: string) => string | undefined, nowMs: number = Date.now()): number | null {
  const ms = header('retry-after-ms')?.trim();
  if (ms !== undefined && /^\d+$/.test(ms)) return Number(ms);
  const ra = header('retry-after')?.trim();
  if (ra === undefined || ra === '') return null;
  if (/^\d+$/.test(ra)) return Number(ra) * 1000;
  const at = Date.parse(ra);
  return !Number.isNaN(at) && /[a-z]/i.test(ra) && at > nowMs ? at - nowMs : null;
}

function parseResetDuration(v: string | undefined): number | null {
  const s = v?.trim();
  if (s === undefined || s === '') return null;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  if (!GO_DURATION.test(s)) return null;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    const n = Number(m[1]);
    total += m[2] === 'ms' ? n : m[2] === 's' ? n * 1e3 : m[2] === 'm' ? n * 60e3 : n * 3600e3;
  }
  return Math.round(total);
}
