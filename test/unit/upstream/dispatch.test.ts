// UpstreamCall on undici's controller-based handler API, against a real undici Pool and an
// in-process HTTP server: raw headers as they came, the body, backpressure (a paused call reads
// nothing more until resumed), aborts before and after the response started, and failures
// sorted into the gateway's error kinds.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayError } from '../../../src/errors.js';
import { UpstreamCall, type UpstreamListener, type UpstreamRequest } from '../../../src/upstream/dispatch.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let origin: string;
let handler: Handler = (_req, res) => res.end();
let pool: Pool;

beforeAll(async () => {
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  await pool?.destroy().catch(() => undefined);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const GET: UpstreamRequest = { method: 'GET', path: '/x', headers: [], body: null, headersTimeoutMs: 0, bodyTimeoutMs: 0 };

/** A listener that records what it was told; `done` settles on onEnd or onError. */
class Recorder implements UpstreamListener {
  status = 0;
  raw: Buffer[] = [];
  chunks: Buffer[] = [];
  events: string[] = [];
  error: GatewayError | null = null;
  onChunk: (n: number) => void = () => undefined;
  private settle!: () => void;
  readonly done = new Promise<void>((r) => {
    this.settle = r;
  });
  onHeaders(status: number, raw: Buffer[]): void {
    this.events.push('headers');
    this.status = status;
    this.raw = raw;
  }
  onData(chunk: Buffer): void {
    this.events.push('data');
    this.chunks.push(chunk);
    this.onChunk(this.chunks.length);
  }
  onEnd(): void {
    this.events.push('end');
    this.settle();
  }
  onError(err: GatewayError): void {
    this.events.push('error');
    this.error = err;
    this.settle();
  }
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.length, 0);
  }
}

function start(listener: UpstreamListener, req: UpstreamRequest = GET, at = origin): UpstreamCall {
  pool = new Pool(at, { connections: 2, pipelining: 1 });
  return UpstreamCall.start(pool, at, req, listener);
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('UpstreamCall (undici controller API)', () => {
  it('hands on the status, the raw header buffers as sent (case kept) and the body, then ends', async () => {
    handler = (_req, res) => {
      res.setHeader('X-Custom-Case', 'v1');
      res.writeHead(201, { 'content-type': 'text/plain' });
      res.write('hello ');
      res.end('world');
    };
    const rec = new Recorder();
    const call = start(rec);
    await rec.done;
    expect(rec.status).toBe(201);
    expect(call.started).toBe(true);
    expect(rec.raw.every((b) => Buffer.isBuffer(b))).toBe(true);
    expect(rec.raw.map(String)).toContain('X-Custom-Case');
    expect(Buffer.concat(rec.chunks).toString()).toBe('hello world');
    expect(rec.events.at(-1)).toBe('end');
  });

  it('skips 1xx informational responses and reports the final one', async () => {
    handler = (_req, res) => {
      res.writeProcessing();
      res.end('ok');
    };
    const rec = new Recorder();
    start(rec);
    await rec.done;
    expect(rec.status).toBe(200);
    expect(rec.events.filter((e) => e === 'headers')).toHaveLength(1);
  });

  it('a paused call reads nothing more from the upstream until resumed, then gets the whole body', async () => {
    const total = 32 * 1024 * 1024;
    let written = 0;
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': String(total) });
      const block = Buffer.alloc(64 * 1024, 0x61);
      const pump = (): void => {
        while (written < total) {
          written += block.length;
          if (!res.write(block)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const rec = new Recorder();
    const call = start(rec);
    await new Promise<void>((r) => {
      rec.onChunk = (n) => {
        if (n !== 1) return;
        call.pause();
        r();
      };
    });
    // While paused the socket is not read: no chunk arrives, and the server cannot finish.
    await tick(300);
    expect(call.isPaused).toBe(true);
    expect(rec.chunks).toHaveLength(1);
    expect(written).toBeLessThan(total);
    call.resume();
    await rec.done;
    expect(rec.events.at(-1)).toBe('end');
    expect(rec.bytes).toBe(total);
  });

  it('abort after the response started stops the upstream request; no callback follows', async () => {
    let upstreamClosed: () => void;
    const closed = new Promise<void>((r) => {
      upstreamClosed = r;
    });
    handler = (_req, res) => {
      res.on('close', () => upstreamClosed());
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    };
    const rec = new Recorder();
    const call = start(rec);
    rec.onChunk = () => call.abort();
    await closed;
    await tick(20);
    expect(rec.events).toEqual(['headers', 'data']);
  });

  it('abort before undici started the request: it is never answered, no callback follows', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests++;
      res.end('late');
    };
    const rec = new Recorder();
    const call = start(rec);
    call.abort();
    await tick(100);
    expect(rec.events).toEqual([]);
    expect(requests).toBe(0);
  });

  it('a refused connection is upstream_unreachable, with the system code kept', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const dead = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((r) => probe.close(r));
    const rec = new Recorder();
    start(rec, GET, dead);
    await rec.done;
    expect(rec.events).toEqual(['error']);
    expect(rec.error?.kind).toBe('upstream_unreachable');
    expect(rec.error?.causeCode).toBe('ECONNREFUSED');
  });

  it('a connection dropped mid-body is upstream_reset, after the headers and data already handed on', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 10);
    };
    const rec = new Recorder();
    start(rec);
    await rec.done;
    expect(rec.events).toEqual(['headers', 'data', 'error']);
    expect(rec.error?.kind).toBe('upstream_reset');
  });

  it('bodyTimeout is upstream_timeout naming the limit', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    };
    const rec = new Recorder();
    start(rec, { ...GET, bodyTimeoutMs: 100 });
    await rec.done;
    expect(rec.error?.kind).toBe('upstream_timeout');
    expect(rec.error?.message).toContain('streamIdleTimeout (100 ms)');
  });
});
