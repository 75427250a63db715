import { describe, expect, it } from 'vitest';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';

describe('--resolve / --connect-to', () => {
  it('--resolve keeps the port and changes the address', () => {
    const o = new ConnectOverrides();
    o.addResolve('api.openai.com:443:127.0.0.1');
    expect(o.lookup('api.openai.com', 443)).toEqual({ host: '127.0.0.1', port: 443 });
    expect(o.lookup('API.OPENAI.COM', 443)).toEqual({ host: '127.0.0.1', port: 443 });
    expect(o.lookup('api.openai.com', 80)).toBeUndefined();
  });

  it('--connect-to changes address and port; IPv6 in brackets', () => {
    const o = new ConnectOverrides();
    o.addConnectTo('api.anthropic.com:443:[::1]:8443');
    expect(o.lookup('api.anthropic.com', 443)).toEqual({ host: '::1', port: 8443 });
    expect(o.describe()).toEqual(['api.anthropic.com:443 -> ::1:8443']);
  });

  it('malformed specs are refused with the expected shape', () => {
    const o = new ConnectOverrides();
    expect(() => o.addResolve('api.openai.com:127.0.0.1')).toThrow(/--resolve expects host:port:addr/);
    expect(() => o.addConnectTo('a:1:b')).toThrow(/--connect-to expects host:port:host2:port2/);
  });
});
