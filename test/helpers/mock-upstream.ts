// A stand-in for api.openai.com and api.anthropic.com: HTTPS with the test CA, answering in
// each provider's documented wire format (JSON and SSE), recording every request it receives
// (headers, body, and whether the caller went away before the response ended).
import { readFileSync } from 'node:fs';
import { createServer as createHttps } from 'node:https';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { anthropicMessage, anthropicStream, openaiCompletion, openaiStream } from './provider-formats.js';

export const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));
export const CA_FILE = join(TLS_DIR, 'ca.pem');

export interface Recorded {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
  /** The caller closed the connection before the response finished. */
  aborted: boolean;
  finished: boolean;
}

export type Handler = (req: Recorded, res: ServerResponse) => void | Promise<void>;

export interface MockOptions {
  tls?: boolean;
  /** Delay between streamed events (ms). */
  eventDelayMs?: number;
  /** Port to listen on (default: any free port). */
  port?: number;
  /** Server certificate in test/fixtures/tls (default `server`; `aws` for AWS, Azure and preset hosts; `google` for *.googleapis.com). */
  cert?: 'server' | 'aws' | 'google';
  /** Largest request head accepted (Node's default is 16 KiB). */
  maxHeaderSize?: number;
}

export class MockUpstream {
  readonly requests: Recorded[] = [];
  /** Replace to script a response; the default speaks OpenAI and Anthropic. */
  handler: Handler;
  eventDelayMs: number;

  private constructor(
    private readonly server: Server,
    opts: MockOptions,
  ) {
    this.eventDelayMs = opts.eventDelayMs ?? 0;
    this.handler = (req, res) => this.defaultHandler(req, res);
  }

  static async start(opts: MockOptions = {}): Promise<MockUpstream> {
    let mock!: MockUpstream;
    const onRequest = (req: IncomingMessage, res: ServerResponse) => void mock.onRequest(req, res);
    const server =
      opts.tls === false
        ? createHttp({ maxHeaderSize: opts.maxHeaderSize }, onRequest)
        : createHttps(
            {
              key: readFileSync(join(TLS_DIR, `${opts.cert ?? 'server'}.key`)),
              cert: readFileSync(join(TLS_DIR, `${opts.cert ?? 'server'}.pem`)),
              maxHeaderSize: opts.maxHeaderSize,
            },
            onRequest,
          );
    mock = new MockUpstream(server, opts);
    await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
    return mock;
  }

  static startOn(port: number, opts: MockOptions = {}): Promise<MockUpstream> {
    return MockUpstream.start({ ...opts, port });
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get last(): Recorded {
    const r = this.requests.at(-1);
    if (!r) throw new Error('mock upstream received no request');
    return r;
  }

  reset(): void {
    this.requests.length = 0;
    this.handler = (req, res) => this.defaultHandler(req, res);
    this.eventDelayMs = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections?.();
    return new Promise((r) => this.server.close(() => r()));
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    let json: any;
    try {
      json = body === '' ? undefined : JSON.parse(body);
    } catch {
      json = undefined;
    }
    const rec: Recorded = { method: req.method!, path: req.url!, headers: req.headers, body, json, aborted: false, finished: false };
    this.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.aborted = true;
    });
    res.on('finish', () => {
      rec.finished = true;
    });
    await this.handler(rec, res);
  }

  private async defaultHandler(req: Recorded, res: ServerResponse): Promise<void> {
    // matched by suffix, so prefixes (pathPrefix, host backends) reach the same answers
    const path = req.path.split('?')[0]!;
    if (req.method === 'GET' && path.endsWith('/models')) {
      return sendJson(res, 200, { object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: 1715367049, owned_by: 'system' }] });
    }
    if (req.method === 'POST' && path.endsWith('/chat/completions')) {
      if (req.json?.stream) return this.stream(res, openaiStream(req.json));
      return sendJson(res, 200, openaiCompletion(req.json));
    }
    if (req.method === 'POST' && path.endsWith('/messages')) {
      if (req.json?.stream) return this.stream(res, anthropicStream(req.json));
      return sendJson(res, 200, anthropicMessage(req.json));
    }
    sendJson(res, 404, { error: { message: `mock: no handler for ${req.method} ${req.path}`, type: 'invalid_request_error' } });
  }

  /** Writes SSE events one by one, `eventDelayMs` apart, stopping if the caller went away. */
  async stream(res: ServerResponse, events: string[]): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    for (const e of events) {
      if (res.destroyed) return;
      res.write(e);
      if (this.eventDelayMs > 0) await new Promise((r) => setTimeout(r, this.eventDelayMs));
    }
    res.end();
  }
}

/** CLI arguments that send the gateway's api.openai.com and api.anthropic.com traffic to mocks. */
export function providerMockArgs(openai: MockUpstream, anthropic: MockUpstream): string[] {
  return [
    '--connect-to',
    `api.openai.com:443:127.0.0.1:${openai.port}`,
    '--connect-to',
    `api.anthropic.com:443:127.0.0.1:${anthropic.port}`,
  ];
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
