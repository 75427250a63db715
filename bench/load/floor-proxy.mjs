// The floor: the leanest proxy the gateway's design allows, uWS downstream and undici
// dispatch() upstream, with no routing, policies, logs or metrics. Every gateway lane is
// reported as a multiple of this process's throughput and CPU per request, in the same run.
//   node bench/load/floor-proxy.mjs <listen port> <upstream port>
// It reads the body, forwards it over a keep-alive Pool, strips hop-by-hop headers, writes
// head and body in one cork, coalesces SSE chunks that arrive in one turn into one write, and
// honours backpressure both ways (pause upstream; resume on writable).
import { Pool } from 'undici';
import { App } from 'uWebSockets.js';

const [port, upstreamPort] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${upstreamPort}`, { connections: 256, pipelining: 1 });
const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-connection', 'content-length']);

function proxy(res, req) {
  const method = req.getMethod().toUpperCase();
  const path = req.getUrl() + (req.getQuery() ? `?${req.getQuery()}` : '');
  const headers = {};
  req.forEach((k, v) => {
    if (!HOP.has(k) && k !== 'host') headers[k] = v;
  });
  const x = { res, aborted: false, ended: false, controller: null, pending: [], queued: false, head: null };
  res.onAborted(() => {
    x.aborted = true;
    x.controller?.abort(new Error('client gone'));
  });
  const parts = [];
  res.onData((ab, last) => {
    parts.push(Buffer.from(ab.slice(0)));
    if (last) pool.dispatch({ method, path, headers, body: parts.length === 1 ? parts[0] : Buffer.concat(parts) }, handler(x));
  });
}

const flush = (x) => {
  x.queued = false;
  if (x.aborted || x.ended) return;
  let ok = true;
  x.res.cork(() => {
    writeHead(x);
    for (const c of x.pending) ok = x.res.write(c);
    x.pending.length = 0;
  });
  if (!ok) {
    x.controller.pause();
    x.res.onWritable(() => {
      x.controller.resume();
      return true;
    });
  }
};

function writeHead(x) {
  if (!x.head) return;
  const [status, headers] = x.head;
  x.head = null;
  x.res.writeStatus(String(status));
  for (const [k, v] of Object.entries(headers)) {
    if (HOP.has(k)) continue;
    for (const one of Array.isArray(v) ? v : [v]) x.res.writeHeader(k, one);
  }
}

const handler = (x) => ({
  onRequestStart: (controller) => (x.controller = controller),
  onResponseStart: (_c, status, headers) => (x.head = [status, headers]),
  onResponseData: (_c, chunk) => {
    if (x.aborted) return;
    x.pending.push(chunk);
    if (x.queued) return;
    x.queued = true;
    queueMicrotask(() => flush(x));
  },
  onResponseEnd: () => {
    if (x.aborted) return;
    x.ended = true;
    x.res.cork(() => {
      writeHead(x);
      for (const c of x.pending) x.res.write(c);
      x.res.end();
    });
  },
  onResponseError: () => {
    if (x.aborted || x.ended) return;
    x.ended = true;
    x.res.cork(() => x.res.writeStatus('502').end('upstream error'));
  },
});

App()
  .any('/*', proxy)
  .listen('127.0.0.1', port, (s) => {
    if (!s) process.exit(1);
    console.log(`floor proxy listening on ${port}`);
  });
