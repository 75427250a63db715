// A raw-socket HTTP/1.x client for the edge tests: sends exact bytes (in pieces, with pauses if
// asked), and parses whatever comes back into responses (1xx included), noting whether the
// server closed the connection. Nothing here is lenient on purpose beyond what a test needs.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  /** Lower-case name -> values, in order. */
  headers: Map<string, string[]>;
  head: string;
  body: Buffer;
}

export interface RawResult {
  responses: RawResponse[];
  /** Everything received. */
  raw: Buffer;
  /** The server closed the connection. */
  closed: boolean;
}

export interface SendOptions {
  /** Resolve once this many final (non-1xx) responses arrived (default 1). */
  responses?: number;
  /** Also wait for the server to close the connection. */
  untilClose?: boolean;
  /** Give up after this long and return what arrived (default 8 s). */
  timeoutMs?: number;
  /** Pause between the pieces of `pieces` (ms). */
  gapMs?: number;
  /** Send the first piece, and the rest only once its response has arrived (a later request on a kept-alive connection). */
  afterFirstResponse?: boolean;
  /** Do not read anything for this long after sending (a slow reader). */
  readPauseMs?: number;
  host?: string;
  /** Indexes of the final responses that have no body whatever their headers say (HEAD). */
  bodiless?: number[];
}

export function send(port: number, pieces: (string | Buffer)[] | string | Buffer, o: SendOptions = {}): Promise<RawResult> {
  const list = Array.isArray(pieces) ? pieces : [pieces];
  const want = o.responses ?? 1;
  return new Promise((resolve) => {
    const socket = connect(port, o.host ?? '127.0.0.1');
    const chunks: Buffer[] = [];
    let received = 0;
    /** Bytes needed before parsing again can find another complete response. */
    let parseAt = 0;
    let closed = false;
    let settled = false;
    const all = () => Buffer.concat(chunks, received);
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = all();
      resolve({ responses: parseResponses(raw, closed, o.bodiless), raw, closed });
    };
    const timer = setTimeout(finish, o.timeoutMs ?? 8000);
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      finish();
    });
    let tail = '';
    let rest = o.afterFirstResponse === true ? list.slice(1) : [];
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      received += d.length;
      if (rest.length > 0 && parseResponses(all(), false, o.bodiless).some((r) => r.status >= 200)) {
        void writeAll(socket, rest, o.gapMs ?? 0);
        rest = [];
      }
      const blankLine = (tail + d.subarray(0, 3).toString('latin1')).includes('\r\n\r\n') || d.includes('\r\n\r\n');
      tail = (tail + d.subarray(Math.max(0, d.length - 3)).toString('latin1')).slice(-3);
      // Parse only where a response can have completed: at a known length, or after a blank
      // line (the end of a head, or of a chunked body). Re-parsing on every read is quadratic.
      if (o.untilClose || received < parseAt || (parseAt === 0 && !blankLine)) return;
      const raw = all();
      const found = parseResponses(raw, false, o.bodiless);
      if (found.filter((r) => r.status >= 200).length >= want) return finish();
      parseAt = nextNeeded(raw, found);
    });
    if (o.readPauseMs !== undefined) {
      socket.pause();
      setTimeout(() => socket.resume(), o.readPauseMs).unref();
    }
    socket.on('connect', () => void writeAll(socket, o.afterFirstResponse === true ? list.slice(0, 1) : list, o.gapMs ?? 0));
  });
}

/** Where the first incomplete response would end, when its Content-Length says (else 0: parse on every read). */
function nextNeeded(raw: Buffer, complete: RawResponse[]): number {
  let pos = 0;
  for (const r of complete) pos = raw.indexOf('\r\n\r\n', pos) + 4 + r.body.length;
  const end = raw.indexOf('\r\n\r\n', pos);
  if (end < 0) return 0;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(raw.subarray(pos, end).toString('latin1'));
  return length === null ? 0 : end + 4 + Number(length[1]);
}

async function writeAll(socket: Socket, pieces: (string | Buffer)[], gapMs: number): Promise<void> {
  for (let i = 0; i < pieces.length; i++) {
    if (socket.destroyed) return;
    socket.write(typeof pieces[i] === 'string' ? Buffer.from(pieces[i] as string, 'latin1') : (pieces[i] as Buffer));
    if (gapMs > 0 && i < pieces.length - 1) await new Promise((r) => setTimeout(r, gapMs));
  }
}

/** Complete responses in `raw`; a body without framing counts only once the connection closed. */
export function parseResponses(raw: Buffer, closed: boolean, bodiless: number[] = []): RawResponse[] {
  const out: RawResponse[] = [];
  let pos = 0;
  let final = 0;
  for (;;) {
    const end = raw.indexOf('\r\n\r\n', pos);
    if (end < 0) return out;
    const head = raw.subarray(pos, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const status = Number(statusLine!.split(' ')[1]);
    const headers = new Map<string, string[]>();
    for (const l of lines) {
      const i = l.indexOf(':');
      const k = l.slice(0, i).toLowerCase();
      headers.set(k, [...(headers.get(k) ?? []), l.slice(i + 1).trim()]);
    }
    let bodyStart = end + 4;
    let body: Buffer;
    const length = headers.get('content-length')?.[0];
    if (status < 200 || status === 204 || status === 304 || bodiless.includes(final)) body = Buffer.alloc(0);
    else if (length !== undefined) {
      if (raw.length < bodyStart + Number(length)) return out;
      body = raw.subarray(bodyStart, bodyStart + Number(length));
      bodyStart += Number(length);
    } else if (headers.get('transfer-encoding')?.[0]?.toLowerCase() === 'chunked') {
      const chunked = dechunk(raw, bodyStart);
      if (chunked === null) return out;
      [body, bodyStart] = chunked;
    } else {
      if (!closed) return out;
      body = raw.subarray(bodyStart);
      bodyStart = raw.length;
    }
    out.push({ status, headers, head, body });
    if (status >= 200) final++;
    pos = bodyStart;
  }
}

function dechunk(raw: Buffer, start: number): [Buffer, number] | null {
  const parts: Buffer[] = [];
  let pos = start;
  for (;;) {
    const eol = raw.indexOf('\r\n', pos);
    if (eol < 0) return null;
    const size = parseInt(raw.subarray(pos, eol).toString('latin1'), 16);
    if (size === 0) return raw.length >= eol + 4 ? [Buffer.concat(parts), eol + 4] : null;
    if (raw.length < eol + 2 + size + 2) return null;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
}

/** The error body as JSON (throws with the text if it is not). */
export function json(r: RawResponse): any {
  return JSON.parse(r.body.toString('utf8'));
}
