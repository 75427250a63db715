// The soak's upstream, a separate process: OpenAI (POST /v1/chat/completions), Anthropic
// (POST /v1/messages) and an A2A agent (POST /agent, JSON-RPC message/send and message/stream),
// each in its exact wire format (test/helpers/provider-formats.ts), on every port given.
// Every request carries its fault plan in `x-soak-fault` (faults.ts); the gateway's retries
// are told apart by `x-retry-attempt`. GET /__stats reports what was served and how many
// requests are still open: one that stays open after the soak is an upstream request the
// gateway never finished or aborted.
//
//   node --import tsx bench/soak/fault-upstream.ts 18181 18182
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { anthropicMessage, anthropicStream, openaiCompletion, openaiStream } from '../../test/helpers/provider-formats.js';
import type { Fault } from './faults.js';

const ports = process.argv.slice(2).map(Number);
let served = 0;
let open = 0;
/** Attempts whose index had no entry in the plan: the gateway tried more often than configured. */
let unplanned = 0;
const byFault: Record<string, number> = {};

type Upstream = 'openai' | 'anthropic' | 'a2a';

interface Call {
  upstream: Upstream;
  body: any;
  stream: boolean;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  if (req.method === 'GET' && req.url === '/__stats') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ served, open, unplanned, byFault }));
    return;
  }
  const upstream: Upstream | null =
    req.url === '/v1/chat/completions' ? 'openai' : req.url === '/v1/messages' ? 'anthropic' : req.url?.startsWith('/agent') ? 'a2a' : null;
  if (req.method !== 'POST' || upstream === null) {
    res.writeHead(404).end();
    return;
  }
  open++;
  res.once('close', () => open--);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    served++;
    let body: any = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      // answered below as a normal request; the harness never sends bad JSON
    }
    const stream = upstream === 'a2a' ? body.method === 'message/stream' : body.stream === true;
    const fault = faultOf(req);
    byFault[fault] = (byFault[fault] ?? 0) + 1;
    apply(fault, { upstream, body, stream }, req, res);
  });
}

function faultOf(req: IncomingMessage): Fault {
  const plan = String(req.headers['x-soak-fault'] ?? 'ok').split(',');
  const attempt = Number(req.headers['x-retry-attempt'] ?? 0);
  const f = plan[attempt];
  if (f === undefined) {
    unplanned++;
    return 'ok';
  }
  return f as Fault;
}

function apply(fault: Fault, call: Call, req: IncomingMessage, res: ServerResponse): void {
  switch (fault) {
    case 'ok':
      return answer(call, res, 0);
    case 'slow':
      if (call.stream) return answer(call, res, 60);
      setTimeout(() => res.destroyed || answer(call, res, 0), 200 + Math.random() * 600);
      return;
    case 'e500':
    case 'e503':
    case 'e429':
      return errorAnswer(call, res, Number(fault.slice(1)));
    case 'reset':
      req.socket.destroy();
      return;
    case 'stall':
      return; // never answers; the gateway's timeout must abort it
    case 'head-stall':
      res.writeHead(200, { 'content-type': call.stream ? 'text/event-stream' : 'application/json' });
      res.flushHeaders();
      return;
    case 'body-reset': {
      const text = Buffer.from(JSON.stringify(jsonBody(call)));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
      res.write(text.subarray(0, text.length >> 1), () => req.socket.destroy());
      return;
    }
    case 'mid-stall':
    case 'mid-reset': {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const events = streamEvents(call).slice(0, 3).join('');
      res.write(events, () => fault === 'mid-reset' && req.socket.destroy());
      return;
    }
  }
}

/** A complete answer; a stream's events `gapMs` apart (0: in one write). */
function answer(call: Call, res: ServerResponse, gapMs: number): void {
  if (!call.stream) {
    const text = JSON.stringify(jsonBody(call));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const events = streamEvents(call);
  if (gapMs === 0) {
    res.end(events.join(''));
    return;
  }
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === events.length) return void res.end();
    res.write(events[i++]!);
    setTimeout(next, gapMs);
  };
  next();
}

function jsonBody(call: Call): object {
  if (call.upstream === 'openai') return openaiCompletion(call.body);
  if (call.upstream === 'anthropic') return anthropicMessage(call.body);
  return { jsonrpc: '2.0', id: call.body.id ?? null, result: agentMessage(call.body) };
}

function streamEvents(call: Call): string[] {
  if (call.upstream === 'openai') return openaiStream(call.body);
  if (call.upstream === 'anthropic') return anthropicStream(call.body);
  return a2aStream(call.body);
}

/** Provider error bodies as OpenAI and Anthropic document them; A2A agents answer a JSON-RPC error. */
function errorAnswer(call: Call, res: ServerResponse, status: number): void {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (status === 429) headers['retry-after'] = '1';
  let body: object;
  if (call.upstream === 'openai') {
    body =
      status === 429
        ? { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } }
        : { error: { message: 'The server had an error while processing your request.', type: 'server_error', param: null, code: null } };
  } else if (call.upstream === 'anthropic') {
    const type = status === 429 ? 'rate_limit_error' : status === 503 ? 'overloaded_error' : 'api_error';
    body = { type: 'error', error: { type, message: `soak ${status}` } };
  } else {
    body = { jsonrpc: '2.0', id: call.body.id ?? null, error: { code: -32603, message: `agent unavailable (${status})` } };
  }
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

// ---- A2A (v0.3 JSON-RPC shapes) ----

function agentMessage(req: any): object {
  const text = req?.params?.message?.parts?.[0]?.text ?? '';
  return { kind: 'message', messageId: `m-${req?.id}`, role: 'agent', parts: [{ kind: 'text', text: `echo: ${text}` }] };
}

function a2aStream(req: any): string[] {
  const ids = { taskId: `t-${req?.id}`, contextId: `c-${req?.id}` };
  const ev = (result: object) => `data: ${JSON.stringify({ jsonrpc: '2.0', id: req?.id ?? null, result })}\n\n`;
  const status = (state: string, final: boolean) => ev({ kind: 'status-update', ...ids, status: { state }, final });
  return [
    ev({ kind: 'task', id: ids.taskId, contextId: ids.contextId, status: { state: 'submitted' } }),
    status('working', false),
    ev({ kind: 'artifact-update', ...ids, artifact: { artifactId: 'a1', parts: [{ kind: 'text', text: 'part one' }] } }),
    ev({ kind: 'artifact-update', ...ids, artifact: { artifactId: 'a1', parts: [{ kind: 'text', text: ' part two' }] }, append: true }),
    status('completed', true),
  ];
}

let listening = 0;
for (const port of ports) {
  const server = createServer(handle);
  // Longer than the gateway's pool keeps idle sockets, so the gateway, not the mock, closes
  // idle keep-alive connections (no reset race on an idle socket that a fault did not cause).
  server.keepAliveTimeout = 120_000;
  server.headersTimeout = 0;
  server.requestTimeout = 0;
  server.listen(port, '127.0.0.1', () => {
    if (++listening === ports.length) console.log(`fault upstream listening on ${ports.join(', ')}`);
  });
  server.on('error', (e) => {
    console.error(`fault upstream: ${e.message}`);
    process.exit(1);
  });
}
