// Pointing provider hosts at other addresses without editing the config, like curl's
// `--resolve host:port:addr` and `--connect-to host:port:host2:port2`. TLS still verifies and
// sends SNI for the original host name, so a config written for api.openai.com can be served by
// a local mirror, an egress proxy or a test double holding a certificate for that name.

export interface ConnectTarget {
  host: string;
  port: number;
}

export class ConnectOverrides {
  private readonly map = new Map<string, ConnectTarget>();

  /** `host:port:addr` (curl --resolve): same port, other address. */
  addResolve(spec: string): void {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+):(.+)$/.exec(spec);
    if (!m) throw new Error(`--resolve expects host:port:addr, got "${spec}"`);
    this.map.set(key(unbracket(m[1]!), Number(m[2])), { host: unbracket(m[3]!), port: Number(m[2]) });
  }

  /** `host:port:host2:port2` (curl --connect-to). */
  addConnectTo(spec: string): void {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+):(\[[^\]]+\]|[^:]+):(\d+)$/.exec(spec);
    if (!m) throw new Error(`--connect-to expects host:port:host2:port2, got "${spec}"`);
    this.map.set(key(unbracket(m[1]!), Number(m[2])), { host: unbracket(m[3]!), port: Number(m[4]) });
  }

  lookup(host: string, port: number): ConnectTarget | undefined {
    return this.map.get(key(host, port));
  }

  get size(): number {
    return this.map.size;
  }

  /** The overrides as data (for worker threads: `fromEntries`). */
  entries(): [string, ConnectTarget][] {
    return [...this.map.entries()];
  }

  static fromEntries(entries: [string, ConnectTarget][]): ConnectOverrides {
    const o = new ConnectOverrides();
    for (const [k, t] of entries) o.map.set(k, t);
    return o;
  }

  describe(): string[] {
    return [...this.map.entries()].map(([k, t]) => `${k} -> ${t.host}:${t.port}`);
  }
}

function key(host: string, port: number): string {
  return `${host.toLowerCase()}:${port}`;
}

function unbracket(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}
