// Google's OAuth token endpoint for the Vertex lane: HTTPS with the test certificate for
// *.googleapis.com (the gateway reaches it through --connect-to and trusts the test CA), answering
// every jwt-bearer grant with an hour-long access token, and counting the exchanges (GET on the
// plain-HTTP stats port, the second argument).
import { readFileSync } from 'node:fs';
import { createServer as createHttp } from 'node:http';
import { createServer } from 'node:https';

const port = Number(process.argv[2] ?? 18006);
const statsPort = Number(process.argv[3] ?? port + 1);
const tls = new URL('../../test/fixtures/tls/', import.meta.url);
let issued = 0;
createServer({ key: readFileSync(new URL('google.key', tls)), cert: readFileSync(new URL('google.pem', tls)) }, (req, res) => {
  req.resume();
  req.on('end', () => {
    issued++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ access_token: `ya29.bench-${issued}`, expires_in: 3600, token_type: 'Bearer' }));
  });
}).listen(port, '127.0.0.1', () => {
  createHttp((_req, res) => res.end(JSON.stringify({ issued }))).listen(statsPort, '127.0.0.1', () =>
    console.log(`token endpoint listening on ${port}`),
  );
});
