// The error table (src/errors.ts) and the one writer per client dialect (src/pipeline/dialects.ts):
// every kind has a code and agentgateway reason, the README lists the table as it is, and each
// dialect writes the same error with its own shape.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, type ErrorKind, GatewayError } from '../../src/errors.js';
import { A2aExchange } from '../../src/a2a/exchange.js';
import type { RequestCtx } from '../../src/pipeline/context.js';
import { DIALECTS } from '../../src/pipeline/dialects.js';
import { llmDialect } from '../../src/llm/dialect.js';
import { compileRouteTypes, DEFAULT_ROUTE_TYPES } from '../../src/llm/route-types.js';

const README_TEXT = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
/** The README's Errors section. */
const ERRORS_AT = README_TEXT.indexOf('\n## Errors\n');
const README = README_TEXT.slice(ERRORS_AT, README_TEXT.indexOf('\n## ', ERRORS_AT + 5));

/** agentgateway's ProxyResponseReason values (crates/agentgateway/src/proxy/mod.rs). */
const AGENTGATEWAY_REASONS = new Set([
  'NotFound',
  'NoHealthyBackend',
  'Internal',
  'InvalidRequest',
  'JwtAuth',
  'Oidc',
  'BasicAuth',
  'APIKeyAuth',
  'ExtAuth',
  'Authorization',
  'Timeout',
  'ExtProc',
  'RateLimit',
  'Overload',
  'Guardrail',
  'MCP',
  'UpstreamFailure',
]);

describe('the error table', () => {
  const kinds = Object.keys(ERRORS) as ErrorKind[];

  it('gives every kind a unique snake_case code, an agentgateway reason and an error status', () => {
    const codes = kinds.map((k) => ERRORS[k].code);
    expect(new Set(codes).size).toBe(kinds.length);
    for (const k of kinds) {
      const s = ERRORS[k];
      expect(s.code).toBe(k);
      expect(s.code).toMatch(/^[a-z]+(_[a-z]+)*$/);
      expect(AGENTGATEWAY_REASONS.has(s.reason), `${k}: ${s.reason}`).toBe(true);
      expect(s.status >= 400 && s.status <= 599, k).toBe(true);
      expect(['client', 'gateway', 'upstream']).toContain(s.source);
    }
  });

  it('is listed in the README row for row', () => {
    const rows = new Map([...README.matchAll(/^\| `([a-z_]+)`\s*\|(.*)\|$/gm)].map((m) => [m[1]!, m[2]!.split('|').map((c) => c.trim())]));
    expect([...rows.keys()].sort()).toEqual(kinds.map((k) => ERRORS[k].code).sort());
    for (const k of kinds) {
      const s = ERRORS[k];
      const want = [String(s.status), s.reason, s.source, s.retryable ? 'yes' : 'no', `\`${s.openai}\` / \`${s.anthropic}\``];
      expect(rows.get(s.code), s.code).toEqual(want);
    }
  });

  it('throw sites give a kind and a message; the rest comes from the row', () => {
    const e = new GatewayError('rate_limited', 'slow down', { headers: [['retry-after', '3']] });
    expect([e.status, e.code, e.reason, e.source, e.retryable, e.message]).toEqual([
      429,
      'rate_limited',
      'RateLimit',
      'client',
      true,
      'slow down',
    ]);
    expect(e.headers).toEqual([['retry-after', '3']]);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('GatewayError');
  });

  it('captures no stack (expected errors are made on the hot path)', () => {
    expect(new GatewayError('jwt_invalid', 'x').stack?.split('\n').length).toBe(1);
  });

  it("a guard's configured status replaces the row's, and the dialect types follow it", () => {
    const e = new GatewayError('guardrail_rejected', 'no', { status: 422 });
    expect([e.status, e.typeFor('openai'), e.typeFor('anthropic'), e.reason]).toEqual([
      422,
      'invalid_request_error',
      'invalid_request_error',
      'Guardrail',
    ]);
    expect(new GatewayError('guardrail_rejected', 'no').typeFor('openai')).toBe('permission_error');
    expect(new GatewayError('guardrail_rejected', 'no', { status: 429 }).typeFor('anthropic')).toBe('rate_limit_error');
  });
});

describe('one writer per dialect', () => {
  const e = new GatewayError('body_too_large', 'too big');

  it('OpenAI: error.{message,type,param,code,reason}', () => {
    expect(JSON.parse(DIALECTS.openai(e, null))).toEqual({
      error: { message: 'too big', type: 'invalid_request_error', param: null, code: 'body_too_large', reason: 'InvalidRequest' },
    });
  });

  it('Anthropic: {type: error, error: {type, message, code, reason}}', () => {
    expect(JSON.parse(DIALECTS.anthropic(e, null))).toEqual({
      type: 'error',
      error: { type: 'request_too_large', message: 'too big', code: 'body_too_large', reason: 'InvalidRequest' },
    });
  });

  it('Google (native Gemini clients): {error: {code, message, status}}, code and reason in an ErrorInfo detail', () => {
    expect(JSON.parse(DIALECTS.google(e, null))).toEqual({
      error: {
        code: 413,
        message: 'too big',
        status: 'INVALID_ARGUMENT',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'body_too_large',
            domain: 'agentgateway',
            metadata: { reason: 'InvalidRequest' },
          },
        ],
      },
    });
    expect(JSON.parse(DIALECTS.google(new GatewayError('jwt_missing', 'no token'), null)).error.status).toBe('UNAUTHENTICATED');
  });

  it('A2A: a JSON-RPC error object, without an id before the call is read', () => {
    expect(JSON.parse(DIALECTS.a2a(e, null))).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32000,
        message: 'too big',
        data: { httpStatus: 413, type: 'request_too_large', code: 'body_too_large', reason: 'InvalidRequest' },
      },
    });
    const x = new A2aExchange('jsonrpc');
    x.id = 7;
    expect(JSON.parse(DIALECTS.a2a(new GatewayError('internal', 'boom'), { a2a: x } as RequestCtx))).toMatchObject({
      id: 7,
      error: { code: -32603 },
    });
    expect([x.outcome, x.errorCode]).toEqual(['error', -32603]);
  });
});

describe('the client dialect, decided in one place', () => {
  it('before routing, the path decides: /messages and /messages/count_tokens are Anthropic', () => {
    expect(llmDialect('/v1/messages', null)).toBe('anthropic');
    expect(llmDialect('/v1/messages/count_tokens', null)).toBe('anthropic');
    expect(llmDialect('/v1/chat/completions', null)).toBe('openai');
    expect(llmDialect('/anything', null)).toBe('openai');
    expect(llmDialect('/v1beta/models/gemini-2.5-flash:generateContent', null)).toBe('google');
    expect(llmDialect('/v1beta/models/gemini-2.5-flash:streamGenerateContent', null)).toBe('google');
  });

  it("on an LLM route, the route type, else the provider's format", () => {
    const rule = {
      routeTypes: compileRouteTypes({ '/v1/messages': 'messages', '/v1/chat/completions': 'completions', '/v1/models': 'passthrough' }),
      providerFormat: 'messages' as const,
    };
    expect(llmDialect('/x/v1/messages', rule)).toBe('anthropic');
    expect(llmDialect('/x/v1/chat/completions', rule)).toBe('openai');
    expect(llmDialect('/x/v1/models', rule)).toBe('anthropic');
    expect(llmDialect('/x/v1/models', { ...rule, providerFormat: 'completions' })).toBe('openai');
    // the default route types: a native Gemini client reads Google's errors, embeddings OpenAI's
    const defaults = {
      routeTypes: compileRouteTypes({ ...DEFAULT_ROUTE_TYPES, '/v1/embeddings': 'embeddings' }),
      providerFormat: 'messages' as const,
    };
    expect(llmDialect('/v1beta/models/m:generateContent', defaults)).toBe('google');
    expect(llmDialect('/v1/embeddings', defaults)).toBe('openai');
    // Responses clients read OpenAI's errors even when the provider behind the route is Anthropic
    expect(llmDialect('/v1/responses', { ...defaults, providerFormat: 'messages' })).toBe('openai');
  });
});
