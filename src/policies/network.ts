// The one way policies reach the network: a port the policy compiler hands in
// (PolicyCompiler.network). The runtime implements it over the gateway's upstream pools
// (src/upstream/policy-call.ts), so a JWKS fetch or a guardrail webhook call shares connection
// reuse, TLS settings and --resolve/--connect-to with upstream traffic, and policies never
// import an HTTP client. Tests hand in whatever they like.

/** A reply, body read whole (bounded). */
export interface PolicyReply {
  readonly status: number;
  /** A response header, lower-case name. */
  header(name: string): string | undefined;
  readonly body: Buffer;
}

export interface PolicyCall {
  readonly method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  readonly path: string;
  /** Flat `[name, value, ...]` list. */
  readonly headers?: readonly string[];
  readonly body?: string;
  /** Bounds the whole exchange, body included; the call then rejects with "no answer within N ms". */
  readonly timeoutMs: number;
}

/** A service at one origin. */
export interface PolicyEndpoint {
  /** Rejects when the service cannot be reached, is too slow, or sends a body over the limit. */
  call(c: PolicyCall): Promise<PolicyReply>;
}

export interface PolicyNetwork {
  /**
   * The endpoint at `origin` (`http://host:port` or `https://host:port`, TLS verified); its
   * connection pool lives as long as a serving config names it.
   */
  endpoint(origin: string): PolicyEndpoint;
}
