// A CelRequest for unit tests, shaped as the pipeline's RequestCtx is.
import type { CelDownstream, CelRequest } from '../../../src/cel/index.js';

export function celRequest(over: Partial<Omit<CelRequest, 'down'>> & { down?: Partial<CelDownstream> } = {}): CelRequest {
  const { down, path, ...rest } = over;
  const d: CelDownstream = {
    method: 'POST',
    path: '/v1/chat/completions',
    query: 'a=1',
    headers: ['host', 'gw.example:4100', 'x-tenant', 'acme', 'authorization', 'Bearer secret-token', 'accept', 'a', 'accept', 'b'],
    remoteAddress: '127.0.0.1',
    body: Buffer.from('{"model":"m"}'),
    ...down,
  };
  return {
    path: path ?? d.path,
    down: d,
    jwt: null,
    apiKey: null,
    basicAuth: null,
    requestModel: undefined,
    routeType: null,
    hiddenHeaders: null,
    a2a: null,
    ...rest,
  };
}
