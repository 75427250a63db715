// `policies.ai.promptGuard` and the request-shaping keys of `policies.ai` (agentgateway's
// llm/policy: RequestGuard/ResponseGuard with regex and webhook kinds, prompts, aliases).
import { z } from 'zod';
import { Duration, exactlyOne, HeaderModifier, HostPort, Regex } from './common.js';

export const BUILTINS = ['ssn', 'creditCard', 'phoneNumber', 'email', 'caSin'] as const;

const RegexRule = z
  .strictObject({
    builtin: z.enum(BUILTINS).optional().describe('Built-in detector (credit cards are Luhn-checked)'),
    pattern: Regex.optional().describe(
      'Custom regular expression in RE2 syntax, as agentgateway (inline flags such as (?i) anywhere; no lookaround or backreferences: matching takes linear time); masked as <masked>',
    ),
  })
  .superRefine(exactlyOne(['builtin', 'pattern'], 'rule'));

export const RegexGuard = z.strictObject({
  action: z.enum(['mask', 'reject']).optional().describe('mask (default) replaces matches with <ENTITY>; reject refuses'),
  rules: z.array(RegexRule).min(1),
});

export const Webhook = z.strictObject({
  target: z
    .strictObject({ host: HostPort.describe('Guardrail service host:port (plain HTTP)') })
    .describe('Where the guardrail webhook listens'),
  failureMode: z
    .enum(['failClosed', 'failOpen'])
    .optional()
    .describe('When the webhook fails or times out: failClosed (default) rejects, failOpen lets the content through'),
  timeout: Duration.optional().describe('Longest wait for the webhook (default 10s). Not in agentgateway'),
});

export const Rejection = z
  .strictObject({
    status: z.number().int().min(400).max(599).optional().describe('Status of the rejection (default 403)'),
    body: z.string().optional().describe('Body of the rejection (default: "The request was rejected due to inappropriate content")'),
    headers: HeaderModifier.optional().describe('Headers of the rejection response'),
  })
  .describe('Response sent when a guard rejects');

export const Guard = z
  .strictObject({
    regex: RegexGuard.optional(),
    webhook: Webhook.optional().describe("agentgateway's guardrail webhook protocol: POST /request and /response"),
    rejection: Rejection.optional(),
  })
  .superRefine(exactlyOne(['regex', 'webhook'], 'guard'));

export const PromptGuard = z
  .strictObject({
    request: z.array(Guard).optional().describe('Guards on the prompt, in order; the first rejection wins'),
    response: z
      .array(Guard)
      .optional()
      .describe('Guards on the answer; regex guards also mask streams, webhook guards see the whole answer'),
  })
  .describe('Prompt and response guardrails');

const Message = z.strictObject({ role: z.enum(['system', 'user', 'assistant', 'developer']), content: z.string() });

export const Prompts = z
  .strictObject({
    prepend: z.array(Message).optional().describe('Messages put before the client messages'),
    append: z.array(Message).optional().describe('Messages put after the client messages'),
  })
  .describe('Messages added around the client prompt');

const JsonObject = z.record(z.string(), z.unknown());

export const aiShapingShape = {
  promptGuard: PromptGuard.optional(),
  defaults: JsonObject.optional().describe('Request body fields set when the client did not send them'),
  overrides: JsonObject.optional().describe("Request body fields always set, replacing the client's"),
  prompts: Prompts.optional(),
  modelAliases: z
    .record(z.string().min(1), z.string().min(1))
    .optional()
    .describe('Model name -> model sent upstream; keys may use * wildcards, the most specific wins'),
};

export type GuardT = z.infer<typeof Guard>;
export type PromptGuardT = z.infer<typeof PromptGuard>;
export type RejectionT = z.infer<typeof Rejection>;
export type WebhookT = z.infer<typeof Webhook>;
export type PromptsT = z.infer<typeof Prompts>;
