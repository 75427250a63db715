// AWS Signature Version 4 for backends the gateway signs for (Bedrock): `backendAuth.aws` with
// explicit keys (and an optional session token), or, as agentgateway does when a Bedrock provider
// has no backendAuth, the SDK's default credential chain: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
// / AWS_SESSION_TOKEN, the shared files (~/.aws/credentials and config, AWS_PROFILE), SSO, web
// identity (EKS), container and instance roles; refreshed before they expire.
//
// Signing is @smithy/signature-v4 with node's SHA-256 (@smithy/hash-node); the chain is
// @aws-sdk/credential-provider-node. Both are loaded on the first signed request (about 30 ms), so
// a gateway without an AWS backend never loads them. The signed headers are `host`, `x-amz-date`
// and, with temporary credentials, `x-amz-security-token`; the payload hash covers the exact body
// sent. Credentials never leave this file: errors name the backend and the cause, never a key.
import { createRequire } from 'node:module';
import { GatewayError } from '../errors.js';

export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsSigningSpec {
  readonly region: string;
  /** SigV4 service name: `bedrock` for the Bedrock runtime. */
  readonly service: string;
  /** Explicit keys; undefined: the default credential chain. */
  readonly keys?: AwsKeys;
  /** The backend's name, for error messages. */
  readonly backend: string;
  /** STS AssumeRole with the keys (or the default chain) as source credentials. */
  readonly assumeRole?: AwsAssumeRoleSpec;
}

export interface AwsAssumeRoleSpec {
  readonly roleArn: string;
  readonly sessionName?: string | undefined;
  /** Static session tags (the config refuses tags without a value). */
  readonly tags?: readonly { readonly key: string; readonly value?: string | undefined }[] | undefined;
}

/** What is signed: the request exactly as it will be sent. */
export interface SignableRequest {
  readonly method: string;
  /** The Host header value (`host` or `host:port`). */
  readonly host: string;
  /** Path and query as sent. */
  readonly path: string;
  readonly body: Uint8Array | null;
}

interface Signer {
  sign(req: unknown): Promise<{ headers: Record<string, string> }>;
}

type TemporaryKeys = AwsKeys & { readonly expiration?: Date };
type CredentialProvider = () => Promise<TemporaryKeys>;

interface Libraries {
  SignatureV4: new (init: Record<string, unknown>) => Signer;
  Hash: new (algorithm: string) => unknown;
  defaultProvider: () => CredentialProvider;
}

type FromTemporaryCredentials = (init: Record<string, unknown>) => CredentialProvider;
let sts: FromTemporaryCredentials | null = null;

/** The STS provider, loaded only by a backend that assumes a role. */
function loadSts(): FromTemporaryCredentials {
  if (sts === null) {
    const m = createRequire(import.meta.url)('@aws-sdk/credential-providers') as { fromTemporaryCredentials: FromTemporaryCredentials };
    sts = m.fromTemporaryCredentials;
  }
  return sts;
}

/** Renew assumed-role credentials this long before they expire (the SDK clients use 5 minutes). */
const REFRESH_BEFORE_MS = 5 * 60_000;

/**
 * Keeps one set of temporary credentials and renews it shortly before it expires: every signed
 * request asks for credentials, and only the first, and the first after the renewal point, call
 * STS (concurrent requests share that call). A failed call is not cached: the next request retries.
 */
export function cachedCredentials(provider: CredentialProvider, now: () => number = Date.now): CredentialProvider {
  let current: TemporaryKeys | null = null;
  let pending: Promise<TemporaryKeys> | null = null;
  return () => {
    const exp = current?.expiration?.getTime();
    if (current !== null && (exp === undefined || exp - REFRESH_BEFORE_MS > now())) return Promise.resolve(current);
    pending ??= provider().then(
      (c) => {
        current = c;
        pending = null;
        return c;
      },
      (e: unknown) => {
        pending = null;
        throw e;
      },
    );
    return pending;
  };
}

/** STS's endpoint: the standard AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL overrides, else the SDK's regional one. */
function stsEndpoint(): string | undefined {
  return process.env.AWS_ENDPOINT_URL_STS || process.env.AWS_ENDPOINT_URL || undefined;
}

let libs: Libraries | null = null;

function load(): Libraries {
  if (libs === null) {
    // One direct createRequire(import.meta.url)('<package>') per library: the binary's bundler
    // turns exactly that form into a bundled require (src/binary/build.mjs).
    const { SignatureV4 } = createRequire(import.meta.url)('@smithy/signature-v4') as Pick<Libraries, 'SignatureV4'>;
    const { Hash } = createRequire(import.meta.url)('@smithy/hash-node') as Pick<Libraries, 'Hash'>;
    const { defaultProvider } = createRequire(import.meta.url)('@aws-sdk/credential-provider-node') as Pick<Libraries, 'defaultProvider'>;
    libs = { SignatureV4, Hash, defaultProvider };
  }
  return libs;
}

/** Whether the AWS libraries have been loaded (a test asserts other providers never load them). */
export function awsLibrariesLoaded(): boolean {
  return libs !== null;
}

export class AwsRequestSigner {
  private signer: Signer | null = null;

  constructor(private readonly spec: AwsSigningSpec) {}

  /** Headers to add to the request: `authorization`, `x-amz-date`, maybe `x-amz-security-token`. */
  async headers(req: SignableRequest): Promise<string[]> {
    const signer = this.signer ?? (this.signer = this.create());
    const q = req.path.indexOf('?');
    const path = q < 0 ? req.path : req.path.slice(0, q);
    const query = q < 0 ? {} : Object.fromEntries(new URLSearchParams(req.path.slice(q + 1)));
    let signed: { headers: Record<string, string> };
    try {
      signed = await signer.sign({
        method: req.method,
        protocol: 'https:',
        hostname: req.host,
        path,
        query,
        headers: { host: req.host },
        body: req.body ?? '',
      });
    } catch (e) {
      throw new GatewayError('backend_auth_failed', `no AWS credentials to sign the request to ${this.spec.backend}: ${describe(e)}`);
    }
    const out: string[] = [];
    for (const [name, value] of Object.entries(signed.headers)) {
      const n = name.toLowerCase();
      if (n === 'authorization' || n.startsWith('x-amz-')) out.push(n, value);
    }
    return out;
  }

  private create(): Signer {
    const { SignatureV4, Hash, defaultProvider } = load();
    const keys = this.spec.keys;
    const source = keys !== undefined ? keys : defaultProvider();
    return new SignatureV4({
      service: this.spec.service,
      region: this.spec.region,
      credentials: this.spec.assumeRole !== undefined ? this.assumed(this.spec.assumeRole, source) : source,
      sha256: Hash.bind(null, 'sha256'),
      // Bedrock does not want x-amz-content-sha256; the payload hash is still in the signature.
      applyChecksum: false,
    });
  }

  private assumed(role: AwsAssumeRoleSpec, source: AwsKeys | CredentialProvider): CredentialProvider {
    const endpoint = stsEndpoint();
    const provider = loadSts()({
      params: {
        RoleArn: role.roleArn,
        RoleSessionName: role.sessionName ?? `agentgateway-${Date.now()}`,
        ...(role.tags !== undefined && role.tags.length > 0 ? { Tags: role.tags.map((t) => ({ Key: t.key, Value: t.value ?? '' })) } : {}),
      },
      masterCredentials: source,
      clientConfig: { region: this.spec.region, ...(endpoint !== undefined ? { endpoint } : {}) },
    });
    const cached = cachedCredentials(provider);
    return () =>
      cached().catch((e: unknown) => {
        throw new Error(`cannot assume ${role.roleArn}: ${describe(e)}`);
      });
  }
}

/** An error's message without anything that looks like a key (the chain's errors name no secrets). */
function describe(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/(AKIA|ASIA)[A-Z0-9]{12,}/g, '<access key id>').slice(0, 300);
}
