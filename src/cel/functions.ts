// Functions agentgateway offers beyond standard CEL (schema/cel-functions.md), registered on the
// shared environment: the Kubernetes IP/CIDR library, the cel-go string helpers the CEL library
// lacks, and `default(expr, fallback)`.
import type { Environment } from '@marcbachmann/cel-js';
import { cachedCidr, CidrRange, IpAddress } from './net.js';
import { toCelValue } from './values.js';

export function registerFunctions(env: Environment): void {
  registerNet(env);
  registerStrings(env);
  registerDefault(env);
  // agentgateway's json(): parse a string (typically request.body) into CEL values.
  env.registerFunction('json(string): dyn', (s: string) => toCelValue(JSON.parse(s)));
}

function registerNet(env: Environment): void {
  env
    .registerType('net.IP', { ctor: IpAddress, fields: {} })
    .registerType('net.CIDR', { ctor: CidrRange, fields: {} })
    .registerFunction('cidr(string): net.CIDR', (s: string) => cachedCidr(s))
    .registerFunction('ip(string): net.IP', (s: string) => IpAddress.parse(s))
    .registerFunction('isIP(string): bool', (s: string) => {
      try {
        IpAddress.parse(s);
        return true;
      } catch {
        return false;
      }
    })
    .registerFunction('net.CIDR.containsIP(string): bool', (c: CidrRange, s: string) => c.containsIP(IpAddress.parse(s)))
    .registerFunction('net.CIDR.containsIP(net.IP): bool', (c: CidrRange, ip: IpAddress) => c.containsIP(ip))
    .registerFunction('net.CIDR.containsCIDR(net.CIDR): bool', (c: CidrRange, o: CidrRange) => c.containsCIDR(o))
    .registerFunction('net.CIDR.containsCIDR(string): bool', (c: CidrRange, s: string) => c.containsCIDR(cachedCidr(s)))
    .registerFunction('net.CIDR.ip(): net.IP', (c: CidrRange) => c.address)
    .registerFunction('net.CIDR.masked(): net.CIDR', (c: CidrRange) => c.masked())
    .registerFunction('net.CIDR.prefixLength(): int', (c: CidrRange) => BigInt(c.prefixLength))
    .registerFunction('net.IP.family(): int', (ip: IpAddress) => BigInt(ip.family))
    .registerFunction('net.IP.isUnspecified(): bool', (ip: IpAddress) => ip.isUnspecified())
    .registerFunction('net.IP.isLoopback(): bool', (ip: IpAddress) => ip.isLoopback())
    .registerFunction('net.IP.isLinkLocalMulticast(): bool', (ip: IpAddress) => ip.isLinkLocalMulticast())
    .registerFunction('net.IP.isLinkLocalUnicast(): bool', (ip: IpAddress) => ip.isLinkLocalUnicast())
    .registerFunction('net.IP.isGlobalUnicast(): bool', (ip: IpAddress) => ip.isGlobalUnicast())
    .registerFunction('string(net.IP): string', (ip: IpAddress) => ip.toString())
    .registerFunction('string(net.CIDR): string', (c: CidrRange) => c.toString());
}

/** cel-go strings extension members missing from the library (charAt, replace, strip*). */
function registerStrings(env: Environment): void {
  env
    .registerFunction('string.charAt(int): string', (s: string, i: bigint) => {
      const chars = [...s];
      if (i < 0n || i > BigInt(chars.length)) throw new Error(`charAt: index ${i} out of range`);
      return chars[Number(i)] ?? '';
    })
    .registerFunction('string.replace(string, string): string', (s: string, from: string, to: string) => s.split(from).join(to))
    .registerFunction('string.replace(string, string, int): string', (s: string, from: string, to: string, n: bigint) =>
      replaceN(s, from, to, n),
    )
    .registerFunction('string.stripPrefix(string): string', (s: string, p: string) => (s.startsWith(p) ? s.slice(p.length) : s))
    .registerFunction('string.stripSuffix(string): string', (s: string, p: string) =>
      p !== '' && s.endsWith(p) ? s.slice(0, -p.length) : s,
    )
    .registerFunction('string.regexReplace(string, string): string', (s: string, re: string, to: string) =>
      s.replace(new RegExp(re, 'g'), to),
    );
}

function replaceN(s: string, from: string, to: string, n: bigint): string {
  if (n < 0n) return s.split(from).join(to);
  let out = s;
  let at = 0;
  for (let done = 0n; done < n; done++) {
    const i = out.indexOf(from, at);
    if (i < 0) break;
    out = out.slice(0, i) + to + out.slice(i + from.length);
    at = i + to.length;
  }
  return out;
}

/**
 * `default(expr, fallback)`: the value of `expr`, or `fallback` when `expr` cannot be evaluated
 * (a missing header, claim or field). A macro, because its first argument must not be
 * evaluated eagerly: its failure is the point.
 */
function registerDefault(env: Environment): void {
  type Ast = unknown;
  interface Checker {
    check(ast: Ast, ctx: unknown): unknown;
    getType(name: string): unknown;
  }
  interface Evaluator {
    run(ast: Ast, ctx: unknown): unknown;
  }
  env.registerFunction('default(ast, ast): dyn', ({ args }: { args: Ast[] }) => ({
    args,
    typeCheck(checker: Checker, macro: { args: Ast[] }, ctx: unknown) {
      checker.check(macro.args[0], ctx);
      checker.check(macro.args[1], ctx);
      return checker.getType('dyn');
    },
    evaluate(ev: Evaluator, macro: { args: Ast[] }, ctx: unknown) {
      try {
        return ev.run(macro.args[0], ctx);
      } catch {
        return ev.run(macro.args[1], ctx);
      }
    },
  }));
}
