// Header rewriting, native vs TS: a 20-header OpenAI-SDK request on the request path (strings,
// credential injection) and a 20-header OpenAI streaming response on the response path (raw
// Buffers). Also measures the two ways strings can cross into Rust (one NUL-joined string vs
// element by element), the boundary decision in src/native/addon/headers.ts.
import { compileHeaderRules, type HeaderRewriter } from '../../src/native/index.js';
import { loadAddon } from '../../src/native/addon/load.js';
import { nativeHeaderStringsPerElement } from '../../src/native/addon/headers.js';
import { check, impls, nsPerUnit, runIfMain, type Row, type Task } from './common.js';

const REQUEST = [
  'host',
  'gateway.internal:8080',
  'connection',
  'keep-alive',
  'content-type',
  'application/json',
  'accept',
  'application/json',
  'authorization',
  'Bearer sk-gw-team-a-0123456789abcdef0123456789',
  'user-agent',
  'OpenAI/JS 6.4.0',
  'x-stainless-lang',
  'js',
  'x-stainless-package-version',
  '6.4.0',
  'x-stainless-os',
  'Linux',
  'x-stainless-arch',
  'x64',
  'x-stainless-runtime',
  'node',
  'x-stainless-runtime-version',
  'v20.19.0',
  'x-stainless-retry-count',
  '0',
  'x-stainless-timeout',
  '600',
  'accept-encoding',
  'gzip, deflate, br',
  'accept-language',
  '*',
  'sec-fetch-mode',
  'cors',
  'content-length',
  '1834',
  'traceparent',
  '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
  'x-request-id',
  '7c1e5b0a-3f7e-4d4a-9d0e-2f6a1b9c8d7e',
];

const RESPONSE = [
  'Date',
  'Tue, 01 Jul 2025 10:00:00 GMT',
  'Content-Type',
  'text/event-stream; charset=utf-8',
  'Transfer-Encoding',
  'chunked',
  'Connection',
  'keep-alive',
  'access-control-expose-headers',
  'X-Request-ID',
  'openai-organization',
  'team-a',
  'openai-processing-ms',
  '187',
  'openai-project',
  'proj_Xyz123',
  'openai-version',
  '2020-10-01',
  'x-envoy-upstream-service-time',
  '190',
  'x-ratelimit-limit-requests',
  '10000',
  'x-ratelimit-limit-tokens',
  '30000000',
  'x-ratelimit-remaining-requests',
  '9999',
  'x-ratelimit-remaining-tokens',
  '29998870',
  'x-request-id',
  'req_5c2d0d8c1c6e4f6f8b1e2a3b4c5d6e7f',
  'strict-transport-security',
  'max-age=31536000; includeSubDomains; preload',
  'set-cookie',
  '__cf_bm=abc; path=/; expires=Tue, 01-Jul-25 10:30:00 GMT; domain=.api.openai.com; HttpOnly; Secure',
  'set-cookie',
  '_cfuvid=def; path=/; domain=.api.openai.com; HttpOnly; Secure; SameSite=None',
  'Server',
  'cloudflare',
  'CF-RAY',
  '958f0c7b2a1e1234-FRA',
].map((s) => Buffer.from(s, 'latin1'));

export async function headersBench(): Promise<Row[]> {
  const { ts, native } = impls();
  const requestRules = compileHeaderRules({
    direction: 'request',
    credential: { name: 'authorization', value: 'Bearer sk-proj-upstream-0123456789abcdef' },
    set: { 'x-gateway': 'agentgateway' },
    remove: ['sec-fetch-mode'],
  });
  const responseRules = compileHeaderRules({
    direction: 'response',
    remove: ['set-cookie', 'server'],
    set: { 'x-served-by': 'agentgateway' },
  });
  const wantRequest = ts.headers.strings(REQUEST, requestRules);
  const wantResponse = ts.headers.buffers(RESPONSE, responseRules);
  check(wantRequest.length === 2 * 17 && wantRequest.at(-1) === 'Bearer sk-proj-upstream-0123456789abcdef', 'request rewrite');
  check(wantResponse.length === 2 * 16, 'response rewrite');

  const request = (f: HeaderRewriter['strings']): Task => ({
    fn: () => {
      const out = f(REQUEST, requestRules);
      check(out.length === wantRequest.length && out[20] === wantRequest[20] && out.at(-1) === wantRequest.at(-1), 'request output');
    },
    units: 1,
  });
  const response = (h: HeaderRewriter): Task => ({
    fn: () => {
      const out = h.buffers(RESPONSE, responseRules);
      check(out.length === wantResponse.length && out[20] === wantResponse[20], 'response output');
    },
    units: 1,
  });
  const tasks: Record<string, Task> = { 'ts request': request(ts.headers.strings), 'ts response': response(ts.headers) };
  const addon = loadAddon();
  if (native && addon.addon) {
    tasks['native request'] = request(native.headers.strings);
    tasks['native request per-element'] = request(nativeHeaderStringsPerElement(addon.addon));
    tasks['native response'] = response(native.headers);
  }
  const ns = await nsPerUnit(tasks);
  return [
    {
      job: 'headers',
      input: 'request, 20 headers (strings)',
      unit: 'request',
      tsNs: ns['ts request']!,
      nativeNs: ns['native request'] ?? null,
      ...(ns['native request per-element'] !== undefined
        ? { variants: { 'strings element by element': ns['native request per-element'] } }
        : {}),
    },
    {
      job: 'headers',
      input: 'response, 20 headers (Buffers)',
      unit: 'response',
      tsNs: ns['ts response']!,
      nativeNs: ns['native response'] ?? null,
    },
  ];
}

runIfMain(import.meta.url, headersBench);
