// Calls made for policies (a JWKS fetch, a guardrail webhook) on the same pools as upstream
// traffic: src/policies/network.ts's port, implemented here, the only place undici is used. The
// whole exchange, body included, is bounded by one timeout, and the body by a size limit.
import type { Dispatcher } from 'undici';

/** Largest reply read from a policy service. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export interface PolicyCallReply {
  readonly status: number;
  header(name: string): string | undefined;
  readonly body: Buffer;
}

export interface PolicyCallRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers?: readonly string[];
  readonly body?: string;
  readonly timeoutMs: number;
}

export async function policyCall(pool: Dispatcher, req: PolicyCallRequest): Promise<PolicyCallReply> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  try {
    const res = await pool.request({
      method: req.method,
      path: req.path,
      headers: [...(req.headers ?? [])],
      body: req.body ?? null,
      signal,
    });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > MAX_REPLY_BYTES) {
        res.body.destroy();
        throw new Error(`reply larger than ${MAX_REPLY_BYTES} bytes`);
      }
      chunks.push(c as Buffer);
    }
    const headers = res.headers;
    return {
      status: res.statusCode,
      header: (name) => {
        const v = headers[name];
        return Array.isArray(v) ? v.join(', ') : v;
      },
      body: Buffer.concat(chunks, size),
    };
  } catch (e) {
    if (signal.aborted) throw new Error(`no answer within ${req.timeoutMs} ms`);
    const err = e as Error & { cause?: Error };
    // "connect ECONNREFUSED 10.0.0.1:443": the system's words, never the request.
    throw new Error(err.cause?.message ?? err.message);
  }
}
