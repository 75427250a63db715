// Observability keys, shaped like agentgateway's: `config.tracing` (deprecated form) and
// `frontendPolicies.tracing`, `frontendPolicies.accessLog` (with its CEL `filter`/`add` and
// the `otlp` log export), `config.metrics` and `config.modelCatalog`. Tracing attributes and
// sampling are still literals here, and anything else is a config error rather than a silently
// ignored setting.
import { z } from 'zod';
import { HostPort } from './common.js';

/** agentgateway takes a bool, a ratio or a CEL expression; the expression form is not supported yet. */
const Sampling = z.union([z.boolean(), z.number().min(0).max(1)]).describe('true/false, or the fraction of requests sampled (0..1)');

const RandomSampling = Sampling.describe(
  'Sampling of requests that arrive without a trace context (starts new traces). Default false: no new traces',
);
const ClientSampling = Sampling.describe(
  'Sampling of requests whose client sent a sampled W3C traceparent (continues their trace). Default true',
);

/** A literal attribute value; CEL string literals ('"x"') are accepted and unquoted. */
const LiteralValue = z.union([z.string(), z.number(), z.boolean()]);

const OtlpProtocol = z
  .enum(['http', 'grpc'])
  .describe('OTLP transport: "http" (OTLP/HTTP, default; port 4318 on most collectors) or "grpc" (port 4317)');

const BackendTlsPolicies = z.strictObject({
  backendTLS: z
    .strictObject({
      root: z.string().optional().describe('CA bundle (PEM file) to verify the collector'),
      insecure: z.boolean().optional().describe('Skip certificate verification (testing only)'),
    })
    .optional()
    .describe('Export over TLS (HTTPS, or gRPC over TLS)'),
});

export const TracingPolicy = z
  .strictObject({
    host: HostPort.describe('OTLP collector host:port (e.g. localhost:4318 for http, localhost:4317 for grpc)'),
    path: z.string().startsWith('/').optional().describe('OTLP/HTTP export path (default /v1/traces; not used by grpc)'),
    protocol: OtlpProtocol.optional(),
    randomSampling: RandomSampling.optional(),
    clientSampling: ClientSampling.optional(),
    attributes: z.record(z.string(), LiteralValue).optional().describe('Extra span attributes (literal values)'),
    resources: z
      .record(z.string(), LiteralValue)
      .optional()
      .describe('Resource attributes (literal values); service.name defaults to agentgateway or $OTEL_SERVICE_NAME'),
    remove: z.array(z.string()).optional().describe('Default span attributes to leave out'),
    policies: BackendTlsPolicies.optional(),
  })
  .describe('OpenTelemetry tracing: one server span per request, exported over OTLP (HTTP or gRPC) in batches');

export const LegacyTracing = z
  .strictObject({
    otlpEndpoint: z.url().describe('Collector URL, e.g. http://localhost:4318'),
    otlpProtocol: OtlpProtocol.optional(),
    path: z.string().startsWith('/').optional().describe('Export path (default /v1/traces)'),
    headers: z.record(z.string(), z.string()).optional().describe('Headers sent with every export'),
    randomSampling: RandomSampling.optional(),
    clientSampling: ClientSampling.optional(),
  })
  .describe('Deprecated: use frontendPolicies.tracing');

const CelFilter = z.string().min(1).describe('CEL expression: only requests for which it is true are logged (e.g. response.code >= 400)');

const FieldsRemove = z.array(z.string()).describe('Default access-log fields to leave out (e.g. src.addr)');
const FieldsAdd = z
  .record(z.string(), z.string())
  .describe(
    'Extra fields: name -> CEL expression (request, response.code, source, jwt, apiKey, basicAuth, llm, mcp, a2a; credential headers and bodies are not readable), or llm.prompt (the request messages, off unless added). A field whose expression fails or is null is left out',
  );

export const OtlpAccessLog = z
  .strictObject({
    host: HostPort.describe('OTLP collector host:port (e.g. localhost:4318 for http, localhost:4317 for grpc)'),
    protocol: OtlpProtocol.optional(),
    path: z.string().startsWith('/').optional().describe('OTLP/HTTP export path (default /v1/logs; not used by grpc)'),
    filter: CelFilter.optional().describe(
      'CEL expression: only requests for which it is true are exported (default: the accessLog filter)',
    ),
    fields: z
      .strictObject({ add: FieldsAdd.optional(), remove: FieldsRemove.optional() })
      .optional()
      .describe('Fields of the exported records (default: the accessLog add/remove)'),
    policies: BackendTlsPolicies.optional(),
  })
  .describe('Export access-log records as OTLP log records (body "request", the fields as attributes), in batches');

export const AccessLogPolicy = z
  .strictObject({
    filter: CelFilter.optional(),
    remove: FieldsRemove.optional(),
    add: FieldsAdd.optional(),
    otlp: OtlpAccessLog.optional(),
  })
  .describe('The per-request access log (one line per request at info level), and its OTLP export');

export const MetricsSettings = z
  .strictObject({
    remove: z.array(z.string()).optional().describe('Metric names not to expose (with or without the agentgateway_ prefix)'),
  })
  .describe('Prometheus metrics on statsAddr');

const Rate = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?$/, 'expected a decimal number')])
  .describe('USD per 1,000,000 tokens');

export const ModelRates = z.strictObject({
  input: Rate,
  output: Rate,
  cacheRead: Rate.optional().describe('Cached prompt tokens (default: the input rate)'),
  cacheWrite: Rate.optional().describe('Prompt tokens written to the cache (default: the input rate)'),
  reasoning: Rate.optional().describe('Reasoning tokens (default: the output rate)'),
});

export const CatalogData = z
  .object({
    providers: z.record(
      z.string().describe('Provider (openai, anthropic)'),
      z.strictObject({ models: z.record(z.string().describe('Model id'), z.strictObject({ rates: ModelRates })) }),
    ),
  })
  .describe('Model prices: {providers: {<provider>: {models: {<model>: {rates: {input, output, cacheRead, cacheWrite}}}}}}');

export const ModelCatalog = z
  .strictObject({
    builtin: z.boolean().optional().describe('Start from the list prices shipped with the gateway (default true)'),
    sources: z
      .array(
        z
          .strictObject({
            file: z.string().min(1).optional().describe('JSON catalog file'),
            inline: CatalogData.optional(),
          })
          .refine((s) => (s.file === undefined) !== (s.inline === undefined), 'a source takes exactly one of: file, inline'),
      )
      .optional()
      .describe('Catalogs merged in order over the built-in one; later sources win per model'),
  })
  .describe('Prices for cost accounting (agentgateway_gen_ai_client_cost_usd_total, access-log cost)');

export type TracingPolicyT = z.infer<typeof TracingPolicy>;
export type LegacyTracingT = z.infer<typeof LegacyTracing>;
export type AccessLogPolicyT = z.infer<typeof AccessLogPolicy>;
export type OtlpAccessLogT = z.infer<typeof OtlpAccessLog>;
export type MetricsSettingsT = z.infer<typeof MetricsSettings>;
export type ModelCatalogT = z.infer<typeof ModelCatalog>;
export type CatalogDataT = z.infer<typeof CatalogData>;
export type ModelRatesT = z.infer<typeof ModelRates>;
