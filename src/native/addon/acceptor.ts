// The addon's connection acceptor (native/src/acceptor.rs), as src/server/ uses it.

/** (descriptor, listener id, kind, reason, request target so far: '' for fast connections) */
export type OnConnection = (fd: number, listener: number, kind: number, reason: number, target: string) => void;

export interface AddonAcceptor {
  /** Binds and listens; 0 and `out` = [listener id, port], or -errno. */
  listen(address: string, port: number, out: Int32Array): number;
  /** Closes a listener; the port is free when this returns. */
  close(listener: number): void;
  /** New limits for connections accepted from now on. */
  configure(maxHeadBytes: number, maxHeaders: number, headTimeoutMs: number): void;
}

export type AcceptorClass = new (
  onConnection: OnConnection,
  maxHeadBytes: number,
  maxHeaders: number,
  headTimeoutMs: number,
) => AddonAcceptor;

/** `kind` values: uWS may parse the connection; the Node edge must; the head timed out (408). */
export const HANDOFF_FAST = 0;
export const HANDOFF_SLOW = 1;
export const HANDOFF_TIMEOUT = 2;

/** `reason` values (native/src/head.rs `Reason`), for logs. */
export const HANDOFF_REASONS: readonly string[] = [
  'clean',
  'head too large',
  'not HTTP/1.1',
  'request line',
  'header syntax',
  'non-ASCII header bytes',
  'message framing',
  'Expect',
  'pipelined',
  'too many headers',
  'Host',
  'fragmented head',
  'half-closed',
  'head timeout',
];
