// The config file root (agentgateway's `LocalConfig`): binds -> listeners -> routes -> backends.
import { z } from 'zod';
import { ListenerPolicies } from './policies.js';
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
  listeners: z.array(Listener).min(1),
});

export const HttpSettings = z.strictObject({
  maxBufferSize: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Largest request body accepted, in bytes (default 16 MiB); larger is a 413'),
});

export const FrontendPolicies = z.strictObject({
  http: HttpSettings.optional(),
});

export const StartupConfig = z
  .strictObject({
    adminAddr: z.string().optional().describe('Admin API and UI address (default localhost:15000; "off" disables); env ADMIN_ADDR wins'),
    statsAddr: z.string().optional().describe('Prometheus /metrics address (default [::]:15020; "off" disables); env STATS_ADDR wins'),
    readinessAddr: z.string().optional().describe('Readiness /healthz/ready address (default [::]:15021; "off" disables); env READINESS_ADDR wins'),
    logging: z
      .strictObject({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).optional(),
        format: z.enum(['text', 'json']).optional(),
      })
      .optional(),
  })
  .describe('Startup settings (a change needs a restart)');

export const Config = z.strictObject({
  config: StartupConfig.optional(),
  binds: z.array(Bind).optional(),
  frontendPolicies: FrontendPolicies.optional(),
});

export type ConfigT = z.infer<typeof Config>;
export type BindT = z.infer<typeof Bind>;
export type ListenerT = z.infer<typeof Listener>;
