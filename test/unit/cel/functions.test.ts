import { describe, expect, it } from 'vitest';
import { ActivationPlan, compileCel } from '../../../src/cel/index.js';
import { CidrRange, IpAddress } from '../../../src/cel/net.js';
import { celRequest } from './request.js';

const run = (expr: string, over = {}) => {
  const p = compileCel(expr);
  return p.evaluate(new ActivationPlan([p]).build(celRequest(over)));
};

describe('cidr and ip (Kubernetes CEL library semantics)', () => {
  it('containsIP on IPv4 and IPv6', () => {
    expect(run('cidr("127.0.0.1/8").containsIP(source.address)')).toBe(true);
    expect(run('cidr("10.0.0.0/8").containsIP(source.address)')).toBe(false);
    expect(run('cidr("192.168.0.0/16").containsIP("192.168.255.1")')).toBe(true);
    expect(run('cidr("192.168.0.0/16").containsIP("192.169.0.1")')).toBe(false);
    expect(run('cidr("2001:db8::/32").containsIP("2001:db8:1::5")')).toBe(true);
    expect(run('cidr("2001:db8::/32").containsIP(ip("2001:db9::1"))')).toBe(false);
    expect(run('cidr("0.0.0.0/0").containsIP("8.8.8.8")')).toBe(true);
    expect(run('cidr("10.1.2.3/32").containsIP("10.1.2.3")')).toBe(true);
  });

  it('an IPv4 address never matches an IPv6 range and vice versa', () => {
    expect(run('cidr("::/0").containsIP("1.2.3.4")')).toBe(false);
    expect(run('cidr("1.2.3.0/24").containsIP("::ffff:1.2.3.4")')).toBe(false);
  });

  it('other members', () => {
    expect(run('cidr("10.0.0.0/8").containsCIDR("10.1.0.0/16")')).toBe(true);
    expect(run('cidr("10.1.0.0/16").containsCIDR(cidr("10.0.0.0/8"))')).toBe(false);
    expect(run('cidr("10.1.2.3/8").prefixLength()')).toBe(8n);
    expect(run('string(cidr("10.1.2.3/8").masked())')).toBe('10.0.0.0/8');
    expect(run('string(cidr("2001:db8::1/32").masked())')).toBe('2001:db8:0:0:0:0:0:0/32');
    expect(run('ip("::1").isLoopback() && ip("127.0.0.2").isLoopback() && !ip("8.8.8.8").isLoopback()')).toBe(true);
    expect(run('ip("fe80::1").isLinkLocalUnicast() && ip("169.254.1.1").isLinkLocalUnicast()')).toBe(true);
    expect(run('ip("8.8.8.8").isGlobalUnicast() && !ip("255.255.255.255").isGlobalUnicast() && !ip("0.0.0.0").isGlobalUnicast()')).toBe(
      true,
    );
    expect(run('ip("::").isUnspecified() && ip("1.2.3.4").family() == 4 && ip("::1").family() == 6')).toBe(true);
    expect(run('isIP("1.2.3.4") && !isIP("1.2.3") && !isIP("fe80::1%eth0")')).toBe(true);
  });

  it('a bad address at run time is an evaluation error', () => {
    expect(() => run('cidr("10.0.0.0/8").containsIP(request.method)')).toThrow(/not valid/);
  });

  it('parsing', () => {
    expect(IpAddress.parse('::ffff:10.0.0.1').bytes).toEqual(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1]));
    expect(IpAddress.parse('2001:db8::ff00:42:8329').bytes.slice(10)).toEqual(Uint8Array.from([0xff, 0, 0, 0x42, 0x83, 0x29]));
    expect(() => CidrRange.parse('10.0.0.0')).toThrow(/expected address\/prefix/);
    expect(() => CidrRange.parse('10.0.0.0/x')).toThrow();
  });
});

describe('string helpers and default()', () => {
  it('cel-go strings extension members', () => {
    expect(run('"hello".charAt(1)')).toBe('e');
    expect(run('"a-b-c".replace("-", "+")')).toBe('a+b+c');
    expect(run('"a-b-c".replace("-", "+", 1)')).toBe('a+b-c');
    expect(run('"/openai/v1".stripPrefix("/openai")')).toBe('/v1');
    expect(run('"model-latest".stripSuffix("-latest")')).toBe('model');
    expect(run('"/id/1234/data".regexReplace("/id/[0-9]*/", "/id/{id}/")')).toBe('/id/{id}/data');
    expect(run('request.path.lowerAscii().split("/")[1]')).toBe('v1');
  });

  it('default() falls back when its expression cannot be evaluated', () => {
    expect(run('default(request.headers["x-user"], "anonymous")')).toBe('anonymous');
    expect(run('default(request.headers["x-tenant"], "none")')).toBe('acme');
    expect(run('default(jwt.role, "user")')).toBe('user');
    expect(run('default(jwt.role, "user")', { jwt: { claims: { role: 'admin' } } })).toBe('admin');
  });
});
