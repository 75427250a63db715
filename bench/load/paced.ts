// Open-loop loader at a fixed rate over raw keep-alive sockets: on every ~1 ms tick it
// releases the requests due so that sent(t) = rate * t, whether or not earlier ones finished;
// time spent waiting for an idle connection counts as latency (autocannon's -R instead fires
// bursts per connection each second).
import { connect, type Socket } from 'node:net';

export interface PacedResult {
  sent: number;
  ok: number;
  errors: number;
  latenciesMs: Float64Array;
}

interface Conn {
  socket: Socket;
  busy: boolean;
  dueAt: number;
  buf: Buffer;
}

export async function paced(opts: {
  host: string;
  port: number;
  request: Buffer;
  rate: number;
  connections: number;
  durationS: number;
}): Promise<PacedResult> {
  const total = Math.round(opts.rate * opts.durationS);
  const lat = new Float64Array(total);
  let done = 0;
  let ok = 0;
  let errors = 0;
  let released = 0;
  const queue: number[] = []; // due times waiting for a connection
  const conns: Conn[] = await Promise.all(Array.from({ length: opts.connections }, () => open(opts.host, opts.port)));
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const t0 = performance.now();

  const send = (c: Conn, dueAt: number) => {
    c.busy = true;
    c.dueAt = dueAt;
    c.socket.write(opts.request);
  };
  for (const c of conns) {
    c.socket.on('data', (d: Buffer) => {
      c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
      for (;;) {
        const used = completeResponse(c.buf);
        if (used === 0) return;
        const status = Number(c.buf.subarray(9, 12).toString());
        c.buf = c.buf.subarray(used);
        lat[done++] = performance.now() - c.dueAt;
        if (status >= 200 && status < 300) ok++;
        else errors++;
        c.busy = false;
        const next = queue.shift();
        if (next !== undefined) send(c, next);
        if (done === total) finish();
      }
    });
    c.socket.on('error', () => errors++);
  }
  const tick = setInterval(() => {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - t0) / 1000) * opts.rate));
    while (released < due) {
      // latency counts from release (timer granularity is the loader's, not the target's);
      // waiting for a free connection after release does count
      const dueAt = now;
      released++;
      const idle = conns.find((c) => !c.busy);
      if (idle) send(idle, dueAt);
      else queue.push(dueAt);
    }
    if (released === total) clearInterval(tick);
  }, 1);
  const guard = setTimeout(finish, (opts.durationS + 10) * 1000);
  await finished;
  clearTimeout(guard);
  clearInterval(tick);
  for (const c of conns) c.socket.destroy();
  return { sent: released, ok, errors: errors + (total - done), latenciesMs: lat.subarray(0, done) };
}

function open(host: string, port: number): Promise<Conn> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => resolve({ socket, busy: false, dueAt: 0, buf: Buffer.alloc(0) }));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Bytes of the first complete response in `b` (Content-Length or chunked), or 0. */
export function completeResponse(b: Buffer): number {
  const headEnd = b.indexOf('\r\n\r\n');
  if (headEnd < 0) return 0;
  const head = b.subarray(0, headEnd).toString('latin1').toLowerCase();
  const bodyStart = headEnd + 4;
  const m = /\r\ncontent-length:\s*(\d+)/.exec(head);
  if (m) {
    const end = bodyStart + Number(m[1]);
    return b.length >= end ? end : 0;
  }
  if (head.includes('transfer-encoding: chunked')) {
    const term = b.indexOf('\r\n0\r\n\r\n', bodyStart - 2);
    return term < 0 ? 0 : term + 7;
  }
  return bodyStart;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
