// IP addresses and CIDR ranges for CEL, as the Kubernetes IP/CIDR libraries define them (which
// agentgateway exposes): `cidr("10.0.0.0/8").containsIP(source.address)`, `ip("::1").isLoopback()`.
// Semantics follow Go's net/netip: an IPv4 address never matches an IPv6 prefix and an
// IPv4-mapped IPv6 address never matches an IPv4 prefix.
import { isIPv4, isIPv6 } from 'node:net';

export class IpAddress {
  private constructor(
    /** 4 bytes for IPv4, 16 for IPv6. */
    readonly bytes: Uint8Array,
    readonly text: string,
  ) {}

  static parse(s: string): IpAddress {
    if (isIPv4(s)) return new IpAddress(Uint8Array.from(s.split('.').map(Number)), s);
    if (isIPv6(s) && !s.includes('%')) return new IpAddress(ipv6Bytes(s), s);
    throw new Error(`IP address "${s}" is not valid`);
  }

  get family(): 4 | 6 {
    return this.bytes.length === 4 ? 4 : 6;
  }

  isUnspecified(): boolean {
    return this.bytes.every((b) => b === 0);
  }

  isLoopback(): boolean {
    return this.family === 4 ? this.bytes[0] === 127 : this.bytes.slice(0, 15).every((b) => b === 0) && this.bytes[15] === 1;
  }

  isLinkLocalMulticast(): boolean {
    const b = this.bytes;
    return this.family === 4 ? b[0] === 224 && b[1] === 0 && b[2] === 0 : b[0] === 0xff && (b[1]! & 0x0f) === 0x02;
  }

  isLinkLocalUnicast(): boolean {
    const b = this.bytes;
    return this.family === 4 ? b[0] === 169 && b[1] === 254 : b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  }

  /** Go's IsGlobalUnicast: not unspecified, loopback, link-local, multicast or broadcast. */
  isGlobalUnicast(): boolean {
    const b = this.bytes;
    if (this.isUnspecified() || this.isLoopback() || this.isLinkLocalUnicast()) return false;
    if (this.family === 4) return b[0]! < 224 && !b.every((x) => x === 255);
    return b[0] !== 0xff;
  }

  toString(): string {
    return this.text;
  }
}

export class CidrRange {
  private constructor(
    readonly address: IpAddress,
    readonly prefixLength: number,
  ) {}

  static parse(s: string): CidrRange {
    const slash = s.lastIndexOf('/');
    const bits = slash < 0 ? NaN : Number(s.slice(slash + 1));
    if (slash < 0 || !/^\d{1,3}$/.test(s.slice(slash + 1))) throw new Error(`CIDR "${s}" is not valid (expected address/prefix)`);
    const address = IpAddress.parse(s.slice(0, slash));
    if (bits > address.bytes.length * 8) throw new Error(`CIDR "${s}" has a prefix longer than the address`);
    return new CidrRange(address, bits);
  }

  containsIP(ip: IpAddress): boolean {
    const a = this.address.bytes;
    const b = ip.bytes;
    if (a.length !== b.length) return false;
    let bits = this.prefixLength;
    for (let i = 0; bits > 0; i++, bits -= 8) {
      const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
      if ((a[i]! & mask) !== (b[i]! & mask)) return false;
    }
    return true;
  }

  containsCIDR(other: CidrRange): boolean {
    return other.prefixLength >= this.prefixLength && this.containsIP(other.address);
  }

  /** The range with host bits cleared. */
  masked(): CidrRange {
    const bytes = Uint8Array.from(this.address.bytes);
    let bits = this.prefixLength;
    for (let i = 0; i < bytes.length; i++, bits -= 8)
      bytes[i] = bits >= 8 ? bytes[i]! : bits <= 0 ? 0 : bytes[i]! & ((0xff << (8 - bits)) & 0xff);
    return CidrRange.parse(`${formatIp(bytes)}/${this.prefixLength}`);
  }

  toString(): string {
    return `${this.address.text}/${this.prefixLength}`;
  }
}

function ipv6Bytes(s: string): Uint8Array {
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // embedded IPv4 (::ffff:1.2.3.4): its four bytes end the address
    tail.push(
      ...text
        .slice(lastColon + 1)
        .split('.')
        .map(Number),
    );
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part === undefined || part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const h = groups(head);
  const r = groups(rest);
  const words = rest === undefined ? h : [...h, ...new Array<number>(8 - h.length - r.length).fill(0), ...r];
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  if (tail.length === 4) out.set(tail, 12);
  return out;
}

function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return words.join(':');
}

/** Parsed ranges by text: rules call `cidr("…")` with the same literal on every request. */
const cidrCache = new Map<string, CidrRange>();
const CIDR_CACHE_MAX = 1024;

export function cachedCidr(s: string): CidrRange {
  let c = cidrCache.get(s);
  if (c === undefined) {
    c = CidrRange.parse(s);
    if (cidrCache.size >= CIDR_CACHE_MAX) cidrCache.clear();
    cidrCache.set(s, c);
  }
  return c;
}
