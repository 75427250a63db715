// Writing MCP messages to the client, in the Streamable HTTP framing (and the legacy SSE one).
// A POST that carries a request is answered lazily: if the answer comes before anything else it
// goes out as one application/json body (one write, the common case); if a notification (progress,
// a log line) or a server request comes first, the response turns into an event stream that
// carries those and then the answer. GET opens the session's standalone event stream.

/** What a reply writes to (the pipeline's response, heads routed through its header policies). */
export interface ReplyTarget {
  readonly aborted: boolean;
  head(status: number, headers: string[]): void;
  write(chunk: string): void;
  end(chunk?: string): void;
}

/** Anything server messages can be delivered to. */
export interface MessageSink {
  readonly open: boolean;
  send(message: object): void;
}

const SSE_HEADERS = ['content-type', 'text/event-stream', 'cache-control', 'no-cache'];

export function sseEvent(message: object | string): string {
  return `event: message\ndata: ${typeof message === 'string' ? message : JSON.stringify(message)}\n\n`;
}

/** The answer to one POSTed request, with whatever the servers sent about it before. */
export class PostReply implements MessageSink {
  private streaming = false;
  private done = false;

  constructor(
    private readonly to: ReplyTarget,
    /** Extra response headers (Mcp-Session-Id); may change until the head is written. */
    public headers: string[],
  ) {}

  get open(): boolean {
    return !this.done && !this.to.aborted;
  }

  /** True once the event stream started (errors can then only be sent as events). */
  get started(): boolean {
    return this.streaming;
  }

  send(message: object): void {
    if (!this.open) return;
    if (!this.streaming) {
      this.streaming = true;
      this.to.head(200, [...SSE_HEADERS, ...this.headers]);
    }
    this.to.write(sseEvent(message));
  }

  /** The JSON-RPC response (result or error object) that ends the exchange. */
  finish(response: object | string): void {
    if (!this.open) return;
    this.done = true;
    const text = typeof response === 'string' ? response : JSON.stringify(response);
    if (this.streaming) return this.to.end(sseEvent(text));
    this.to.head(200, ['content-type', 'application/json', ...this.headers]);
    this.to.end(text);
  }

  /** Ends without an answer (the client cancelled the request). */
  abandon(): void {
    if (!this.open) return;
    this.done = true;
    if (!this.streaming) this.to.head(200, [...SSE_HEADERS, ...this.headers]);
    this.to.end();
  }
}

/** Comments keep idle intermediaries from closing a quiet stream. */
const KEEPALIVE_MS = 25_000;

/** A long-lived event stream: GET on the MCP endpoint, or the legacy /sse stream. */
export class EventStream implements MessageSink {
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly to: ReplyTarget,
    headers: string[],
    /** Runs once when the stream ends, whoever ends it. */
    private readonly onClose: () => void,
    first?: string,
  ) {
    to.head(200, [...SSE_HEADERS, ...headers]);
    to.write(first ?? ': stream open\n\n');
    this.timer = setInterval(() => this.to.write(': keepalive\n\n'), KEEPALIVE_MS);
    this.timer.unref();
  }

  get open(): boolean {
    return !this.closed && !this.to.aborted;
  }

  send(message: object): void {
    if (this.open) this.to.write(sseEvent(message));
  }

  /** The client left (or the session ended): stop the keepalive, end the response if possible. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    if (!this.to.aborted) this.to.end();
    this.onClose();
  }
}
