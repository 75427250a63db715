// Routes and their matchers (Gateway API HTTPRoute semantics).
import { z } from 'zod';
import { exactlyOne, Regex } from './common.js';
import { RouteBackend } from './backends.js';
import { RoutePolicies } from './policies.js';

export const PathMatch = z
  .strictObject({
    exact: z.string().startsWith('/').optional(),
    pathPrefix: z.string().startsWith('/').optional(),
    regex: Regex.optional().describe('RE2 syntax (linear time), matched against the whole normalised path'),
  })
  .superRefine(exactlyOne(['exact', 'pathPrefix', 'regex'], 'path'));

const ValueMatch = z
  .strictObject({ exact: z.string().optional(), regex: Regex.optional() })
  .superRefine(exactlyOne(['exact', 'regex'], 'value'));

const NamedMatch = z.strictObject({ name: z.string().min(1), value: ValueMatch });

export const RouteMatch = z.strictObject({
  path: PathMatch.optional(),
  method: z
    .string()
    .regex(/^[A-Z]+$/, 'method in upper case, e.g. POST')
    .optional(),
  headers: z.array(NamedMatch).optional(),
  query: z.array(NamedMatch).optional(),
});

export const Route = z.strictObject({
  name: z.string().optional(),
  ruleName: z.string().optional(),
  hostnames: z.array(z.string().min(1)).optional().describe('Host headers this route answers ("*.example.com" allowed)'),
  matches: z.array(RouteMatch).optional().describe('Any match selects the route; default: every path'),
  match: z
    .strictObject({ path: z.string().startsWith('/') })
    .optional()
    .describe('Deprecated shorthand: `match: {path: /x}` is `matches: [{path: {pathPrefix: /x}}]`'),
  policies: RoutePolicies.optional(),
  backends: z.array(RouteBackend).min(1, 'a route needs at least one backend'),
});

export type RouteT = z.infer<typeof Route>;
export type RouteMatchT = z.infer<typeof RouteMatch>;
