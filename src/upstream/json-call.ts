// A small JSON request/response call for policy services (the guardrail webhook), on the same
// pools as upstream traffic. The whole exchange, body included, is bounded by one timeout.
import type { Dispatcher } from 'undici';

export interface JsonReply {
  readonly status: number;
  readonly body: unknown;
}

/** Largest reply read from a policy service. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export async function postJson(
  pool: Dispatcher,
  path: string,
  body: unknown,
  headers: readonly string[],
  timeoutMs: number,
): Promise<JsonReply> {
  const signal = AbortSignal.timeout(timeoutMs);
  const res = await pool.request({
    method: 'POST',
    path,
    headers: ['content-type', 'application/json', ...headers],
    body: JSON.stringify(body),
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
  const text = Buffer.concat(chunks).toString('utf8');
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`reply (HTTP ${res.statusCode}) is not JSON`);
  }
  return { status: res.statusCode, body: parsed };
}
