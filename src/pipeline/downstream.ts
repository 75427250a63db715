// What the pipeline needs from the client connection. src/server implements it over uWS;
// tests can implement it over anything. Writes are coalesced per event-loop turn by the
// implementation, and `write` never blocks: flow control goes through `setFlow`.

export type HeaderList = (string | Uint8Array)[];

export interface Downstream {
  /** Upper-case method. */
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  /** Query string without `?` ('' when absent). */
  readonly query: string;
  /** Flat lower-case `[name, value, ...]` list as received. */
  readonly headers: string[];
  readonly remoteAddress: string;
  readonly body: Buffer | null;
  readonly aborted: boolean;
  /** `HTTP/1.0` or `HTTP/1.1`; undefined means HTTP/1.1 (all uWS serves). */
  readonly httpVersion?: string | undefined;
  /** Why the exchange was cut short when the client did not simply go away (a send timeout). */
  readonly abortReason?: string | undefined;
  /** Set once status and headers were handed to the connection. */
  readonly headSent: boolean;

  /** Called once if the client goes away before the response ended. */
  onAbort(cb: () => void): void;
  /** Status and headers; written together with the first body bytes. */
  head(status: number, headers: HeaderList): void;
  write(chunk: Uint8Array | string): void;
  end(chunk?: Uint8Array | string): void;
  /**
   * Backpressure: `pause` is called when the client cannot take more, `resume` when it can.
   * The pipeline passes the upstream call's pause/resume.
   */
  setFlow(pause: () => void, resume: () => void): void;
  /** Closes the connection without a clean response end (used mid-stream). */
  close(): void;
}
