// The `keys:` section (not in agentgateway): virtual keys with budgets and spend, kept in a store
// the gateway owns (a file by default, Redis for fleets), managed through the admin API and UI,
// and declarable here for GitOps. An `apiKey` policy with `virtualKeys: true` accepts them.
import { z } from 'zod';
import { Duration, exactlyOne, SecretSource } from './common.js';
import { ModelPattern } from './model-pattern.js';

export const Budget = z
  .strictObject({
    unit: z.enum(['usd', 'tokens']).describe('usd (priced with the model catalog) or tokens (input + output)'),
    period: z.enum(['daily', 'monthly', 'total']).describe('UTC calendar day or month, or the lifetime of the key or team'),
    limit: z.number().positive().optional().describe('Hard limit: requests are refused once it is spent, and a stream crossing it is cut'),
    soft: z.number().positive().optional().describe('Soft limit: crossing it is logged, counted and shown; nothing is refused'),
  })
  .refine((b) => b.limit !== undefined || b.soft !== undefined, 'a budget needs a limit, a soft limit, or both')
  .describe('A budget in dollars or tokens per period');

export const KeyRateLimit = z
  .strictObject({
    type: z
      .enum(['requests', 'tokens'])
      .optional()
      .describe('requests (default): 1 per request; tokens: LLM usage, debited after the response'),
    maxTokens: z.number().int().min(1),
    tokensPerFill: z.number().int().min(1),
    fillInterval: Duration,
  })
  .describe('A token bucket per key (or per team: shared by its keys)');

export const VirtualKeyName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.@:-]{0,127}$/, 'letters, digits and _ . @ : - (at most 128 characters)');

export const governed = {
  metadata: z.record(z.string(), z.string()).optional().describe('Visible to CEL as apiKey.<field>'),
  allowedModels: z.array(ModelPattern).optional().describe('Models it may use (names, or one * at the start or end); unset: any'),
  rateLimits: z.array(KeyRateLimit).optional(),
  budgets: z.array(Budget).optional(),
  maxCostPerRequest: z.number().positive().optional().describe("USD cap on one request's estimated cost"),
};

export const TeamSpec = z
  .strictObject({ name: VirtualKeyName, ...governed })
  .describe('A team: its budgets and rate limits are shared by all of its keys');

export const DeclaredKey = z
  .strictObject({
    name: VirtualKeyName.describe("The key's id and name (metrics, logs, admin API)"),
    key: SecretSource.optional().describe('The secret, inline ("$CI_KEY") or {file: path}'),
    keyHash: z
      .string()
      .regex(/^sha256:[0-9a-fA-F]{64}$/, 'expected "sha256:<64 hex digits>"')
      .optional()
      .describe('The secret as "sha256:<hex>" (LiteLLM\'s hashed token works as is)'),
    team: VirtualKeyName.optional(),
    user: z.string().min(1).optional(),
    app: z.string().min(1).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO 8601 time after which the key is refused'),
    ...governed,
  })
  .superRefine(exactlyOne(['key', 'keyHash'], 'a key'));

export const KeysStore = z
  .strictObject({
    file: z.string().min(1).optional().describe('The store file (default: agentgateway-keys.db beside the config file)'),
    syncInterval: Duration.optional().describe("File store: how often spend records are fsync'd together (default 200ms)"),
    redis: z
      .strictObject({
        url: z.string().regex(/^rediss?:\/\//, 'expected redis://host:port or rediss://host:port'),
        namespace: z.string().min(1).optional().describe('Replicas with the same namespace share keys and spend (default "default")'),
        timeout: Duration.optional().describe('Longest wait for Redis per request (default 500ms); past it the request gets a 503'),
      })
      .optional()
      .describe('Keys and spend in Redis, shared by every replica'),
  })
  .refine((s) => !(s.file !== undefined && s.redis !== undefined), 'a store is a file or Redis, not both')
  .describe('Where keys and spend are kept (a store change takes effect after a restart)');

export const KeysSection = z
  .strictObject({
    store: KeysStore.optional(),
    typicalOutputTokens: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe('Output tokens a request is expected to use when it sets no max_tokens (default 1024)'),
    maxCostPerRequest: z
      .number()
      .positive()
      .optional()
      .describe("Default USD cap on one request's estimated cost (clients may lower it with x-agentgateway-max-cost)"),
    unpricedModels: z
      .enum(['refuse', 'free'])
      .optional()
      .describe('A model with no price when USD budgets or caps apply: refuse (default, 403) or count it as free'),
    teams: z.array(TeamSpec).optional(),
    keys: z.array(DeclaredKey).optional().describe('Keys declared here (read-only through the admin API)'),
  })
  .describe('Virtual keys, budgets and spend (see README "Virtual keys and budgets"). Not in agentgateway');

export type BudgetT = z.infer<typeof Budget>;
export type KeyRateLimitT = z.infer<typeof KeyRateLimit>;
export type TeamSpecT = z.infer<typeof TeamSpec>;
export type DeclaredKeyT = z.infer<typeof DeclaredKey>;
export type KeysSectionT = z.infer<typeof KeysSection>;
