// An AWS Signature Version 4 checker for mock AWS services, written from the SigV4 specification
// (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) with node:crypto only, so
// it checks the gateway's signing library independently: it recomputes the signature of the
// request as RECEIVED (method, raw path, query, the signed headers' values, the body) with the
// secret it knows, as AWS does, and says why it does not match.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface ReceivedRequest {
  method: string;
  /** Path and query exactly as on the request line. */
  url: string;
  /** Header names lower-case; repeated headers joined with ",". */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface KnownCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, the request must carry it as x-amz-security-token (signed). */
  sessionToken?: string;
}

export type Verdict = { ok: true; region: string; service: string } | { ok: false; reason: string };

const AUTH =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** RFC 3986 encoding, as SigV4 wants it (unreserved: A-Z a-z 0-9 - _ . ~). */
function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** Canonical URI for services other than S3: each raw path segment URI-encoded once more. */
function canonicalUri(path: string): string {
  return path
    .split('/')
    .map((seg) => uriEncode(seg))
    .join('/');
}

function canonicalQuery(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((kv) => kv !== '')
    .map((kv) => {
      const i = kv.indexOf('=');
      const k = decodeURIComponent(i < 0 ? kv : kv.slice(0, i));
      const v = i < 0 ? '' : decodeURIComponent(kv.slice(i + 1).replace(/\+/g, '%20'));
      return [uriEncode(k), uriEncode(v)] as const;
    })
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

export function verifySigV4(req: ReceivedRequest, creds: KnownCredentials, now = Date.now()): Verdict {
  const auth = req.headers.authorization;
  if (auth === undefined) return { ok: false, reason: 'no Authorization header' };
  const m = AUTH.exec(auth);
  if (m === null) return { ok: false, reason: `malformed Authorization header: ${auth.slice(0, 40)}` };
  const [, keyId, day, region, service, signedList, signature] = m as unknown as string[];
  if (keyId !== creds.accessKeyId) return { ok: false, reason: 'unknown access key id' };
  const amzDate = req.headers['x-amz-date'];
  if (amzDate === undefined || !/^\d{8}T\d{6}Z$/.test(amzDate)) return { ok: false, reason: 'missing or malformed x-amz-date' };
  if (!amzDate.startsWith(day!)) return { ok: false, reason: 'credential scope date differs from x-amz-date' };
  const t = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13));
  if (Math.abs(now - t) > 5 * 60_000 + 60_000) return { ok: false, reason: 'request time too skewed' };
  const signed = signedList!.split(';');
  if (!signed.includes('host')) return { ok: false, reason: 'host is not signed' };
  if (creds.sessionToken !== undefined) {
    if (req.headers['x-amz-security-token'] !== creds.sessionToken) return { ok: false, reason: 'wrong or missing session token' };
    if (!signed.includes('x-amz-security-token')) return { ok: false, reason: 'session token is not signed' };
  }
  for (const h of signed) if (req.headers[h] === undefined) return { ok: false, reason: `signed header ${h} is missing` };
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q + 1);
  const payloadHash = sha256Hex(req.body);
  const declared = req.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== payloadHash) return { ok: false, reason: 'x-amz-content-sha256 does not match the body' };
  const canonicalRequest = [
    req.method,
    canonicalUri(path),
    canonicalQuery(query),
    signed.map((h) => `${h}:${req.headers[h]!.trim().replace(/\s+/g, ' ')}\n`).join(''),
    signedList,
    payloadHash,
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${creds.secretAccessKey}`, day!), region!), service!), 'aws4_request');
  const expected = hmac(key, stringToSign).toString('hex');
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature!))) {
    return { ok: false, reason: 'The request signature we calculated does not match the signature you provided.' };
  }
  return { ok: true, region: region!, service: service! };
}
