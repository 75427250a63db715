// A client connection for driving the pipeline (handle()) in-process: the Downstream the uWS
// and Node http edges implement (src/server/edge-exchange.ts), recording what the pipeline did
// with it. Like the edges it sends the head with the first body bytes, calls the pipeline's
// pause when more than `capacity` bytes wait unsent, and resume when the test drains them;
// `abort()` is the client going away.
import type { Downstream, HeaderList } from '../../../src/pipeline/downstream.js';

export interface FakeRequest {
  method?: string;
  path: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string;
}

export class FakeDownstream implements Downstream {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly headers: string[];
  readonly remoteAddress = '127.0.0.1';
  readonly body: Buffer | null;
  aborted = false;
  headSent = false;

  /** Calls the edge would ignore but that show a lifecycle bug: a head or write after the end. */
  readonly violations: string[] = [];
  /** What the pipeline did, in order: head, write, end, close, pause, resume. */
  readonly events: string[] = [];
  status = 0;
  responseHeaders: HeaderList = [];
  private readonly chunks: Buffer[] = [];
  /** Bytes written but not yet "sent" (the test drains them with drain()). */
  unsent = 0;
  private abortCb: (() => void) | null = null;
  private pauseFn: (() => void) | null = null;
  private resumeFn: (() => void) | null = null;
  private waitingWritable = false;
  private ended = false;
  private settle!: (how: 'end' | 'close' | 'abort') => void;
  /** How the exchange ended: a clean end, an unclean close, or the client going away. */
  readonly settled = new Promise<'end' | 'close' | 'abort'>((r) => {
    this.settle = r;
  });
  /** Called after each write (tests hook in to abort or check flow mid-body). */
  onWrite: (bytes: number) => void = () => undefined;

  constructor(
    req: FakeRequest,
    /** Unsent bytes the "socket" takes before it reports backpressure (Infinity: never). */
    private readonly capacity = Number.POSITIVE_INFINITY,
  ) {
    this.method = req.method ?? (req.body === undefined ? 'GET' : 'POST');
    this.path = req.path;
    this.query = req.query ?? '';
    this.headers = Object.entries({
      host: 'gw.test',
      ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...req.headers,
    })
      .flat()
      .map((s, i) => (i % 2 === 0 ? s.toLowerCase() : s));
    this.body = req.body === undefined ? null : Buffer.from(req.body);
  }

  onAbort(cb: () => void): void {
    if (this.aborted) cb();
    else this.abortCb = cb;
  }

  head(status: number, headers: HeaderList): void {
    if (this.ended) return this.late(`head ${status}`);
    if (this.headSent) return void this.violations.push(`head ${status} after the head was sent`);
    this.events.push(`head ${status}`);
    this.status = status;
    this.responseHeaders = headers;
  }

  write(chunk: Uint8Array | string): void {
    if (this.ended) return this.late('write');
    this.headSent = true;
    const b = Buffer.from(chunk);
    this.events.push('write');
    this.chunks.push(b);
    this.unsent += b.length;
    if (this.unsent > this.capacity && !this.waitingWritable) {
      this.waitingWritable = true;
      this.events.push('pause');
      this.pauseFn?.();
    }
    this.onWrite(b.length);
  }

  end(chunk?: Uint8Array | string): void {
    if (this.ended) return this.late('end');
    this.ended = true;
    this.headSent = true;
    if (chunk !== undefined) this.chunks.push(Buffer.from(chunk));
    this.events.push('end');
    this.abortCb = null;
    this.settle('end');
  }

  close(): void {
    if (this.ended) return this.late('close');
    this.ended = true;
    this.events.push('close');
    this.abortCb = null;
    this.settle('close');
  }

  setFlow(pause: () => void, resume: () => void): void {
    this.pauseFn = pause;
    this.resumeFn = resume;
  }

  // ---- the test's side ----

  /** The socket took everything written so far (uWS onWritable): the pipeline may resume. */
  drain(): void {
    this.unsent = 0;
    if (!this.waitingWritable) return;
    this.waitingWritable = false;
    this.events.push('resume');
    this.resumeFn?.();
  }

  /** The client goes away (uWS onAborted). */
  abort(): void {
    if (this.ended) return;
    this.aborted = true;
    this.ended = true;
    this.events.push('abort');
    const cb = this.abortCb;
    this.abortCb = null;
    cb?.();
    this.settle('abort');
  }

  /** After the client left the edge drops calls silently; after the pipeline's own end they are bugs. */
  private late(what: string): void {
    if (!this.aborted) this.violations.push(`${what} after the response ended`);
  }

  get bodyText(): string {
    return Buffer.concat(this.chunks).toString();
  }

  get bodyBytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }

  header(name: string): string | undefined {
    const h = this.responseHeaders;
    for (let i = 0; i < h.length; i += 2) if (String(h[i]).toLowerCase() === name) return String(h[i + 1]);
    return undefined;
  }
}
