import bcrypt from 'bcryptjs';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { apr1, parseHtpasswd, shaCrypt, verifyPassword } from '../../../src/policies/htpasswd.js';

// Vectors from `openssl passwd -5/-6/-apr1 -salt <salt> <password>` (OpenSSL 3.0).
const VECTORS = [
  { kind: 'sha256', pw: 'secret', hash: '$5$abcdefgh$gruCpC7VkOTspMQTTSAR8mtlO9Upms.fwqE5y16JVM.' },
  {
    kind: 'sha512',
    pw: 'secret',
    hash: '$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.',
  },
  { kind: 'sha256', pw: 'pw', hash: '$5$rounds=1000$abc$zdUXQ3de2d3x/8MYX1t30oZjPfJThZR5heHeVDYi8j6' },
  { kind: 'sha256', pw: 'rounds-pass', hash: '$5$rounds=12000$RoundsSalt$kq8yrtR0//W5IRGk.wW8ZZSQ1wgKT4aPkU3epJZVlh0' },
  {
    kind: 'sha512',
    pw: 'dan-pass-6?',
    hash: '$6$Zq9.xY2rTu$Don1gSakHCphwQKq99L0O7wzMR9EerTDkJcJ4y2bd0fY1O7CRZbm0u4V9Mme8u6ue1QUvDaFv7PSpg2.ZqvKj1',
  },
] as const;

describe('SHA-crypt and Apache MD5 match OpenSSL', () => {
  it.each(VECTORS)('$kind $hash', ({ kind, pw, hash }) => {
    expect(shaCrypt(kind, pw, hash)).toBe(hash);
    expect(shaCrypt(kind, `${pw}x`, hash)).not.toBe(hash);
  });

  it('apr1', () => {
    expect(apr1('secret', '$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/')).toBe('$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/');
    expect(apr1('eve-pass-apr1', '$apr1$Ap1rSalt$')).toBe('$apr1$Ap1rSalt$cJzhjxxGZGLbBmmMX06270');
  });
});

describe('htpasswd files', () => {
  const text = [
    '# comment',
    `b:${bcrypt.hashSync('bee', 4)}`,
    `s:{SHA}${createHash('sha1').update('ess').digest('base64')}`,
    `f:${VECTORS[0].hash}`,
    'a:$apr1$abcdefgh$h9FWgUz3n9YxylKLlR5SQ/',
    '',
  ].join('\n');

  it('verifies every format (synchronously: slow kinds are called on a worker thread)', () => {
    const { entries, problems } = parseHtpasswd(text);
    expect(problems).toEqual([]);
    expect(verifyPassword('bee', entries.get('b')!)).toBe(true);
    expect(verifyPassword('bed', entries.get('b')!)).toBe(false);
    expect(verifyPassword('ess', entries.get('s')!)).toBe(true);
    expect(verifyPassword('esss', entries.get('s')!)).toBe(false);
    expect(verifyPassword('secret', entries.get('f')!)).toBe(true);
    expect(verifyPassword('secret', entries.get('a')!)).toBe(true);
    expect(verifyPassword('Secret', entries.get('a')!)).toBe(false);
  });

  it('names the line of an unsupported or malformed entry, never its content', () => {
    const { problems } = parseHtpasswd('ok:{SHA}x\nplain:hunter2\nnocolon\ncrypt:abJnggxhB/yWI');
    expect(problems).toEqual([
      'line 2: unsupported hash format (use bcrypt, {SHA}, $5$, $6$ or $apr1$)',
      'line 3: expected user:hash',
      'line 4: unsupported hash format (use bcrypt, {SHA}, $5$, $6$ or $apr1$)',
    ]);
    expect(problems.join()).not.toMatch(/hunter2|plain|crypt:/);
  });
});
