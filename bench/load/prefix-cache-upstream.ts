// The deployments of the `affinity` lane, in their own process: one HTTP server per port, each
// with its own simulated prompt cache (test/helpers/prefix-cache.ts) answering Anthropic
// Messages and OpenAI Chat Completions with the cached tokens it found. GET /__stats gives a
// deployment's counters, POST /__reset empties its cache (between the lane's runs).
//
//   tsx bench/load/prefix-cache-upstream.ts 18090 18091 18092 18093
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Recorded } from '../../test/helpers/mock-upstream.js';
import { PrefixCache, prefixCacheHandler } from '../../test/helpers/prefix-cache.js';

async function serve(port: number): Promise<void> {
  const cache = new PrefixCache(`d${port}`);
  const handle = prefixCacheHandler(cache);
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (req.url === '/__stats') return void res.end(JSON.stringify(cache.stats));
    if (req.url === '/__reset') {
      cache.reset();
      return void res.end('{}');
    }
    const rec: Recorded = {
      method: req.method!,
      path: req.url!,
      headers: req.headers,
      body,
      json: JSON.parse(body),
      aborted: false,
      finished: false,
    };
    handle(rec, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
}

const ports = process.argv.slice(2).map(Number);
await Promise.all(ports.map(serve));
console.log(`prefix-cache deployments listening on ${ports.join(', ')}`);
