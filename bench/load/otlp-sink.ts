// A do-nothing OTLP/HTTP trace collector for the load benchmark: accepts POST /v1/traces,
// counts exports and bytes, answers 200. A separate process, so what it costs is not charged
// to the gateway or the load generator. GET /__stats returns the counts.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let exports = 0;
let bytes = 0;

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/__stats') {
    res.end(JSON.stringify({ exports, bytes }));
    return;
  }
  req.on('data', (c: Buffer) => (bytes += c.length));
  req.on('end', () => {
    exports++;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  console.log(`otlp sink listening on ${(server.address() as AddressInfo).port}`);
});
