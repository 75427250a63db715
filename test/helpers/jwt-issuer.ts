// A test identity provider: real key pairs made with jose (RS256, ES256, EdDSA), tokens minted
// with them, and a JWKS served over HTTP on port 0 whose keys, availability and Cache-Control
// the test controls, counting every fetch.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

export type Alg = 'RS256' | 'ES256' | 'EdDSA';

export interface SigningKey {
  kid: string;
  alg: Alg;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** SPKI PEM of the public key (for the HMAC-with-public-key confusion attack). */
  publicPem: string;
}

export async function makeKey(kid: string, alg: Alg): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk, publicPem: await exportSPKI(publicKey) };
}

export interface MintOptions {
  key: SigningKey;
  issuer?: string;
  audience?: string | string[];
  /** Seconds from now; null for no exp claim. */
  expiresIn?: number | null;
  notBefore?: number;
  claims?: JWTPayload;
  /** Override the kid in the header (undefined keeps the key's; null drops it). */
  kid?: string | null;
}

export async function mint(o: MintOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const header: { alg: string; kid?: string; typ: string } = { alg: o.key.alg, typ: 'JWT' };
  const kid = o.kid === undefined ? o.key.kid : o.kid;
  if (kid !== null) header.kid = kid;
  let jwt = new SignJWT({ ...o.claims }).setProtectedHeader(header).setIssuedAt(now);
  if (o.issuer !== undefined) jwt = jwt.setIssuer(o.issuer);
  if (o.audience !== undefined) jwt = jwt.setAudience(o.audience);
  if (o.expiresIn !== null) jwt = jwt.setExpirationTime(now + (o.expiresIn ?? 3600));
  if (o.notBefore !== undefined) jwt = jwt.setNotBefore(now + o.notBefore);
  return jwt.sign(o.key.privateKey);
}

export function b64url(v: unknown): string {
  return Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
}

export class JwksServer {
  keys: JWK[] = [];
  /** Answer 503 instead of the JWKS. */
  down = false;
  cacheControl: string | null = 'max-age=300';
  hits = 0;

  private constructor(private readonly server: Server) {}

  static async start(keys: SigningKey[]): Promise<JwksServer> {
    let s!: JwksServer;
    const server = createServer((_req, res) => {
      s.hits++;
      if (s.down) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('identity provider unavailable');
        return;
      }
      const body = JSON.stringify({ keys: s.keys });
      res.writeHead(200, { 'content-type': 'application/json', ...(s.cacheControl !== null ? { 'cache-control': s.cacheControl } : {}) });
      res.end(body);
    });
    s = new JwksServer(server);
    s.keys = keys.map((k) => k.publicJwk);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return s;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
