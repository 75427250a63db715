// Every comparison of a client-supplied secret with a stored one goes through here, so that it
// takes the same time wherever the two first differ (crypto.timingSafeEqual).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function sha256(s: string | Uint8Array): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Constant-time equality of two digests of the same algorithm. */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Constant-time equality of two secrets of any length: both are hashed first, so neither the
 * content nor the length of the stored one shows in the timing.
 */
export function secretsEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  return timingSafeEqual(sha256(a), sha256(b));
}

const CACHE_KEY = randomBytes(32);

/**
 * Key under which a verified credential is cached: an HMAC with a per-process random key, so
 * the cache never holds a credential or an unkeyed fast hash of one.
 */
export function credentialCacheKey(...parts: string[]): string {
  const h = createHmac('sha256', CACHE_KEY);
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64');
}
