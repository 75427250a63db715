// Traffic and resilience policies: timeouts, retries, backend health and rate limits. Keys
// follow agentgateway (`timeout`, `retry`, `health`, `localRateLimit`); the additions it does not
// have (stream timeouts, per-client bucket keys, Redis-backed limits) are marked as such.
import { z } from 'zod';
import { Duration } from './common.js';

/** A CEL expression, compiled when the config loads. */
export const CelExpression = z.string().min(1);

export const Timeout = z
  .strictObject({
    requestTimeout: Duration.optional().describe(
      'Whole request, retries included, until the response is complete; a stream is cut with an error event',
    ),
    backendRequestTimeout: Duration.optional().describe('Each upstream attempt, until its response headers arrive'),
    firstByteTimeout: Duration.optional().describe(
      'Each upstream attempt, until the first byte of its response body (for a stream: the first event). Not in agentgateway',
    ),
    streamIdleTimeout: Duration.optional().describe(
      'Longest silence between two chunks of a response body (for a stream: between events). Not in agentgateway',
    ),
  })
  .describe('Timeouts; a timeout before any byte reached the client is a 504, during a stream an error event');

export const Retry = z
  .strictObject({
    attempts: z
      .number()
      .int()
      .min(0)
      .max(10)
      .optional()
      .describe('Retries after the first try (agentgateway runs attempts + 1 tries; default 1)'),
    backoff: Duration.optional().describe('Wait before each retry (default none)'),
    codes: z.array(z.number().int().min(100).max(599)).optional().describe('Response statuses that are retried'),
    condition: CelExpression.optional().describe('CEL over `response.code` and `response.headers`; true retries'),
    maxRetryAfter: Duration.optional().describe(
      'A retried response asking to wait (Retry-After, retry-after-ms) is retried after that time, up to this (default 10s); one asking longer, or longer than requestTimeout has left, goes back to the client as it is. Not in agentgateway',
    ),
  })
  .describe(
    'Retry failed upstream attempts; each retry re-selects the backend (so it can fail over), never after a streamed response started',
  );

export const Eviction = z.strictObject({
  duration: Duration.optional().describe(
    "Base eviction time, multiplied by (times evicted + 1); a 429's Retry-After / x-ratelimit-reset* wins (default 3s)",
  ),
  consecutiveFailures: z.number().int().min(1).optional().describe('Evict after this many unhealthy responses in a row'),
  healthThreshold: z.number().min(0).max(1).optional().describe('Evict when the health EWMA (1 = all healthy) is below this'),
});

export const Health = z
  .strictObject({
    unhealthyExpression: CelExpression.optional().describe(
      'CEL over `response.code` and `response.headers`; true marks the response unhealthy (default: 5xx or a connection failure)',
    ),
    eviction: Eviction.optional().describe('Take an unhealthy provider out of rotation; without thresholds one unhealthy response evicts'),
  })
  .describe('Passive health of AI providers: feeds the pick-2 score and evicts failing providers');

const bucketShape = {
  maxTokens: z.number().int().min(1).describe('Bucket capacity (and the starting fill)'),
  tokensPerFill: z.number().int().min(1).describe('Tokens added every fillInterval'),
  fillInterval: Duration.describe('How often tokensPerFill tokens are added'),
  type: z
    .enum(['requests', 'tokens'])
    .optional()
    .describe('requests: each request takes 1 (default); tokens: LLM usage is debited after the response'),
  key: CelExpression.optional().describe(
    'CEL giving the bucket key (e.g. jwt.sub, apiKey.key, request.headers["x-user"], source.address); one bucket per value. Default: one bucket for the route. Not in agentgateway',
  ),
};

export const LocalRateLimit = z.strictObject(bucketShape).describe('Token bucket kept in this gateway process');

const RedisUrl = z
  .string()
  .regex(/^rediss?:\/\//, 'expected redis://host:port or rediss://host:port')
  .describe('Redis server');

export const RedisRateLimit = z
  .strictObject({
    url: RedisUrl,
    failureMode: z
      .enum(['failOpen', 'failClosed'])
      .describe('When Redis cannot answer: failOpen lets requests through, failClosed answers 500'),
    timeout: Duration.optional().describe('Longest wait for Redis per request (default 100ms)'),
    domain: z
      .string()
      .min(1)
      .optional()
      .describe('Bucket namespace in Redis (default: listener/route name); gateways with the same domain share buckets'),
    limits: z.array(z.strictObject(bucketShape)).min(1),
  })
  .describe('Token buckets in Redis, shared by every gateway replica (atomic Lua scripts). Not in agentgateway');

export const SessionAffinity = z
  .strictObject({
    source: CelExpression.optional().describe(
      'CEL giving the session key, e.g. request.headers["x-session-id"] or jwt.sub; a failed or empty result uses the prompt prefix when set, else pick-2 (default: the x-session-affinity header)',
    ),
    prefix: z
      .strictObject({
        messages: z
          .number()
          .int()
          .min(0)
          .max(1000)
          .optional()
          .describe(
            'Conversation messages after the system prompt that are part of the key (default 1: the first user turn, which every later turn resends)',
          ),
        maxBytes: z
          .number()
          .int()
          .min(64)
          .max(1048576)
          .optional()
          .describe('Characters of the prefix read at most, half from its start and half from its end (default 16384)'),
      })
      .optional()
      .describe(
        "Requests without a key get one from their prompt's stable prefix: system prompt, tools and first messages, so a conversation's turns reach the deployment whose prompt cache holds it. Not in agentgateway",
      ),
    ttl: Duration.optional().describe(
      'A session unused this long is forgotten and placed by the hash again (default 5m). Not in agentgateway',
    ),
    maxLoad: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe(
        "A provider holding more than maxLoad x the group's mean in-flight requests, plus one, takes no more sessions' requests until it drains (default 1.5; 0: no bound). Not in agentgateway",
      ),
    redis: z
      .strictObject({
        url: RedisUrl,
        timeout: Duration.optional().describe('Longest wait for Redis when a session is not known here (default 100ms)'),
        domain: z
          .string()
          .min(1)
          .optional()
          .describe('Key namespace in Redis (default: the backend); gateways with the same domain share pins'),
      })
      .optional()
      .describe('Pin sessions to providers in Redis, shared by every replica (for ttl since last use). Not in agentgateway'),
  })
  .describe(
    "Send a session's requests to the same provider (rendezvous hashing: deterministic across replicas, and adding or removing a provider moves only its share); health, priority and load still win",
  );

export type TimeoutT = z.infer<typeof Timeout>;
export type RetryT = z.infer<typeof Retry>;
export type HealthT = z.infer<typeof Health>;
export type LocalRateLimitT = z.infer<typeof LocalRateLimit>;
export type RedisRateLimitT = z.infer<typeof RedisRateLimit>;
export type SessionAffinityT = z.infer<typeof SessionAffinity>;
