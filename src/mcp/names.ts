// How federated names look to the client (agentgateway's multiplexing rules):
// - tools and prompts are `<target>_<name>` when names are prefixed: with several targets
//   (prefixMode conditional), always (prefixMode always), never (prefixMode never: the target is
//   found by looking the name up in the targets' lists);
// - resource URIs with a scheme become `<target>+<uri>` whenever there is no single default
//   target, so two servers' `file:///a` stay apart;
// - requests a server sends to the client get ids `agw_<target>_<n|s>_<original>`, so replies
//   from the client find their way back and ids from N servers never collide.
// Target names cannot contain `_` or `+` (the schema forbids them), so the first one splits.
import type { RequestId } from './jsonrpc.js';

export type PrefixMode = 'conditional' | 'always' | 'never';

const DELIMITER = '_';

export class Namer {
  /** Tool and prompt names carry the target prefix. */
  readonly prefixed: boolean;
  /** Names carry no target and there are several: calls are routed by lookup. */
  readonly lookup: boolean;
  /** The one target everything goes to, when names and URIs pass through unchanged. */
  readonly defaultTarget: string | null;

  constructor(
    private readonly targets: readonly string[],
    mode: PrefixMode,
  ) {
    const multiplexing = targets.length !== 1;
    this.defaultTarget = !multiplexing && mode !== 'always' ? targets[0]! : null;
    this.lookup = multiplexing && mode === 'never';
    this.prefixed = this.defaultTarget === null && !this.lookup;
  }

  has(target: string): boolean {
    return this.targets.includes(target);
  }

  /** The client's name for a target's tool or prompt. */
  outName(target: string, name: string): string {
    return this.prefixed ? `${target}${DELIMITER}${name}` : name;
  }

  /**
   * The target and upstream name of a client's tool or prompt name; the target is '' when it must
   * be looked up (prefixMode never), null when the name names no target.
   */
  inName(name: string): { target: string; name: string } | null {
    if (this.defaultTarget !== null) return { target: this.defaultTarget, name };
    if (this.lookup) return { target: '', name };
    const i = name.indexOf(DELIMITER);
    if (i <= 0) return null;
    const target = name.slice(0, i);
    return this.has(target) ? { target, name: name.slice(i + 1) } : null;
  }

  /** The client's URI for a target's resource (or resource template). */
  outUri(target: string, uri: string): string {
    if (this.defaultTarget !== null || !hasScheme(uri)) return uri;
    return `${target}+${uri}`;
  }

  inUri(uri: string): { target: string; uri: string } | null {
    if (this.defaultTarget !== null) return { target: this.defaultTarget, uri };
    const i = uri.indexOf('+');
    if (i <= 0) return null;
    const target = uri.slice(0, i);
    return this.has(target) ? { target, uri: uri.slice(i + 1) } : null;
  }
}

/** RFC 3986 scheme followed by `:` (hierarchical `http://x` and opaque `urn:x` alike). */
export function hasScheme(uri: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri);
}

/** The id a server-to-client request carries downstream. */
export function serverRequestId(target: string, original: RequestId): string {
  return typeof original === 'number' ? `agw_${target}_n_${original}` : `agw_${target}_s_${original}`;
}

/** Reverse of serverRequestId; null for ids the gateway did not make. */
export function parseServerRequestId(id: RequestId): { target: string; original: RequestId } | null {
  if (typeof id !== 'string' || !id.startsWith('agw_')) return null;
  const m = /^agw_([^_]+)_([ns])_(.*)$/s.exec(id);
  if (m === null) return null;
  if (m[2] === 's') return { target: m[1]!, original: m[3]! };
  const n = Number(m[3]);
  return Number.isInteger(n) ? { target: m[1]!, original: n } : null;
}
