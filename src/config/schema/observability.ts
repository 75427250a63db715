// Observability keys, shaped like agentgateway's: `config.tracing` (deprecated form) and
// `frontendPolicies.tracing`, `frontendPolicies.accessLog`, `config.metrics` and
// `config.modelCatalog`. agentgateway evaluates several of these as CEL; until the CEL engine
// lands, values that would be expressions are literals, and anything else is a config error
// rather than a silently ignored setting.
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
  .describe('OTLP transport; only "http" (OTLP/HTTP with JSON) is implemented, "grpc" is rejected');

export const TracingPolicy = z
  .strictObject({
    host: HostPort.describe('OTLP/HTTP collector host:port (e.g. localhost:4318)'),
    path: z.string().startsWith('/').optional().describe('Export path (default /v1/traces)'),
    protocol: OtlpProtocol.optional(),
    randomSampling: RandomSampling.optional(),
    clientSampling: ClientSampling.optional(),
    attributes: z.record(z.string(), LiteralValue).optional().describe('Extra span attributes (literal values)'),
    resources: z
      .record(z.string(), LiteralValue)
      .optional()
      .describe('Resource attributes (literal values); service.name defaults to agentgateway or $OTEL_SERVICE_NAME'),
    remove: z.array(z.string()).optional().describe('Default span attributes to leave out'),
    policies: z
      .strictObject({
        backendTLS: z
          .strictObject({
            root: z.string().optional().describe('CA bundle (PEM file) to verify the collector'),
            insecure: z.boolean().optional().describe('Skip certificate verification (testing only)'),
          })
          .optional()
          .describe('Export over HTTPS'),
      })
      .optional(),
  })
  .describe('OpenTelemetry tracing: one server span per request, exported over OTLP/HTTP in batches');

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

export const AccessLogPolicy = z
  .strictObject({
    remove: z.array(z.string()).optional().describe('Default access-log fields to leave out (e.g. src.addr)'),
    add: z
      .record(z.string(), z.string())
      .optional()
      .describe(
        'Extra fields: name -> expression. Supported until CEL lands: llm.prompt (the request messages, off unless added), request.headers["name"] (credential headers refused)',
      ),
  })
  .describe('The per-request access log (one line per request at info level)');

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
export type MetricsSettingsT = z.infer<typeof MetricsSettings>;
export type ModelCatalogT = z.infer<typeof ModelCatalog>;
export type CatalogDataT = z.infer<typeof CatalogData>;
export type ModelRatesT = z.infer<typeof ModelRates>;
