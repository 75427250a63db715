// A WHATWG fetch over one of the gateway's upstream pools, for libraries that take a `fetch`
// (the MCP SDK's HTTP transports): same connection reuse, connect overrides, TLS settings and
// connect-time metrics as the rest of the upstream traffic. Headers are normalised to a plain
// list first, so a Headers object from Node's bundled fetch works with this undici's.
import { fetch as undiciFetch, type Dispatcher } from 'undici';

export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

/** `extraHeaders` runs per request: set-or-replace pairs (credentials, trace context). */
export function poolFetch(pool: Dispatcher, extraHeaders: () => readonly (readonly [string, string])[]): FetchLike {
  return async (url, init) => {
    const list: [string, string][] = [];
    if (init?.headers !== undefined) new Headers(init.headers).forEach((v, k) => list.push([k, v]));
    for (const [k, v] of extraHeaders()) {
      const at = list.findIndex(([n]) => n === k);
      if (at >= 0) list[at] = [k, v];
      else list.push([k, v]);
    }
    const res = await undiciFetch(url, {
      method: init?.method ?? 'GET',
      headers: list,
      body: init?.body as string | undefined,
      signal: init?.signal ?? null,
      redirect: init?.redirect ?? 'manual',
      dispatcher: pool,
    });
    return res as unknown as Response;
  };
}
