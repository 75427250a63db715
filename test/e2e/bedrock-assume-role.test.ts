// backendAuth.aws.assumeRole (agentgateway's `{aws: {region, serviceName, assumeRole: {roleArn,
// sessionName, tags}}}`): the real gateway calls a mock STS (AWS_ENDPOINT_URL_STS, the standard
// AWS endpoint override) signed with its source credentials from the environment, then signs
// Bedrock calls with the assumed role's temporary keys and session token, which the Bedrock mock
// verifies with the issued secret. The credentials are cached and renewed before they expire;
// an STS refusal is a clear 502 in the caller's dialect; no secret is ever printed.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BEDROCK_HOST, BEDROCK_TEXT, type BedrockMock, startBedrockMock } from '../helpers/bedrock-mock.js';
import { aiBackendConfig } from '../helpers/ai-backend-config.js';
import { GatewayProcess, runCli } from '../helpers/gateway-process.js';
import { freePort } from '../helpers/ports.js';
import { type IssuedCredentials, type StsMock, startStsMock } from '../helpers/sts-mock.js';

// Ports from this worker's slice (test/helpers/ports.ts): test files run in parallel.
const PORT = await freePort();
const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
const ROLE = 'arn:aws:iam::123456789012:role/bedrock-invoker';
const SOURCE = { accessKeyId: 'AKIAMOCKSOURCE000001', secretAccessKey: 'sourceSecret/EXAMPLEKEY0000000000000001' };
const minutes = (n: number) => new Date(Date.now() + n * 60_000);
// The first set expires within the renewal window (5 minutes), so the next request renews it.
const FIRST: IssuedCredentials = {
  accessKeyId: 'ASIAMOCKASSUMED00001',
  secretAccessKey: 'assumedSecret/EXAMPLEKEY00000000000001',
  sessionToken: 'FwoGZXIvYXdzEMOCKASSUMEDSESSION0001==',
  expiration: minutes(3),
};
const SECOND: IssuedCredentials = {
  accessKeyId: 'ASIAMOCKASSUMED00002',
  secretAccessKey: 'assumedSecret/EXAMPLEKEY00000000000002',
  sessionToken: 'FwoGZXIvYXdzEMOCKASSUMEDSESSION0002==',
  expiration: minutes(60),
};
const SECRETS = [SOURCE.secretAccessKey, FIRST.secretAccessKey, FIRST.sessionToken, SECOND.secretAccessKey, SECOND.sessionToken];

let bedrock: BedrockMock;
let sts: StsMock;
beforeAll(async () => {
  bedrock = await startBedrockMock();
  sts = await startStsMock(SOURCE, [FIRST, SECOND]);
});
afterAll(async () => {
  bedrock.upstream.close();
  await sts.close();
});
afterEach(() => bedrock.upstream.reset());

function config(assumeRole: string): string {
  const provider = `{bedrock: {region: us-east-1, model: "${MODEL}"}}`;
  return aiBackendConfig({ port: PORT, name: 'bedrock', provider, policies: `{backendAuth: {aws: {assumeRole: ${assumeRole}}}}` });
}

function start(file: string): Promise<GatewayProcess> {
  return GatewayProcess.start({
    args: ['-f', file, '--connect-to', `${BEDROCK_HOST}:443:127.0.0.1:${bedrock.upstream.port}`],
    env: {
      HOME: tmpdir(),
      AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'agw-none'),
      AWS_CONFIG_FILE: join(tmpdir(), 'agw-none'),
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_ACCESS_KEY_ID: SOURCE.accessKeyId,
      AWS_SECRET_ACCESS_KEY: SOURCE.secretAccessKey,
      AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${sts.port}`,
    },
  });
}

const openai = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: 'client-key-not-for-aws', maxRetries: 0 });
const ask = () => openai.chat.completions.create({ model: 'any', messages: [{ role: 'user', content: 'Hello' }] });

describe('Bedrock with backendAuth.aws.assumeRole', () => {
  it('signs with the assumed role (key, secret, session token), renews it before expiry and caches it otherwise', async () => {
    const gw = await start(config(`{roleArn: "${ROLE}", sessionName: team-a, tags: [{key: team, value: a}]}`));
    try {
      bedrock.creds = FIRST;
      expect((await ask()).choices[0]!.message.content).toBe(BEDROCK_TEXT);
      expect(sts.rejected).toEqual([]);
      expect(sts.calls).toHaveLength(1);
      expect(sts.calls[0]).toMatchObject({
        RoleArn: ROLE,
        RoleSessionName: 'team-a',
        'Tags.member.1.Key': 'team',
        'Tags.member.1.Value': 'a',
      });
      const first = bedrock.upstream.last.headers;
      expect(first.authorization).toContain(`Credential=${FIRST.accessKeyId}/`);
      expect(first['x-amz-security-token']).toBe(FIRST.sessionToken);

      // FIRST expires in 3 minutes, inside the renewal window: this request assumes the role again.
      bedrock.creds = SECOND;
      expect((await ask()).choices[0]!.message.content).toBe(BEDROCK_TEXT);
      expect(sts.calls).toHaveLength(2);
      expect(bedrock.upstream.last.headers['x-amz-security-token']).toBe(SECOND.sessionToken);

      // SECOND is good for an hour: concurrent and later requests reuse it, no STS call.
      const answers = await Promise.all([ask(), ask(), ask()]);
      for (const a of answers) expect(a.choices[0]!.message.content).toBe(BEDROCK_TEXT);
      expect(sts.calls).toHaveLength(2);
      expect(bedrock.upstream.last.headers.authorization).toContain(`Credential=${SECOND.accessKeyId}/`);
      expect(bedrock.rejected).toEqual([]);
    } finally {
      await gw.stop();
    }
    for (const s of SECRETS) expect(gw.output).not.toContain(s);
  });

  it('STS refusing the source credentials is a clear 502, and Bedrock is never called', async () => {
    const gw = await start(config(`{roleArn: "${ROLE}"}`));
    const before = sts.rejected.length;
    sts.source = { ...SOURCE, secretAccessKey: 'a-different-secret' };
    try {
      const e = await ask().catch((err) => err);
      expect(e).toBeInstanceOf(OpenAI.APIError);
      expect(e.status).toBe(502);
      expect(e.message).toContain('no AWS credentials to sign the request to bedrock');
      expect(e.message).toContain(`cannot assume ${ROLE}`);
      expect(sts.rejected.length).toBeGreaterThan(before);
      expect(bedrock.upstream.requests).toEqual([]);
    } finally {
      sts.source = SOURCE;
      await gw.stop();
    }
    for (const s of SECRETS) expect(gw.output).not.toContain(s);
  });

  it('a CEL sessionName or a malformed roleArn is refused at load with the YAML path', async () => {
    for (const [role, message] of [
      [`{roleArn: "${ROLE}", sessionName: {expression: jwt.sub}}`, 'sessionName expression is not supported'],
      ['{roleArn: bedrock-invoker}', 'roleArn must be an IAM role ARN'],
    ] as const) {
      const r = await runCli(['--validate-only', '-f', config(role)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('backendAuth.aws.assumeRole');
      expect(r.stderr).toContain(message);
    }
  });
});
