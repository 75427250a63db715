// Route- and backend-level policies (agentgateway's `FilterOrPolicy` / `LocalBackendPolicies`),
// restricted to those this gateway implements; any other key is a config error, never a
// silently ignored policy.
import { z } from 'zod';
import { HeaderMap, SecretSource } from './common.js';

export const RouteType = z
  .enum(['completions', 'messages', 'models', 'passthrough', 'detect'])
  .describe('How the gateway treats requests whose path ends with the key');

export const AiPolicy = z
  .strictObject({
    routes: z
      .record(z.string(), RouteType)
      .optional()
      .describe('Path suffix -> route type; longest suffix wins, "*" matches anything else'),
  })
  .describe('LLM policy');

export const BackendAuth = z
  .strictObject({
    key: SecretSource.optional().describe('API key injected upstream (provider-specific header)'),
    passthrough: z.strictObject({}).optional().describe('Forward the client credential unchanged'),
  })
  .superRefine((v, ctx) => {
    if ((v.key === undefined) === (v.passthrough === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'backendAuth takes exactly one of: key, passthrough' });
    }
  })
  .describe('Credential the gateway sends to the backend');

export const BackendTLS = z
  .strictObject({
    root: z.string().optional().describe('CA bundle (PEM file) to verify the backend'),
    cert: z.string().optional().describe('Client certificate (PEM file) for mTLS'),
    key: z.string().optional().describe('Client key (PEM file) for mTLS'),
    hostname: z.string().optional().describe('SNI and verification hostname'),
    insecure: z.boolean().optional().describe('Skip certificate verification (testing only)'),
  })
  .describe('Use TLS to the backend; `{}` verifies with the system roots');

export const HeaderModifier = z.strictObject({
  add: HeaderMap.optional().describe('Headers appended'),
  set: HeaderMap.optional().describe('Headers replaced'),
  remove: z.array(z.string()).optional().describe('Header names removed'),
});

const backendPolicyShape = {
  backendAuth: BackendAuth.optional(),
  backendTLS: BackendTLS.optional(),
  ai: AiPolicy.optional(),
  requestHeaderModifier: HeaderModifier.optional(),
  responseHeaderModifier: HeaderModifier.optional(),
};

export const BackendPolicies = z.strictObject(backendPolicyShape).describe('Backend-level policies');

export const RoutePolicies = z.strictObject({ ...backendPolicyShape }).describe('Route-level policies');

export type RoutePoliciesT = z.infer<typeof RoutePolicies>;
export type BackendPoliciesT = z.infer<typeof BackendPolicies>;
export type RouteTypeT = z.infer<typeof RouteType>;
export type HeaderModifierT = z.infer<typeof HeaderModifier>;
export type BackendAuthT = z.infer<typeof BackendAuth>;
export type BackendTLST = z.infer<typeof BackendTLS>;
