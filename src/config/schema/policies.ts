// Route- and backend-level policies (agentgateway's `FilterOrPolicy` / `LocalBackendPolicies`),
// restricted to those this gateway implements; any other key is a config error, never a
// silently ignored policy.
import { z } from 'zod';
import { Duration, exactlyOne, HeaderModifier, SecretSource } from './common.js';
import { ModelPattern } from './model-pattern.js';
import { aiShapingShape } from './prompt-guard.js';
import { Health, LocalRateLimit, RedisRateLimit, Retry, SessionAffinity, Timeout } from './traffic.js';

export const RouteType = z
  .enum(['completions', 'messages', 'models', 'passthrough', 'detect', 'anthropicTokenCount', 'generateContent', 'embeddings', 'responses'])
  .describe('How the gateway treats requests whose path ends with the key');

export const PromptCaching = z
  .strictObject({
    cacheSystem: z.boolean().optional().describe('Mark the system prompt for caching (default true)'),
    cacheMessages: z.boolean().optional().describe('Mark the conversation up to the second-to-last message (default true)'),
    cacheTools: z.boolean().optional().describe('Mark the tool definitions (default false)'),
    minTokens: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'Place a marker only where the prompt before it is at least this many tokens, estimated at 4 characters a token (default 1024)',
      ),
    cacheMessageOffset: z.number().int().min(0).optional().describe('Mark this many messages further back (default 0)'),
  })
  .nullable()
  .describe(
    "Insert prompt-cache breakpoints: Anthropic cache_control, Bedrock cachePoint (Claude and Nova models); at most 4 a request, counting the client's own",
  );

export const AiPolicy = z
  .strictObject({
    routes: z
      .record(z.string(), RouteType)
      .optional()
      .describe('Path suffix -> route type; longest suffix wins, "*" matches anything else'),
    ...aiShapingShape,
    promptCaching: PromptCaching.optional(),
  })
  .describe('LLM policy');

export const AwsAssumeRole = z
  .strictObject({
    roleArn: z
      .string()
      .regex(/^arn:[\w-]+:iam::\d{12}:role\/.+$/, 'roleArn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)')
      .describe('IAM role ARN to assume (STS AssumeRole) before signing'),
    sessionName: z
      .union([
        z.string().regex(/^[\w+=,.@-]{2,64}$/, 'sessionName must be 2-64 characters of [A-Za-z0-9_+=,.@-]'),
        z.strictObject({ expression: z.string() }),
      ])
      .optional()
      .describe('RoleSessionName (static); unset: agentgateway-<random>'),
    tags: z
      .array(z.strictObject({ key: z.string().min(1), value: z.string().optional(), expression: z.string().optional() }))
      .optional()
      .describe('Session tags passed to AssumeRole (static values)'),
  })
  .superRefine((v, ctx) => {
    // agentgateway evaluates these per request (CEL); here they are fixed per role session.
    if (typeof v.sessionName === 'object') {
      ctx.addIssue({
        code: 'custom',
        path: ['sessionName'],
        message: 'a CEL sessionName expression is not supported; use a static string',
      });
    }
    for (const [i, t] of (v.tags ?? []).entries()) {
      if (t.expression !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['tags', i, 'expression'],
          message: 'CEL session tag expressions are not supported; use value',
        });
      } else if (t.value === undefined) {
        ctx.addIssue({ code: 'custom', path: ['tags', i], message: 'a session tag needs a value' });
      }
    }
  })
  .describe('STS role assumed with the source credentials; the temporary credentials are cached and renewed before they expire');

export const AwsAuth = z
  .strictObject({
    accessKeyId: z.string().min(1).optional().describe('Access key id (explicit credentials; unset: the default AWS credential chain)'),
    secretAccessKey: SecretSource.optional().describe('Secret access key, inline or {file: path}'),
    sessionToken: SecretSource.optional().describe('Session token of temporary credentials, inline or {file: path}'),
    region: z.string().min(1).optional().describe("Signing region (default: the provider's region)"),
    serviceName: z.string().min(1).optional().describe('SigV4 service name (default: bedrock)'),
    assumeRole: AwsAssumeRole.optional(),
  })
  .superRefine((v, ctx) => {
    if ((v.accessKeyId === undefined) !== (v.secretAccessKey === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'explicit AWS credentials need both accessKeyId and secretAccessKey' });
    }
    if (v.sessionToken !== undefined && v.accessKeyId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sessionToken'], message: 'a session token goes with accessKeyId and secretAccessKey' });
    }
  })
  .describe(
    'Sign requests with AWS SigV4: explicit keys, or the default chain (environment, ~/.aws profiles, SSO, web identity, instance roles)',
  );

export const GcpAuth = z
  .strictObject({
    type: z.literal('accessToken').optional().describe('Token kind (only OAuth access tokens are minted)'),
    credential: SecretSource.optional().describe(
      'ADC-compatible Google credential JSON (a service-account key file); unset: Application Default Credentials',
    ),
  })
  .describe('Google OAuth access tokens, minted and refreshed by the gateway');

const Unsupported = z.strictObject({}).passthrough();

export const AzureAuth = z
  .strictObject({
    explicitConfig: z
      .strictObject({
        clientSecret: z
          .strictObject({
            tenant_id: z.string().min(1).describe('Directory (tenant) id'),
            client_id: z.string().min(1).describe('Application (client) id'),
            client_secret: SecretSource.describe('Client secret, inline or {file: path}'),
          })
          .optional()
          .describe('OAuth 2.0 client credentials (service principal)'),
        managedIdentity: z
          .strictObject({
            userAssignedIdentity: z
              .union([
                z.strictObject({ clientId: z.string().min(1) }),
                z.strictObject({ objectId: z.string().min(1) }),
                z.strictObject({ resourceId: z.string().min(1) }),
              ])
              .optional()
              .describe('A user-assigned identity by clientId, objectId or resourceId; unset: the system-assigned one'),
          })
          .optional()
          .describe('Managed identity tokens from the instance metadata service (169.254.169.254)'),
        workloadIdentity: Unsupported.optional(),
      })
      .optional(),
    implicit: Unsupported.optional(),
    developerImplicit: Unsupported.optional(),
  })
  .superRefine((v, ctx) => {
    const e = v.explicitConfig;
    const modes = [e, v.implicit, v.developerImplicit].filter((x) => x !== undefined).length;
    if (modes !== 1)
      ctx.addIssue({ code: 'custom', message: 'backendAuth.azure takes exactly one of: explicitConfig, implicit, developerImplicit' });
    for (const k of ['implicit', 'developerImplicit'] as const) {
      if (v[k] !== undefined)
        ctx.addIssue({ code: 'custom', path: [k], message: `azure ${k} auth is not supported yet; use explicitConfig.clientSecret` });
    }
    if (e === undefined) return;
    if ([e.clientSecret, e.managedIdentity, e.workloadIdentity].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: ['explicitConfig'],
        message: 'explicitConfig takes exactly one of: clientSecret, managedIdentity, workloadIdentity',
      });
    }
    if (e.workloadIdentity !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['explicitConfig', 'workloadIdentity'],
        message: 'azure workloadIdentity is not supported yet; use clientSecret or managedIdentity',
      });
    }
  })
  .describe('Microsoft Entra ID access tokens minted by the gateway (client credentials), cached until near expiry');

export const BackendAuth = z
  .strictObject({
    key: SecretSource.optional().describe('API key injected upstream (provider-specific header)'),
    passthrough: z.strictObject({}).optional().describe('Forward the client credential unchanged'),
    aws: AwsAuth.optional().describe('Sign requests with AWS SigV4 (Bedrock)'),
    gcp: GcpAuth.optional().describe('Authenticate to Google Cloud (Vertex AI, Gemini) with OAuth access tokens'),
    azure: AzureAuth.optional().describe('Authenticate to Azure OpenAI / AI Foundry with Microsoft Entra ID tokens'),
  })
  .superRefine((v, ctx) => {
    if ([v.key, v.passthrough, v.aws, v.gcp, v.azure].filter((x) => x !== undefined).length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'backendAuth takes exactly one of: key, passthrough, aws, gcp, azure' });
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

export { HeaderModifier };

export const A2aPolicy = z
  .strictObject({})
  .describe(
    'Marks A2A (agent-to-agent) traffic: agent cards are rewritten to point back through the gateway, the JSON-RPC method is read for CEL (a2a.method), logs and metrics, and gateway errors are JSON-RPC error objects',
  );

const AuthorizationRule = z.union([
  z.string().min(1).describe('CEL expression; an allow rule'),
  z.strictObject({ allow: z.string().min(1) }).describe('Allow the request when true'),
  z.strictObject({ deny: z.string().min(1) }).describe('Deny the request when true'),
  z.strictObject({ require: z.string().min(1) }).describe('Deny the request unless true'),
]);

export const Authorization = z
  .strictObject({ rules: z.array(AuthorizationRule).describe('Any deny denies; every require must hold; allow rules form an allowlist') })
  .describe('CEL authorization; a denied request gets 403');

export const McpAuthorization = Authorization.describe(
  'CEL rules over mcp.tool.name / mcp.tool.target (and prompt, resource), jwt.*: unlisted tools, prompts and resources are hidden from lists and refused when called',
);

const backendPolicyShape = {
  backendAuth: BackendAuth.optional(),
  a2a: A2aPolicy.optional(),
  backendTLS: BackendTLS.optional(),
  ai: AiPolicy.optional(),
  requestHeaderModifier: HeaderModifier.optional(),
  responseHeaderModifier: HeaderModifier.optional(),
  health: Health.optional(),
  sessionAffinity: SessionAffinity.optional(),
  mcpAuthorization: McpAuthorization.optional(),
};

export const BackendPolicies = z.strictObject(backendPolicyShape).describe('Backend-level policies');

// --- Client authentication and authorization (route and listener level) ---------------------

const AuthMode = z
  .enum(['strict', 'optional', 'permissive'])
  .describe(
    'strict: a valid credential is required; optional (default): validated when present; permissive: never rejects, valid credentials are still used',
  );

export const AuthorizationLocation = z
  .strictObject({
    header: z
      .strictObject({
        name: z.string().min(1).describe('Header name'),
        prefix: z.string().optional().describe('Prefix before the credential, e.g. "Bearer " (matched case-insensitively)'),
      })
      .optional(),
    queryParameter: z
      .strictObject({ name: z.string().min(1) })
      .optional()
      .describe('Query parameter carrying the credential'),
    cookie: z
      .strictObject({ name: z.string().min(1) })
      .optional()
      .describe('Cookie carrying the credential'),
  })
  .superRefine(exactlyOne(['header', 'queryParameter', 'cookie'], 'location'))
  .describe('Where the credential is read from (default: Authorization: Bearer)');

export const Jwks = z
  .union([
    z.string().min(1).describe('Inline JWKS JSON'),
    z.strictObject({ file: z.string().min(1).describe('JWKS file (watched for changes)') }),
    z.strictObject({ url: z.string().url().describe('JWKS URL, fetched and cached per Cache-Control (at least 60 s, default 15 min)') }),
  ])
  .describe('Signing keys: inline JSON, {file: path} or {url: https://...}');

const JwtValidationOptions = z.strictObject({
  requiredClaims: z
    .array(z.enum(['exp', 'nbf', 'aud', 'iss', 'sub']))
    .optional()
    .describe('Claims a token must carry (default: [exp])'),
});

export const JwtProvider = z.strictObject({
  issuer: z.string().min(1).describe('Required `iss` claim'),
  audiences: z.array(z.string().min(1)).optional().describe('Accepted `aud` values; when set, the token must carry one of them'),
  jwks: Jwks,
  jwtValidationOptions: JwtValidationOptions.optional(),
});

export const JwtAuth = z
  .strictObject({
    mode: AuthMode.optional(),
    location: AuthorizationLocation.optional(),
    issuer: JwtProvider.shape.issuer.optional(),
    audiences: JwtProvider.shape.audiences,
    jwks: Jwks.optional(),
    jwtValidationOptions: JwtValidationOptions.optional(),
    providers: z.array(JwtProvider).min(1).optional().describe('Several issuers; a token is checked against the provider of its `iss`'),
  })
  .superRefine((v, ctx) => {
    const single = v.issuer !== undefined || v.jwks !== undefined;
    if (v.providers !== undefined && (single || v.audiences !== undefined || v.jwtValidationOptions !== undefined)) {
      ctx.addIssue({ code: 'custom', message: 'jwtAuth takes either providers or issuer/audiences/jwks, not both' });
    } else if (v.providers === undefined && (v.issuer === undefined || v.jwks === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'jwtAuth needs issuer and jwks (or a providers list)' });
    }
  })
  .describe('Validate JWTs (claims become CEL jwt.*); the token is removed before forwarding unless backendAuth passthrough');

const KeyHash = z
  .string()
  .regex(/^(sha256:[0-9a-fA-F]{64}|\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53})$/, 'expected "sha256:<64 hex digits>" or a bcrypt hash ($2b$...)');

export const ApiKeyEntry = z
  .strictObject({
    key: z.string().min(1).optional().describe('The key, in clear'),
    keyHash: KeyHash.optional().describe('The key as "sha256:<hex>" or a bcrypt hash'),
    metadata: z.record(z.string(), z.unknown()).optional().describe('Visible to CEL as apiKey.<field>'),
    allowedModels: z
      .array(ModelPattern)
      .optional()
      .describe('Models this key may use on LLM routes: names, or patterns with one * at the start or end (empty: none)'),
  })
  .superRefine(exactlyOne(['key', 'keyHash'], 'API key'));

export const ApiKeyAuth = z
  .strictObject({
    keys: z
      .union([z.array(ApiKeyEntry), z.strictObject({ file: z.string().min(1).describe('YAML or JSON file holding the keys list') })])
      .optional()
      .describe('Accepted keys, inline or {file: path}'),
    virtualKeys: z
      .boolean()
      .optional()
      .describe('Also accept the virtual keys of the top-level keys: section (budgets, spend, admin API). Not in agentgateway'),
    mode: AuthMode.optional(),
    location: AuthorizationLocation.optional().describe('Where the key is read from (default: Authorization: Bearer, then x-api-key)'),
  })
  .refine((a) => a.keys !== undefined || a.virtualKeys === true, 'apiKey needs keys, virtualKeys: true, or both')
  .describe('API keys (metadata becomes CEL apiKey.*); the key is removed before forwarding');

export const BasicAuth = z
  .strictObject({
    htpasswd: SecretSource.describe('htpasswd users (bcrypt, {SHA}, $5$, $6$ or $apr1$), inline or {file: path}'),
    realm: z
      .string()
      .regex(/^[^"\\\r\n]*$/, 'realm may not contain quotes, backslashes or line breaks')
      .optional()
      .describe('Realm in WWW-Authenticate (default "Restricted")'),
    mode: z.enum(['strict', 'optional']).optional().describe('strict: credentials required; optional (default): checked when present'),
    authorizationLocation: AuthorizationLocation.optional(),
  })
  .describe('HTTP basic authentication against an htpasswd file');

export const Cors = z
  .strictObject({
    allowOrigins: z.array(z.string()).optional().describe('Allowed origins ("*", or scheme://host[:port] with * wildcards in the host)'),
    allowMethods: z.array(z.string()).optional(),
    allowHeaders: z.array(z.string()).optional(),
    exposeHeaders: z.array(z.string()).optional(),
    allowCredentials: z.boolean().optional(),
    maxAge: z
      .union([Duration, z.number().int().min(0)])
      .optional()
      .describe('Preflight cache lifetime (duration or seconds)'),
  })
  .describe('CORS: preflights are answered by the gateway, before authentication');

export const Csrf = z
  .strictObject({ additionalOrigins: z.array(z.string()).optional().describe('Origins trusted besides the request host') })
  .describe('Refuse cross-site unsafe requests (Sec-Fetch-Site / Origin checks) with 403');

// --- MCP (agentgateway's mcpAuthentication and mcpAuthorization) ----------------------------

const Idp = z
  .strictObject({
    auth0: z.strictObject({}).optional(),
    keycloak: z.strictObject({}).optional(),
    okta: z.strictObject({}).optional(),
    descope: z.strictObject({}).optional(),
    authentik: z.strictObject({}).optional(),
    entra: z.strictObject({}).optional(),
  })
  .superRefine(exactlyOne(['auth0', 'keycloak', 'okta', 'descope', 'authentik', 'entra'], 'provider'));

export const McpAuthentication = z
  .strictObject({
    issuer: z.string().min(1).describe('Required `iss`; also the authorization server advertised in the resource metadata'),
    audiences: z.array(z.string().min(1)).describe('Accepted `aud` values'),
    jwks: Jwks.optional().describe('Signing keys; default: <issuer>/.well-known/jwks.json'),
    provider: Idp.optional().describe(
      'Identity provider; its tokens are validated the same way (IdP metadata proxying is not implemented)',
    ),
    resourceMetadata: z
      .record(z.string(), z.unknown())
      .describe(
        'OAuth protected-resource metadata (RFC 9728) served at /.well-known/oauth-protected-resource<path>; keys in camelCase or snake_case',
      ),
    mode: z
      .enum(['strict', 'optional', 'permissive'])
      .optional()
      .describe(
        'strict (default): a valid token is required (401 with resource_metadata); optional: checked when present; permissive: never refuses',
      ),
    authorizationLocation: AuthorizationLocation.optional(),
    jwtValidationOptions: z.strictObject({ requiredClaims: z.array(z.enum(['exp', 'nbf', 'aud', 'iss', 'sub'])).optional() }).optional(),
    clientId: z.string().optional().describe('OAuth client id advertised to clients'),
    clientSecret: z.string().optional().describe('Accepted for compatibility; unused (no IdP proxying)'),
  })
  .describe("MCP's OAuth resource-server authentication: JWTs validated like jwtAuth, 401 with WWW-Authenticate resource_metadata");

const requestPolicyShape = {
  jwtAuth: JwtAuth.optional(),
  apiKey: ApiKeyAuth.optional(),
  basicAuth: BasicAuth.optional(),
  authorization: Authorization.optional(),
  cors: Cors.optional(),
};

export const RoutePolicies = z
  .strictObject({
    ...backendPolicyShape,
    ...requestPolicyShape,
    csrf: Csrf.optional(),
    timeout: Timeout.optional(),
    retry: Retry.optional(),
    localRateLimit: z.array(LocalRateLimit).optional().describe('Token buckets; a request must pass every one'),
    redisRateLimit: RedisRateLimit.optional(),
    mcpAuthentication: McpAuthentication.optional(),
  })
  .describe('Route-level policies');

/** agentgateway's listener policies (LocalGatewayPolicy), the subset implemented here. */
export const ListenerPolicies = z
  .strictObject(requestPolicyShape)
  .describe(
    'Listener-level policies: apply to every route of the listener; a route policy of the same kind replaces it (authorization rules are combined)',
  );

export type RoutePoliciesT = z.infer<typeof RoutePolicies>;
export type BackendPoliciesT = z.infer<typeof BackendPolicies>;
export type RouteTypeT = z.infer<typeof RouteType>;
export type PromptCachingT = z.infer<typeof PromptCaching>;
export type HeaderModifierT = z.infer<typeof HeaderModifier>;
export type GcpAuthT = z.infer<typeof GcpAuth>;
export type BackendAuthT = z.infer<typeof BackendAuth>;
export type AwsAuthT = z.infer<typeof AwsAuth>;
export type BackendTLST = z.infer<typeof BackendTLS>;
export type ListenerPoliciesT = z.infer<typeof ListenerPolicies>;
export type AuthorizationLocationT = z.infer<typeof AuthorizationLocation>;
export type JwtAuthT = z.infer<typeof JwtAuth>;
export type JwtProviderT = z.infer<typeof JwtProvider>;
export type JwksT = z.infer<typeof Jwks>;
export type ApiKeyAuthT = z.infer<typeof ApiKeyAuth>;
export type ApiKeyEntryT = z.infer<typeof ApiKeyEntry>;
export type BasicAuthT = z.infer<typeof BasicAuth>;
export type AuthorizationT = z.infer<typeof Authorization>;
export type CorsT = z.infer<typeof Cors>;
export type CsrfT = z.infer<typeof Csrf>;
export type McpAuthenticationT = z.infer<typeof McpAuthentication>;
