// Checks every parsed request gets on both edges before its body is read: methods the gateway
// will not proxy, and request framing uWS accepts but a strict parser refuses. Each refusal is
// an error kind (src/errors.ts gives its status and dialect types), a stable message and whether
// the connection must close (its framing is unknown).
import { METHODS } from 'node:http';
import type { HttpEdgeSettings } from '../config/http-edge.js';
import { ERRORS, GatewayError, type ErrorKind } from '../errors.js';

export interface Refusal {
  kind: ErrorKind;
  /** The kind's status (for the edge log). */
  status: number;
  /** Stable text, in the error body and the log; never request content. */
  message: string;
  /** Short name for the edge log. */
  event: string;
  headers: [string, string][];
  /** The connection cannot carry another request after this one. */
  close: boolean;
}

/** The methods llhttp parses (the registered ones): uWS lets any token through. */
const KNOWN = new Set(METHODS);
const ALLOW: [string, string] = ['allow', 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS'];

export function refusal(kind: ErrorKind, event: string, message: string, close: boolean, headers: [string, string][] = []): Refusal {
  return { kind, status: ERRORS[kind].status, event, message, close, headers };
}

/** The refusal as the gateway's error, answered in the caller's dialect by the pipeline. */
export function refusalError(r: Refusal): GatewayError {
  return new GatewayError(r.kind, r.message, { headers: r.headers });
}

export function checkMethod(method: string, settings: HttpEdgeSettings): Refusal | null {
  if (method === 'TRACE' && !settings.allowTrace) {
    return refusal('method_not_allowed', 'method not allowed', 'TRACE is not allowed (frontendPolicies.http.allowTrace)', false, [ALLOW]);
  }
  // CONNECT tunnels are not offered; agentgateway refuses them too unless configured.
  if (method === 'CONNECT') return refusal('method_not_allowed', 'method not allowed', 'CONNECT is not supported', true, [ALLOW]);
  if (!KNOWN.has(method)) return refusal('invalid_method', 'invalid method', 'invalid request method', true);
  return null;
}

/**
 * The declared body length of a uWS request, or a refusal when it declares several (uWS takes
 * one of them; a front proxy may have taken another, which is request smuggling).
 */
export function declaredLength(headers: readonly string[]): number | Refusal {
  let found = -1;
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] !== 'content-length') continue;
    if (found >= 0) return refusal('malformed_request', 'malformed head', 'malformed request: more than one Content-Length', true);
    const v = headers[i + 1]!;
    if (!/^\d{1,15}$/.test(v)) return refusal('malformed_request', 'malformed head', 'malformed request: invalid Content-Length', true);
    found = Number(v);
  }
  return Math.max(found, 0);
}

/** Head checks llhttp leaves to the server: HTTP/1.x only, one Host, the header count. */
export function checkNodeHead(
  versionMajor: number,
  versionMinor: number,
  rawHeaders: readonly string[],
  absoluteForm: boolean,
  settings: HttpEdgeSettings,
): Refusal | null {
  if (versionMajor !== 1)
    return refusal('http_version_not_supported', 'HTTP version', 'HTTP version not supported (HTTP/1.0 and HTTP/1.1 are)', true);
  if (rawHeaders.length / 2 > settings.maxHeaders) {
    return refusal(
      'head_too_large',
      'too many headers',
      `request has more than ${settings.maxHeaders} headers (frontendPolicies.http.http1MaxHeaders)`,
      true,
    );
  }
  let hosts = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === 4 && rawHeaders[i]!.toLowerCase() === 'host') hosts++;
  // RFC 9112 3.2: HTTP/1.1 requires exactly one Host (an absolute-form target carries its own).
  if (hosts > 1 || (hosts === 0 && versionMinor >= 1 && !absoluteForm)) {
    return refusal(
      'malformed_request',
      'malformed head',
      hosts > 1 ? 'malformed request: more than one Host' : 'malformed request: no Host',
      true,
    );
  }
  return null;
}
