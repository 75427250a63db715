// The compiled form of an MCP backend's targets: what a session needs to open a connection to
// each, worked out once at config load (URLs, pools, credentials, header edits).
import type { UpstreamPool } from '../upstream/dispatch.js';

interface TargetBase {
  readonly name: string;
}

export interface StdioTargetRt extends TargetBase {
  readonly kind: 'stdio';
  readonly cmd: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly clearEnv: boolean;
}

interface HttpShape extends TargetBase {
  readonly pool: UpstreamPool;
  /** Headers set on every request (requestHeaderModifier set/add). */
  readonly headers: readonly (readonly [string, string])[];
  /** backendAuth.key: sent as Authorization: Bearer. */
  readonly key: string | undefined;
  /** backendAuth.passthrough: the client's validated bearer token is sent instead. */
  readonly passthrough: boolean;
}

export interface HttpTargetRt extends HttpShape {
  readonly kind: 'mcp' | 'sse';
  /** The MCP endpoint (Streamable HTTP) or the SSE stream URL (legacy). */
  readonly url: string;
}

/** Where an OpenAPI document comes from; URL documents are fetched by the first session. */
export type OpenApiSource = { readonly text: string; readonly origin: string } | { readonly url: string };

export interface OpenApiTargetRt extends HttpShape {
  readonly kind: 'openapi';
  /** `http(s)://host:port` of the REST API. */
  readonly origin: string;
  readonly document: OpenApiSource;
}

export type McpTargetRt = StdioTargetRt | HttpTargetRt | OpenApiTargetRt;

/** What the admin API shows of a target: never its credentials, arguments or environment values. */
export function describeTarget(t: McpTargetRt): Record<string, unknown> {
  if (t.kind === 'stdio') return { name: t.name, kind: t.kind, cmd: t.cmd };
  if (t.kind === 'openapi') return { name: t.name, kind: t.kind, origin: t.origin };
  return { name: t.name, kind: t.kind, url: t.url.split('?')[0] };
}
