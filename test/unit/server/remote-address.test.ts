import { describe, expect, it } from 'vitest';
import { remoteText } from '../../../src/server/exchange.js';

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
