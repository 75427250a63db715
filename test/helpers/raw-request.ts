// One HTTP/1.1 request over a raw socket, with the request target exactly as given: fetch and
// the SDKs normalise URLs (`/a/../b`, `%2e%2e`) before sending, which hides what a gateway
// does with them. Reads one response (Content-Length or chunked) and closes.
import { connect } from 'node:net';

export interface RawReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function rawRequest(
  port: number,
  target: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawReply> {
  const body = o.body ?? '';
  const headers = { host: `127.0.0.1:${port}`, connection: 'close', ...o.headers };
  if (body !== '' || o.method === 'POST') headers['content-length' as keyof typeof headers] = String(Buffer.byteLength(body));
  const head = `${o.method ?? 'GET'} ${target} HTTP/1.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no complete response to ${target} within 10 s`)));
    socket.on('data', (d) => {
      chunks.push(d);
      const reply = parse(Buffer.concat(chunks));
      if (reply !== null) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const reply = parse(Buffer.concat(chunks), true);
      if (reply !== null) resolve(reply);
      else reject(new Error(`connection closed without a response to ${target}`));
    });
    socket.write(head + body);
  });
}

function parse(buf: Buffer, closed = false): RawReply | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
  }
  const rest = buf.subarray(end + 4);
  if (headers['content-length'] !== undefined) {
    const n = Number(headers['content-length']);
    return rest.length >= n ? { status, headers, body: rest.subarray(0, n).toString('utf8') } : null;
  }
  if (headers['transfer-encoding']?.includes('chunked')) {
    const out: Buffer[] = [];
    let at = 0;
    for (;;) {
      const nl = rest.indexOf('\r\n', at);
      if (nl < 0) return null;
      const size = Number.parseInt(rest.subarray(at, nl).toString('latin1'), 16);
      if (size === 0) return { status, headers, body: Buffer.concat(out).toString('utf8') };
      if (rest.length < nl + 2 + size + 2) return null;
      out.push(rest.subarray(nl + 2, nl + 2 + size));
      at = nl + 2 + size + 2;
    }
  }
  return closed ? { status, headers, body: rest.toString('utf8') } : null;
}
