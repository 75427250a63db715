// The Google providers' endpoints and config: which path and host a model goes to (the model
// never chooses the path), which format each client is served in, Vertex's Anthropic body, the
// credential header, and the config mistakes that must be errors at load time.
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseConfig } from '../../../src/config/load.js';
import { gemini } from '../../../src/llm/providers/google/gemini.js';
import { vertexAnthropicModel, vertexGeminiModel } from '../../../src/llm/providers/google/models.js';
import { vertexAnthropicBody, vertexHost, vertexProvider } from '../../../src/llm/providers/google/vertex.js';
import { providerFormat } from '../../../src/llm/providers/types.js';
import { compile } from '../../../src/runtime/compile.js';
import { LiveState } from '../../../src/runtime/live-state.js';
import type { AiGroupsRt } from '../../../src/runtime/snapshot.js';
import { ConnectOverrides } from '../../../src/upstream/connect-overrides.js';
import { PoolFactory } from '../../../src/upstream/pools.js';

describe('gemini provider', () => {
  it('native paths carry the model, escaped into one segment, and alt=sse when streaming', () => {
    expect(gemini.path('gemini', { model: 'gemini-2.5-flash', stream: false })).toBe('/models/gemini-2.5-flash:generateContent');
    expect(gemini.path('gemini', { model: 'models/gemini-2.5-flash', stream: true })).toBe(
      '/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(gemini.path('gemini', { model: 'tunedModels/abc', stream: false })).toBe('/tunedModels/abc:generateContent');
    expect(gemini.path('gemini', { model: 'gemini-x/../../v1beta/other', stream: false })).toBe(
      '/models/gemini-x%2F..%2F..%2Fv1beta%2Fother:generateContent',
    );
    expect(gemini.path('gemini', { model: 'gemini-x?key=1#f', stream: false })).toBe('/models/gemini-x%3Fkey=1%23f:generateContent');
    expect(gemini.path('gemini-embeddings', { model: 'gemini-embedding-001', stream: false })).toBe(
      '/models/gemini-embedding-001:batchEmbedContents',
    );
  });

  it('serves both client formats natively, embeddings as batchEmbedContents', () => {
    expect(providerFormat(gemini, 'completions', 'gemini-2.5-pro')).toBe('gemini');
    expect(providerFormat(gemini, 'messages', 'gemini-2.5-pro')).toBe('gemini');
    expect(providerFormat(gemini, 'embeddings', 'gemini-embedding-001')).toBe('gemini-embeddings');
  });

  it('puts Google API keys in x-goog-api-key and anything else in Authorization', () => {
    expect(gemini.credential('AIzaSyX')).toEqual({ name: 'x-goog-api-key', value: 'AIzaSyX' });
    expect(gemini.credential('ya29.token')).toEqual({ name: 'authorization', value: 'Bearer ya29.token' });
    expect(gemini.relocateBearer!('AIzaSyX', 'gemini')).toBe('x-goog-api-key');
    expect(gemini.relocateBearer!('ya29.token', 'gemini')).toBeUndefined();
  });
});

describe('vertex provider', () => {
  const v = vertexProvider({ projectId: 'p', region: 'us-central1' });

  it('hosts per region', () => {
    expect(vertexHost(undefined)).toBe('aiplatform.googleapis.com');
    expect(vertexHost('global')).toBe('aiplatform.googleapis.com');
    expect(vertexHost('eu')).toBe('aiplatform.eu.rep.googleapis.com');
    expect(vertexHost('europe-west4')).toBe('europe-west4-aiplatform.googleapis.com');
  });

  it('routes each model family to its publisher and format', () => {
    expect(providerFormat(v, 'completions', 'claude-sonnet-4-5-20250929')).toBe('messages');
    expect(providerFormat(v, 'messages', 'gemini-2.5-pro')).toBe('gemini');
    expect(providerFormat(v, 'completions', 'meta/llama-3.3-70b-instruct-maas')).toBe('completions');
    expect(providerFormat(v, 'embeddings', 'text-embedding-005')).toBe('vertex-embeddings');
    const base = '/projects/p/locations/us-central1';
    expect(v.path('messages', { model: 'anthropic/claude-haiku-4-5-20251001', stream: true })).toBe(
      `${base}/publishers/anthropic/models/claude-haiku-4-5@20251001:streamRawPredict`,
    );
    expect(v.path('gemini', { model: 'publishers/google/models/gemini-2.5-flash', stream: false })).toBe(
      `${base}/publishers/google/models/gemini-2.5-flash:generateContent`,
    );
    expect(v.path('completions', { model: 'x', stream: false })).toBe(`${base}/endpoints/openapi/chat/completions`);
  });

  it('never lets a model id choose the path', () => {
    for (const m of ['gemini-2.5-flash/../../x', 'gemini-2.5-flash%2F..', 'gemini-2.5-flash\\..', '..']) {
      expect(vertexGeminiModel(m)).toBeNull();
      expect(providerFormat(v, 'completions', m)).toBe('completions');
    }
    expect(vertexAnthropicModel('claude-x/../y')).toBeNull();
    expect(vertexGeminiModel('gemini-embedding-001')).toBeNull();
  });

  it('sends Anthropic bodies as Vertex wants them: version in, model and unsupported fields out', () => {
    expect(
      vertexAnthropicBody({
        model: 'claude-x',
        max_tokens: 5,
        output_format: 'x',
        system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral', scope: 'turn', ttl: '1h' } }],
      }),
    ).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      max_tokens: 5,
      system: [{ type: 'text', text: 's', cache_control: { type: 'ephemeral', ttl: '1h' } }],
    });
  });
});

describe('config', () => {
  const pools = new PoolFactory(new ConnectOverrides());
  const live = new LiveState();
  afterAll(() => live.closeAll());

  function build(backend: string) {
    const yaml = `binds:\n- port: 4498\n  listeners:\n  - routes:\n    - backends:\n${backend}`;
    const scope = live.begin();
    try {
      const r = compile(parseConfig(yaml, 't.yaml', {}), pools, 1, { live: scope });
      scope.commit();
      return r;
    } catch (e) {
      scope.abort();
      throw e;
    }
  }

  function errors(backend: string): string {
    try {
      build(backend);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return '';
  }

  it('vertex mints tokens by default; a key or passthrough turns that off', () => {
    const provider = (auth: string) =>
      (
        build(`      - ai:\n          name: v\n          provider: {vertex: {projectId: p}}\n${auth}`)
          .snapshot.binds.get(4498)!
          .listeners[0]!.routes.match({ host: '', path: '/', method: 'POST', query: '', header: () => undefined })!.route
          .backends[0] as AiGroupsRt
      ).groups[0]![0]!;
    expect(provider('').tokenAuth).not.toBeNull();
    expect(provider('        policies: {backendAuth: {key: ya29.static}}\n').tokenAuth).toBeNull();
    expect(provider('        policies: {backendAuth: {passthrough: {}}}\n').tokenAuth).toBeNull();
  });

  it('llm: models may name gemini and vertex; vertex needs params.vertexProject', () => {
    const llm = (models: string) => {
      const scope = live.begin();
      try {
        const r = compile(parseConfig(`llm:\n  port: 4497\n  models:\n${models}`, 'l.yaml', {}), pools, 1, { live: scope });
        scope.commit();
        return r;
      } catch (e) {
        scope.abort();
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
    };
    const ok = llm(
      '  - {name: gemini-*, provider: gemini, params: {apiKey: AIzaX}}\n  - {name: claude-*, provider: vertex, params: {vertexProject: p, vertexRegion: us-central1}}\n',
    );
    expect(typeof ok).toBe('object');
    expect(llm('  - {name: claude-*, provider: vertex}\n')).toMatch(
      /llm\.models\[0\]\.params\.vertexProject: provider vertex needs params\.vertexProject/,
    );
  });

  it('refuses a vertex provider without projectId, and a credential that is not Google JSON', () => {
    expect(errors('      - ai:\n          name: v\n          provider: {vertex: {region: us}}\n')).toMatch(/projectId/);
    expect(
      errors(
        '      - ai:\n          name: v\n          provider: {vertex: {projectId: p}}\n        policies: {backendAuth: {gcp: {credential: "{\\"type\\": \\"x\\"}"}}}\n',
      ),
    ).toMatch(/backendAuth\.gcp\.credential: the credential has type "x"/);
    expect(
      errors('      - ai:\n          name: g\n          provider: {gemini: {}}\n        policies: {backendAuth: {key: a, gcp: {}}}\n'),
    ).toMatch(/exactly one of: key, passthrough, aws, gcp/);
  });
});
