// Virtual key secrets: generated here, shown once, stored only as their SHA-256 (the same digest
// LiteLLM stores, so imported keys keep working), and shown afterwards as a hint.
import { createHash, randomBytes } from 'node:crypto';

/** The prefix of generated secrets (OpenAI-style `sk-`, so clients and secret scanners recognise them). */
export const SECRET_PREFIX = 'sk-agw-';

export function newSecret(): string {
  return `${SECRET_PREFIX}${randomBytes(24).toString('base64url')}`;
}

/** SHA-256 of the secret's UTF-8 bytes, lower-case hex (LiteLLM's hash_token). */
export function digestOf(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** What the admin API and UI show instead of a secret: its first and last characters. */
export function hintOf(secret: string): string {
  if (secret.length < 12) return '…';
  const head = secret.startsWith(SECRET_PREFIX) ? SECRET_PREFIX : secret.slice(0, 3);
  return `${head}…${secret.slice(-4)}`;
}

export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}
