// A password worker thread (password-pool.ts): checks a secret against stored hashes, in order,
// and answers the index of the first match (-1 for none). bcrypt and SHA-crypt cost
// milliseconds each; here they cost no event-loop time of the gateway.
import { parentPort } from 'node:worker_threads';
import { type StoredHash, verifyPassword } from './htpasswd.js';

export interface CheckRequest {
  readonly id: number;
  readonly secret: string;
  readonly hashes: readonly StoredHash[];
}

export interface CheckReply {
  readonly id: number;
  readonly index: number;
}

parentPort?.on('message', (m: CheckRequest) => {
  let index = -1;
  try {
    index = m.hashes.findIndex((h) => verifyPassword(m.secret, h));
  } catch {
    // a malformed stored hash matches nothing
  }
  parentPort!.postMessage({ id: m.id, index } satisfies CheckReply);
});
