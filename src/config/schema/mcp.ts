// MCP keys, shaped like agentgateway's (`LocalMcpBackend`, `LocalMcpTarget`, `LocalMcpAuthentication`,
// `LocalSimpleMcpConfig`): the `mcp` route backend that federates tool servers and the startup
// `config.mcp` settings. The policies `mcpAuthentication` and `mcpAuthorization` live with the
// other authentication schemas (policies.ts); the simplified top-level `mcp:` is in root.ts.
import { z } from 'zod';
import { Duration, exactlyOne, HeaderModifier } from './common.js';
import { BackendAuth, BackendTLS } from './policies.js';

/** Gateway API SectionName rules; `_` and `+` are the delimiters of prefixed names and URIs. */
export const McpTargetName = z
  .string()
  .max(253)
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
    "lowercase letters, digits, '-' and '.' ('_' and '+' are reserved MCP delimiters)",
  )
  .describe('Target name; prefixes its tools and prompts (`<name>_<tool>`) and resource URIs (`<name>+<uri>`) when federating');

/** Where an HTTP target lives: a URL (`http://host:port/path`, `host:port`), or host + port + path. */
const hostShape = {
  host: z.string().min(1).describe('URL of the MCP endpoint (http://host:port/mcp, https://...), or a host name with port and path'),
  port: z.number().int().min(1).max(65535).optional().describe('Port (with host and path)'),
  path: z.string().startsWith('/').optional().describe('Request path (with host and port)'),
  backend: z.string().optional().describe('Not supported: named backends do not exist in this gateway; use host'),
};

function hostTarget(what: string, defaultPath: string) {
  return z
    .strictObject(hostShape)
    .superRefine((v, ctx) => {
      if (v.backend !== undefined)
        ctx.addIssue({ code: 'custom', path: ['backend'], message: 'backend references are not supported; use host' });
      if ((v.port === undefined) !== (v.path === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'if port or path is set, both must be set; otherwise use only host (a URL)' });
      }
    })
    .describe(`${what}; a bare host:port uses the path ${defaultPath}`);
}

const StdioTarget = z
  .strictObject({
    cmd: z.string().min(1).describe('Command the gateway starts (looked up on PATH)'),
    args: z.array(z.string()).optional(),
    env: z.record(z.string(), z.string()).optional().describe("Environment added to the gateway's"),
    clear_env: z.boolean().optional().describe("Start with an empty environment instead of the gateway's"),
  })
  .describe('A local MCP server the gateway starts (one process per client session) and talks to over stdin/stdout');

const SchemaSource = z
  .union([
    z.string().min(1).describe('Inline OpenAPI document (JSON or YAML)'),
    z.strictObject({ file: z.string().min(1).describe('OpenAPI document file (JSON or YAML)') }),
    z.strictObject({ url: z.string().url().describe('OpenAPI document URL, fetched when a session first needs it') }),
  ])
  .describe('OpenAPI 3 document: inline, {file} or {url}');

const OpenApiTarget = z
  .strictObject({ ...hostShape, schema: SchemaSource })
  .superRefine((v, ctx) => {
    if (v.backend !== undefined)
      ctx.addIssue({ code: 'custom', path: ['backend'], message: 'backend references are not supported; use host' });
  })
  .describe('A REST API described by an OpenAPI 3 document, exposed as one tool per operation (operationId)');

export const McpTargetPolicies = z
  .strictObject({
    backendTLS: BackendTLS.optional(),
    backendAuth: BackendAuth.optional(),
    requestHeaderModifier: HeaderModifier.optional(),
  })
  .describe('Connection policies of an HTTP target (not stdio)');

export const McpTarget = z
  .strictObject({
    name: McpTargetName,
    stdio: StdioTarget.optional(),
    mcp: hostTarget('Streamable HTTP MCP server', '/mcp').optional(),
    sse: hostTarget('Legacy HTTP+SSE MCP server', '/sse').optional(),
    openapi: OpenApiTarget.optional(),
    policies: McpTargetPolicies.optional(),
  })
  .superRefine(exactlyOne(['stdio', 'mcp', 'sse', 'openapi'], 'MCP target'))
  .superRefine((v, ctx) => {
    if (v.stdio !== undefined && v.policies !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['policies'], message: 'stdio targets take no policies (there is no backend connection)' });
    }
  });

const backendShape = {
  targets: z.array(McpTarget).describe('MCP servers federated behind this one endpoint'),
  statefulMode: z
    .enum(['stateful', 'stateless'])
    .optional()
    .describe('stateful (default): the gateway issues Mcp-Session-Id and keeps upstream sessions; stateless: every request stands alone'),
  prefixMode: z
    .enum(['conditional', 'always', 'never'])
    .optional()
    .describe(
      'conditional (default): names are prefixed `<target>_` when there are several targets; always: even with one; never: calls are routed by looking the name up',
    ),
  failureMode: z
    .enum(['failClosed', 'failOpen'])
    .optional()
    .describe('failClosed (default): a target that fails fails the request; failOpen: it is skipped while others answer'),
  dnsRebindingProtection: z.boolean().optional().describe('Refuse requests whose Host or Origin is not localhost'),
};

export const McpBackend = z
  .strictObject(backendShape)
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.targets.forEach((t, i) => {
      if (seen.has(t.name)) ctx.addIssue({ code: 'custom', path: ['targets', i, 'name'], message: `target name ${t.name} is used twice` });
      seen.add(t.name);
    });
  })
  .describe('MCP federation: one endpoint (Streamable HTTP, and legacy SSE at /sse) in front of several MCP servers');

/** Startup `config.mcp`. */
export const McpSettings = z
  .strictObject({
    sessionTtl: Duration.optional().describe(
      'Idle time after which a session is closed (default 30m); a session with an open stream is not idle',
    ),
  })
  .describe('MCP session settings');

export type McpBackendT = z.infer<typeof McpBackend>;
export type McpTargetT = z.infer<typeof McpTarget>;
export type McpTargetPoliciesT = z.infer<typeof McpTargetPolicies>;
export { backendShape as mcpBackendShape };
