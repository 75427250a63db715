// A CelRequest for unit tests, shaped as the pipeline's RequestCtx is.
import type { CelRequest } from '../../../src/cel/index.js';

export function celRequest(over: Partial<CelRequest> & { headers?: string[] } = {}): CelRequest {
  return {
    down: {
      method: 'POST',
      path: '/v1/chat/completions',
      query: 'a=1',
      headers: over.headers ?? ['host', 'gw.example:4100', 'x-tenant', 'acme', 'authorization', 'Bearer secret-token', 'accept', 'a', 'accept', 'b'],
      remoteAddress: '127.0.0.1',
      body: Buffer.from('{"model":"m"}'),
    },
    jwt: null,
    apiKey: null,
    basicAuth: null,
    requestModel: undefined,
    routeType: null,
    hiddenHeaders: null,
    ...over,
  };
}
