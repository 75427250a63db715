// The config file root (agentgateway's `LocalConfig`): binds -> listeners -> routes -> backends.
import { z } from 'zod';
import { Duration, SecretSource } from './common.js';
import { KeysSection } from './keys.js';
import { Gateway, LlmConfig } from './llm.js';
import { McpSettings, mcpBackendShape } from './mcp.js';
import { ListenerPolicies, RoutePolicies } from './policies.js';
import { AccessLogPolicy, LegacyTracing, MetricsSettings, ModelCatalog, TracingPolicy } from './observability.js';
import { Route } from './routes.js';

export const Listener = z.strictObject({
  name: z.string().optional(),
  hostname: z.string().optional().describe('Host header this listener answers ("*.example.com" allowed)'),
  protocol: z.enum(['HTTP']).optional().describe('Only HTTP is supported'),
  routes: z.array(Route).optional(),
  policies: ListenerPolicies.optional(),
});

export const Bind = z.strictObject({
  port: z.number().int().min(0).max(65535),
  bindAddress: z
    .union([z.ipv4(), z.ipv6()])
    .optional()
    .describe(
      "IP address the port listens on, as agentgateway gives a gateway's bindAddress (default: every interface, [::] or 0.0.0.0 per config.enableIpv6); a change needs a restart",
    ),
  listeners: z.array(Listener).min(1),
});

export const HttpSettings = z.strictObject({
  maxBufferSize: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Largest request body accepted, in bytes (default 16 MiB); larger is a 413'),
  normalizePath: z
    .boolean()
    .optional()
    .describe(
      'RFC 3986 path normalisation before routing, CEL and forwarding: decode %-encoded unreserved characters, remove . and .. segments (default true; Envoy normalize_path). Not in agentgateway',
    ),
  mergeSlashes: z
    .boolean()
    .optional()
    .describe('Collapse repeated slashes in the path (default true; Envoy merge_slashes). Not in agentgateway'),
  pathWithEscapedSlashesAction: z
    .enum(['rejectRequest', 'keepUnchanged', 'unescapeAndForward'])
    .optional()
    .describe(
      'What an encoded slash or backslash (%2F, %5C, \\) in the path does: rejectRequest (default, 400), keepUnchanged (kept encoded) or unescapeAndForward (becomes /); Envoy path_with_escaped_slashes_action. Not in agentgateway',
    ),
  http1MaxHeaderSize: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .optional()
    .describe(
      'Largest request head (request line and headers), in bytes (default 65536); larger is a 431. On the uWS fast path the value read at startup holds until a restart',
    ),
  http1MaxHeaders: z
    .number()
    .int()
    .min(1)
    .max(10000)
    .optional()
    .describe('Most header lines in a request (default 100, as agentgateway); more is a 431'),
  http1IdleTimeout: Duration.optional().describe(
    'Time a client has to send a complete request head, as agentgateway uses it (default 60s); past it a partial head is a 408',
  ),
  requestBodyTimeout: Duration.optional().describe(
    'Longest pause while a request body is uploading (default 60s, as nginx client_body_timeout); reset by every byte received; past it a 408',
  ),
  responseSendTimeout: Duration.optional().describe(
    'Longest time a client may read nothing of a response it is sent (default 60s, as nginx send_timeout); reset by every write the client takes; past it the connection closes',
  ),
  allowTrace: z.boolean().optional().describe('Proxy TRACE requests (default false: TRACE is answered 405)'),
});

export const FrontendPolicies = z.strictObject({
  http: HttpSettings.optional(),
  tracing: TracingPolicy.optional(),
  accessLog: AccessLogPolicy.optional(),
});

export const BackendDefaults = z
  .strictObject({
    backendRequestTimeout: Duration.optional().describe(
      'Default time an upstream has to send its response headers, each attempt, on routes whose timeout policy sets no requestTimeout, backendRequestTimeout or firstByteTimeout (default 60s for host backends, 300s for AI providers; "0s": no limit). Not in agentgateway',
    ),
    streamIdleTimeout: Duration.optional().describe(
      'Default longest silence inside an upstream response body (not counted while the client applies backpressure), on routes whose timeout policy sets no requestTimeout, firstByteTimeout or streamIdleTimeout (default 300s; "0s": no limit). Not in agentgateway',
    ),
  })
  .describe('Upstream defaults');

export const StartupConfig = z
  .strictObject({
    enableIpv6: z
      .boolean()
      .optional()
      .describe(
        'Data-plane ports without bindAddress listen on [::] (dual-stack) when true (default), on 0.0.0.0 when false; env IPV6_ENABLED wins',
      ),
    workers: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe(
        'Worker threads serving the data plane (default: the CPUs the process may use; 1: one thread does everything; N > 1: N threads behind the acceptor, the main thread keeps the control plane); --workers wins; a change needs a restart',
      ),
    adminAddr: z.string().optional().describe('Admin API and UI address (default localhost:15000; "off" disables); env ADMIN_ADDR wins'),
    statsAddr: z.string().optional().describe('Prometheus /metrics address (default [::]:15020; "off" disables); env STATS_ADDR wins'),
    readinessAddr: z
      .string()
      .optional()
      .describe('Readiness /healthz/ready address (default [::]:15021; "off" disables); env READINESS_ADDR wins'),
    adminToken: SecretSource.optional().describe(
      'Bearer token every admin API call must carry; required when adminAddr is not loopback (else the admin server stays off); env ADMIN_TOKEN wins',
    ),
    storage: z
      .strictObject({
        mode: z
          .enum(['file', 'readOnly'])
          .optional()
          .describe(
            'file (default): the admin UI and API may rewrite the config file; readOnly: they may not (env UI_READ_ONLY=true also)',
          ),
      })
      .optional()
      .describe('Where admin UI edits go'),
    logging: z
      .strictObject({
        level: z
          .string()
          .regex(
            /^\s*(trace|debug|info|warn|error)\s*(,\s*[A-Za-z0-9_:]+\s*=\s*(trace|debug|info|warn|error|off)\s*)*$/i,
            'expected a level (trace, debug, info, warn, error), optionally with target=level directives such as "info,request=off"',
          )
          .optional()
          .describe(
            'Log level, as agentgateway writes it: "info", or "info,request=off" (request: the per-request access log); env AGW_LOG_LEVEL wins',
          ),
        format: z.enum(['text', 'json']).optional(),
      })
      .optional(),
    tracing: LegacyTracing.optional(),
    metrics: MetricsSettings.optional(),
    backend: BackendDefaults.optional(),
    modelCatalog: ModelCatalog.optional(),
    mcp: McpSettings.optional(),
  })
  .describe('Startup settings (a change needs a restart)');

/** agentgateway's simplified `mcp:` (LocalSimpleMcpConfig): one federation served at /mcp and /sse. */
export const SimpleMcp = z
  .strictObject({
    port: z
      .number()
      .int()
      .min(0)
      .max(65535)
      .optional()
      .describe(
        'Port to serve on (default: the gateways, else the gateway named "default", else 3000); on a port that binds or llm also use, the routes /mcp, /sse and /.well-known join it',
      ),
    gateways: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe('Serve on these top-level gateways instead of port (default: the gateway named "default", if any)'),
    ...mcpBackendShape,
    policies: RoutePolicies.optional().describe(
      'Route policies of the MCP route (cors, jwtAuth, mcpAuthentication, mcpAuthorization, ...)',
    ),
  })
  .superRefine((v, ctx) => {
    if (v.port !== undefined && v.gateways !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['gateways'], message: 'mcp takes either port or gateways, not both' });
    }
  })
  .describe('Simplified MCP gateway: the targets are federated behind /mcp (Streamable HTTP) and /sse (legacy SSE)');

export const Config = z.strictObject({
  config: StartupConfig.optional(),
  binds: z.array(Bind).optional(),
  allowNoListeners: z
    .boolean()
    .optional()
    .describe(
      'Accept a config that opens no port (no binds). Without it such a config (an empty, comment-only or truncated file, `binds: []`) is refused like any invalid file and the current one keeps serving. Not in agentgateway',
    ),
  frontendPolicies: FrontendPolicies.optional(),
  gateways: z.record(z.string().min(1), Gateway).optional().describe('Named entrypoints (ports) that the llm and mcp sections attach to'),
  llm: LlmConfig.optional(),
  keys: KeysSection.optional(),
  mcp: SimpleMcp.optional(),
});

export type ConfigT = z.infer<typeof Config>;
export type BindT = z.infer<typeof Bind>;
export type ListenerT = z.infer<typeof Listener>;
export type BackendDefaultsT = z.infer<typeof BackendDefaults>;
export type SimpleMcpT = z.infer<typeof SimpleMcp>;
