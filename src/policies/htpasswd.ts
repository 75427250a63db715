// htpasswd files: one `user:hash` per line, in the formats Apache's htpasswd writes — bcrypt
// ($2y$/$2a$/$2b$, verified with bcryptjs), SHA-1 ({SHA}), SHA-256/512-crypt ($5$/$6$) and
// Apache MD5 ($apr1$). The crypt algorithms are not in node:crypto or a maintained npm
// package we depend on, so they are implemented here from their specifications (Drepper's
// SHA-crypt, Apache's apr_md5) and tested against vectors produced by `openssl passwd`.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { secretsEqual } from './secret-compare.js';

export type HashKind = 'bcrypt' | 'sha1' | 'sha256crypt' | 'sha512crypt' | 'apr1';

export interface HtpasswdEntry {
  readonly user: string;
  readonly hash: string;
  readonly kind: HashKind;
}

export function hashKind(hash: string): HashKind | undefined {
  if (/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (hash.startsWith('{SHA}')) return 'sha1';
  if (hash.startsWith('$5$')) return 'sha256crypt';
  if (hash.startsWith('$6$')) return 'sha512crypt';
  if (hash.startsWith('$apr1$')) return 'apr1';
  return undefined;
}

/**
 * Parses htpasswd text; problems name the line only, never its content: the file named may be
 * any readable file (a secret one included), and the problems reach logs and the admin API.
 */
export function parseHtpasswd(text: string): { entries: Map<string, HtpasswdEntry>; problems: string[] } {
  const entries = new Map<string, HtpasswdEntry>();
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon <= 0) return void problems.push(`line ${i + 1}: expected user:hash`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    const kind = hashKind(hash);
    if (kind === undefined) {
      return void problems.push(`line ${i + 1}: unsupported hash format (use bcrypt, {SHA}, $5$, $6$ or $apr1$)`);
    }
    entries.set(user, { user, hash, kind });
  });
  return { entries, problems };
}

/** A stored hash to check a secret against (an htpasswd entry, a bcrypt keyHash). */
export interface StoredHash {
  readonly kind: HashKind;
  readonly hash: string;
}

/**
 * Whether checking this kind costs milliseconds of CPU (bcrypt, SHA-crypt's 5,000+ rounds,
 * apr1's 1,000): those checks run on the password worker threads (password-pool.ts), never
 * on the event loop. `{SHA}` is one SHA-1 and runs inline.
 */
export function isSlowHash(kind: HashKind): boolean {
  return kind !== 'sha1';
}

type Bcrypt = typeof import('bcryptjs').default;
let bcrypt: Bcrypt | null = null;
// bcryptjs (its CommonJS build) loads with the first bcrypt hash checked, on the thread that
// checks it, so a config without basic auth or bcrypt API keys never loads it.
const loadBcrypt = (): Bcrypt => (bcrypt ??= createRequire(import.meta.url)('bcryptjs') as Bcrypt);

/** Checks a password against an entry, synchronously: slow kinds are called on a worker thread. */
export function verifyPassword(password: string, e: StoredHash): boolean {
  switch (e.kind) {
    case 'bcrypt':
      // bcryptjs compares its computed hash with the stored one in constant time.
      return loadBcrypt().compareSync(password, e.hash);
    case 'sha1':
      return secretsEqual(`{SHA}${createHash('sha1').update(password).digest('base64')}`, e.hash);
    case 'sha256crypt':
    case 'sha512crypt':
      return secretsEqual(shaCrypt(e.kind === 'sha256crypt' ? 'sha256' : 'sha512', password, e.hash), e.hash);
    case 'apr1':
      return secretsEqual(apr1(password, e.hash), e.hash);
  }
}

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function to64(v: number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++, v >>>= 6) s += ITOA64[v & 0x3f];
  return s;
}

/** Byte triples in the order SHA-crypt encodes them (from the specification). */
const SHA256_ORDER = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
];
const SHA512_ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
];

/** SHA-256/512-crypt of `password` with the salt and rounds taken from `setting` ($5$[rounds=N$]salt$...). */
export function shaCrypt(alg: 'sha256' | 'sha512', password: string, setting: string): string {
  const m = /^\$([56])\$(?:rounds=(\d+)\$)?([^$]{0,16})[^$]*(?:\$|$)/.exec(setting);
  if (m === null) return '';
  const rounds = m[2] === undefined ? 5000 : Math.min(999_999_999, Math.max(1000, Number(m[2])));
  const P = Buffer.from(password);
  const S = Buffer.from(m[3]!);
  const H = (...parts: Buffer[]) => {
    const h = createHash(alg);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const size = alg === 'sha256' ? 32 : 64;
  const B = H(P, S, P);
  const a = createHash(alg).update(P).update(S);
  let i = P.length;
  for (; i > size; i -= size) a.update(B);
  a.update(B.subarray(0, i));
  for (i = P.length; i > 0; i >>= 1) a.update(i & 1 ? B : P);
  const A = a.digest();
  const Pp = repeatTo(H(...new Array<Buffer>(P.length).fill(P)), P.length);
  const Sp = repeatTo(H(...new Array<Buffer>(16 + A[0]!).fill(S)), S.length);
  let C = A;
  for (let r = 0; r < rounds; r++) {
    const h = createHash(alg);
    h.update(r & 1 ? Pp : C);
    if (r % 3) h.update(Sp);
    if (r % 7) h.update(Pp);
    h.update(r & 1 ? C : Pp);
    C = h.digest();
  }
  let out = '';
  for (const [x, y, z] of alg === 'sha256' ? SHA256_ORDER : SHA512_ORDER) out += to64((C[x!]! << 16) | (C[y!]! << 8) | C[z!]!, 4);
  out += alg === 'sha256' ? to64((C[31]! << 8) | C[30]!, 3) : to64(C[63]!, 2);
  return `$${m[1]}$${m[2] !== undefined ? `rounds=${m[2]}$` : ''}${m[3]}$${out}`;
}

function repeatTo(digest: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i += digest.length) digest.copy(out, i, 0, Math.min(digest.length, length - i));
  return out;
}

/** Apache's MD5 crypt ($apr1$salt$hash). */
export function apr1(password: string, setting: string): string {
  const m = /^\$apr1\$([^$]{0,8})/.exec(setting);
  if (m === null) return '';
  const pw = Buffer.from(password);
  const salt = Buffer.from(m[1]!);
  const md5 = (...parts: Buffer[]) => {
    const h = createHash('md5');
    for (const p of parts) h.update(p);
    return h.digest();
  };
  let final = md5(pw, salt, pw);
  const ctx = createHash('md5').update(pw).update('$apr1$').update(salt);
  for (let pl = pw.length; pl > 0; pl -= 16) ctx.update(final.subarray(0, Math.min(pl, 16)));
  for (let i = pw.length; i; i >>= 1) ctx.update(i & 1 ? Buffer.from([0]) : pw.subarray(0, 1));
  final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const parts: Buffer[] = [i & 1 ? pw : final];
    if (i % 3) parts.push(salt);
    if (i % 7) parts.push(pw);
    parts.push(i & 1 ? final : pw);
    final = md5(...parts);
  }
  const f = final;
  const enc =
    to64((f[0]! << 16) | (f[6]! << 8) | f[12]!, 4) +
    to64((f[1]! << 16) | (f[7]! << 8) | f[13]!, 4) +
    to64((f[2]! << 16) | (f[8]! << 8) | f[14]!, 4) +
    to64((f[3]! << 16) | (f[9]! << 8) | f[15]!, 4) +
    to64((f[4]! << 16) | (f[10]! << 8) | f[5]!, 4) +
    to64(f[11]!, 2);
  return `$apr1$${m[1]}$${enc}`;
}
