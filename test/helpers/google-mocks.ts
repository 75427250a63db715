// Stand-ins for Google: one HTTPS server (certificate for *.googleapis.com) answering the Gemini
// API (generativelanguage.googleapis.com) and Vertex AI (aiplatform hosts) in their documented
// wire formats, checking credentials as Google does; and an OAuth token endpoint
// (oauth2.googleapis.com/token) that verifies the service account's signed JWT assertion, issues
// access tokens with a lifetime, and can be taken down or made to refuse.
import { generateKeyPairSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { anthropicMessage, anthropicStream, openaiCompletion, openaiStream } from './provider-formats.js';
import { geminiEmbeddings, geminiResponse, geminiStream, googleError, vertexPredict } from './google-formats.js';
import { MockUpstream, type Recorded, sendJson } from './mock-upstream.js';

export const GEMINI_KEY = 'AIzaSyTestKey0123456789abcdefghijklmno';
export const SA_EMAIL = 'gateway@test-project.iam.gserviceaccount.com';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
/** PEM of the test service account's private key (a secret the tests grep the gateway's output for). */
export const SA_PRIVATE_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const SA_PUBLIC_KEY = publicKey.export({ type: 'spki', format: 'pem' }).toString();

/** A service-account key file as Google issues it. */
export function serviceAccountJson(): string {
  return JSON.stringify({
    type: 'service_account',
    project_id: 'test-project',
    private_key_id: 'abc123',
    private_key: SA_PRIVATE_KEY,
    client_email: SA_EMAIL,
    client_id: '1234567890',
    auth_uri: 'https://accounts.google.com/o/oauth2/auth',
    token_uri: 'https://oauth2.googleapis.com/token',
  });
}

interface Issued {
  token: string;
  expiresAt: number;
}

/** The OAuth token endpoint: jwt-bearer grants from the test service account. */
export class TokenEndpoint {
  readonly issued: Issued[] = [];
  /** Lifetime of the next tokens (seconds). */
  expiresIn = 3600;
  /** `down`: connections are reset; `refuse`: 400 invalid_grant; `error`: 503. */
  mode: 'up' | 'down' | 'refuse' | 'error' = 'up';

  constructor(readonly server: MockUpstream) {
    server.handler = (req, res) => this.handle(req, res);
  }

  static async start(): Promise<TokenEndpoint> {
    return new TokenEndpoint(await MockUpstream.start({ cert: 'google' }));
  }

  /** Whether `token` is one this endpoint issued and it has not expired. */
  valid(token: string | undefined): boolean {
    return this.issued.some((t) => t.token === token && t.expiresAt > Date.now());
  }

  /** Issued tokens stay valid (as Google's do); only the requests and the settings are reset. */
  reset(): void {
    this.server.requests.length = 0;
    this.expiresIn = 3600;
    this.mode = 'up';
  }

  private async handle(req: Recorded, res: ServerResponse): Promise<void> {
    if (this.mode === 'down') {
      res.socket?.destroy();
      return;
    }
    if (this.mode === 'error') return sendJson(res, 503, { error: 'backend_error', error_description: 'try again later' });
    const form = new URLSearchParams(req.body);
    if (req.path !== '/token' || form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      return sendJson(res, 400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type' });
    }
    if (this.mode === 'refuse') return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    try {
      const key = await importSPKI(SA_PUBLIC_KEY, 'RS256');
      const { payload } = await jwtVerify(form.get('assertion') ?? '', key, {
        audience: 'https://oauth2.googleapis.com/token',
        issuer: SA_EMAIL,
      });
      if (!String(payload.scope ?? '').includes('https://www.googleapis.com/auth/cloud-platform')) throw new Error('scope');
    } catch {
      return sendJson(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    const token = `ya29.c.test-${this.issued.length + 1}-${Math.random().toString(36).slice(2)}`;
    this.issued.push({ token, expiresAt: Date.now() + this.expiresIn * 1000 });
    sendJson(res, 200, { access_token: token, expires_in: this.expiresIn, token_type: 'Bearer' });
  }
}

/** The Gemini API and Vertex AI on one server; `tokens` decides which bearer tokens Vertex accepts. */
export class GoogleApi {
  constructor(
    readonly server: MockUpstream,
    private readonly tokens: TokenEndpoint,
  ) {
    server.handler = (req, res) => this.handle(req, res);
  }

  get requests(): Recorded[] {
    return this.server.requests;
  }

  get last(): Recorded {
    return this.server.last;
  }

  private handle(req: Recorded, res: ServerResponse): void | Promise<void> {
    const [path, query = ''] = req.path.split('?') as [string, string?];
    if (path.startsWith('/v1beta/')) return this.gemini(req, res, path, query);
    if (path.startsWith('/v1/projects/')) return this.vertex(req, res, path, query);
    sendJson(res, 404, googleError(404, 'NOT_FOUND', `mock: no handler for ${req.method} ${req.path}`));
  }

  private gemini(req: Recorded, res: ServerResponse, path: string, query: string): void | Promise<void> {
    const key = req.headers['x-goog-api-key'];
    const bearer = req.headers.authorization;
    if (key !== GEMINI_KEY && bearer !== `Bearer ${GEMINI_KEY}`) {
      return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.'));
    }
    if (path === '/v1beta/openai/chat/completions') {
      return req.json?.stream ? this.server.stream(res, openaiStream(req.json)) : sendJson(res, 200, openaiCompletion(req.json));
    }
    const m = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents|countTokens)$/.exec(path);
    if (m === null || !/^gemini-[a-z0-9.-]+$/.test(m[1]!)) {
      const model = m?.[1] ?? path;
      return sendJson(
        res,
        404,
        googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`),
      );
    }
    return this.generate(req, res, decodeURIComponent(m[1]!), m[2]!, query);
  }

  private vertex(req: Recorded, res: ServerResponse, path: string, query: string): void | Promise<void> {
    const token = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!this.tokens.valid(token)) {
      return sendJson(
        res,
        401,
        googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.'),
      );
    }
    const anthropic =
      /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/anthropic\/models\/([^/:]+):(rawPredict|streamRawPredict)$/.exec(path);
    if (anthropic?.[1] === 'count-tokens' && anthropic[2] === 'rawPredict') return claudeCountTokens(res, req.json);
    if (anthropic !== null) {
      const body = req.json ?? {};
      if (body.anthropic_version !== 'vertex-2023-10-16' || body.model !== undefined) {
        return sendJson(res, 400, {
          type: 'error',
          error: {
            type: 'invalid_request_error',
            message: 'anthropic_version: vertex-2023-10-16 required; model: Extra inputs are not permitted',
          },
        });
      }
      const withModel = { ...body, model: anthropic[1]!.replace('@', '-') };
      return anthropic[2] === 'streamRawPredict'
        ? this.server.stream(res, anthropicStream(withModel))
        : sendJson(res, 200, anthropicMessage(withModel));
    }
    if (/\/endpoints\/openapi\/chat\/completions$/.test(path)) {
      return req.json?.stream ? this.server.stream(res, openaiStream(req.json)) : sendJson(res, 200, openaiCompletion(req.json));
    }
    const google =
      /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/publishers\/google\/models\/([^/:]+):(generateContent|streamGenerateContent|predict|countTokens)$/.exec(
        path,
      );
    if (google === null) return sendJson(res, 404, googleError(404, 'NOT_FOUND', `mock: no Vertex handler for ${path}`));
    return this.generate(req, res, google[1]!, google[2]!, query);
  }

  private generate(req: Recorded, res: ServerResponse, model: string, method: string, query: string): void | Promise<void> {
    if (req.json?.model !== undefined) {
      return sendJson(
        res,
        400,
        googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received. Unknown name "model": Cannot find field.'),
      );
    }
    if (method === 'batchEmbedContents') return sendJson(res, 200, geminiEmbeddings(req.json));
    if (method === 'countTokens') return countTokens(res, req.json, model);
    if (method === 'predict') return sendJson(res, 200, vertexPredict(req.json));
    if (method === 'generateContent') return sendJson(res, 200, geminiResponse(req.json, model));
    if (query !== 'alt=sse') return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'mock: streaming needs alt=sse'));
    return this.server.stream(res, geminiStream(req.json, model));
  }
}

/**
 * Claude's count-tokens on Vertex (publishers/anthropic/models/count-tokens:rawPredict): the
 * Messages body with anthropic_version and the Vertex model id (`claude-x@date`) in the body;
 * Anthropic's `{input_tokens}` back (the word count of the texts).
 */
function claudeCountTokens(res: ServerResponse, json: any): void {
  if (
    json?.anthropic_version !== 'vertex-2023-10-16' ||
    !/^claude-[\w.-]+(@\d{8})?$/.test(json?.model ?? '') ||
    !Array.isArray(json?.messages)
  ) {
    return sendJson(res, 400, {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'anthropic_version, a Vertex model id and messages are required' },
    });
  }
  const texts: string[] = [];
  for (const m of json.messages) {
    if (typeof m.content === 'string') texts.push(m.content);
    else for (const b of m.content ?? []) if (typeof b.text === 'string') texts.push(b.text);
  }
  if (typeof json.system === 'string') texts.push(json.system);
  sendJson(res, 200, { input_tokens: texts.join(' ').split(/\s+/).filter(Boolean).length });
}

/**
 * models/<m>:countTokens (ai.google.dev/api/tokens): `contents`, or a whole
 * `generateContentRequest` naming the same model; `{totalTokens, promptTokensDetails}` back
 * (here a word count of the texts, so tests can predict it).
 */
function countTokens(res: ServerResponse, json: any, model: string): void {
  const request = json?.generateContentRequest ?? json;
  if (json?.generateContentRequest !== undefined && request.model !== `models/${model}`) {
    return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'generateContentRequest.model must match the model in the URL'));
  }
  if (!Array.isArray(request?.contents)) return sendJson(res, 400, googleError(400, 'INVALID_ARGUMENT', 'contents is required'));
  const texts: string[] = [];
  const collect = (c: any) => {
    for (const part of c?.parts ?? []) if (typeof part.text === 'string') texts.push(part.text);
  };
  request.contents.forEach(collect);
  collect(request.systemInstruction);
  const totalTokens = texts.join(' ').split(/\s+/).filter(Boolean).length;
  sendJson(res, 200, { totalTokens, promptTokensDetails: [{ modality: 'TEXT', tokenCount: totalTokens }] });
}

export interface GoogleMocks {
  api: GoogleApi;
  tokens: TokenEndpoint;
  /** `--connect-to` arguments pointing Google's hosts at the mocks. */
  args(): string[];
}

/** Starts the mocks before the suite's own hooks, resets them after every test, closes them at the end. */
export function useGoogleMocks(): GoogleMocks {
  const mocks = {} as GoogleMocks;
  mocks.args = () => {
    const api = mocks.api.server.port;
    return [
      ...['generativelanguage.googleapis.com', 'aiplatform.googleapis.com', 'us-central1-aiplatform.googleapis.com'].flatMap((h) => [
        '--connect-to',
        `${h}:443:127.0.0.1:${api}`,
      ]),
      '--connect-to',
      `oauth2.googleapis.com:443:127.0.0.1:${mocks.tokens.server.port}`,
    ];
  };
  beforeAll(async () => {
    mocks.tokens = await TokenEndpoint.start();
    mocks.api = new GoogleApi(await MockUpstream.start({ cert: 'google' }), mocks.tokens);
  });
  afterAll(async () => {
    await Promise.all([mocks.api.server.close(), mocks.tokens.server.close()]);
  });
  afterEach(() => {
    mocks.api.server.requests.length = 0;
    mocks.tokens.reset();
  });
  return mocks;
}
