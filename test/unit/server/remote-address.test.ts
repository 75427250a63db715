import { describe, expect, it } from 'vitest';
import { remoteFromBytes, remoteText } from '../../../src/server/exchange.js';

describe('client address text (source.address in CEL)', () => {
  it('IPv4 clients on the dual-stack socket come as IPv4-mapped hex: dotted quad', () => {
    expect(remoteText('0000:0000:0000:0000:0000:ffff:7f00:0001')).toBe('127.0.0.1');
    expect(remoteText('0000:0000:0000:0000:0000:ffff:c0a8:01fe')).toBe('192.168.1.254');
    expect(remoteText('::ffff:10.0.0.1')).toBe('10.0.0.1');
  });

  it('IPv6 addresses are compressed to their canonical form', () => {
    expect(remoteText('0000:0000:0000:0000:0000:0000:0000:0001')).toBe('::1');
    expect(remoteText('2001:0db8:0000:0000:0000:ff00:0042:8329')).toBe('2001:db8::ff00:42:8329');
  });

  it('plain IPv4 is kept', () => {
    expect(remoteText('10.1.2.3')).toBe('10.1.2.3');
  });
});

describe("client address from uWS's binary form (the data path's one read)", () => {
  const bytes = (...b: number[]) => new Uint8Array(b).buffer;
  const mapped = (a: number, b: number, c: number, d: number) => bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d);

  it('4 bytes and IPv4-mapped 16 bytes give the dotted quad, the same text as remoteText', () => {
    expect(remoteFromBytes(bytes(10, 1, 2, 3))).toBe('10.1.2.3');
    expect(remoteFromBytes(mapped(127, 0, 0, 1))).toBe(remoteText('0000:0000:0000:0000:0000:ffff:7f00:0001'));
    expect(remoteFromBytes(mapped(192, 168, 1, 254))).toBe('192.168.1.254');
    // the cache keys on all 32 bits: high bytes are not confused (sign of << 24)
    expect(remoteFromBytes(bytes(255, 255, 255, 254))).toBe('255.255.255.254');
    expect(remoteFromBytes(bytes(127, 255, 255, 254))).toBe('127.255.255.254');
  });

  it('IPv6 is compressed to its canonical form; a bare ::ffff prefix without the zeros is not mapped', () => {
    expect(remoteFromBytes(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1))).toBe('::1');
    expect(remoteFromBytes(bytes(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29))).toBe('2001:db8::ff00:42:8329');
    expect(remoteFromBytes(bytes(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1))).toBe('100::ffff:7f00:1');
  });

  it('no address (a socket already gone) is the empty string', () => {
    expect(remoteFromBytes(new ArrayBuffer(0))).toBe('');
  });
});
