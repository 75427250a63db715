// A mock AWS STS endpoint speaking STS's Query wire format: a form-encoded POST
// (Action=AssumeRole&Version=2011-06-15&RoleArn=...), SigV4-signed for service `sts` with the
// caller's source credentials (checked with the known secret), answered with the documented
// AssumeRoleResponse XML (docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html) or an
// ErrorResponse. Each AssumeRole call hands out the next queued set of temporary credentials.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type KnownCredentials, verifySigV4 } from './sigv4-verify.js';

export interface IssuedCredentials extends Required<KnownCredentials> {
  /** When the credentials expire. */
  expiration: Date;
}

export interface StsMock {
  readonly port: number;
  /** Source credentials the caller must sign with. */
  source: KnownCredentials;
  /** Credentials handed out by the next calls, in order (the last one repeats). */
  issue: IssuedCredentials[];
  /** The decoded form of each AssumeRole call received. */
  readonly calls: Record<string, string>[];
  /** Why rejected calls were rejected. */
  readonly rejected: string[];
  close(): Promise<void>;
}

function xmlError(code: string, message: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-4000-8000-00000000e000</RequestId></ErrorResponse>`;
}

function assumeRoleXml(form: Record<string, string>, c: IssuedCredentials): string {
  const role = (form.RoleArn ?? '').split('/').pop();
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::123456789012:assumed-role/${role}/${form.RoleSessionName}</Arn>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:${form.RoleSessionName}</AssumedRoleId>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${c.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${c.secretAccessKey}</SecretAccessKey>
      <SessionToken>${c.sessionToken}</SessionToken>
      <Expiration>${c.expiration.toISOString().replace(/\.\d+Z$/, 'Z')}</Expiration>
    </Credentials>
    <PackedPolicySize>6</PackedPolicySize>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>`;
}

export async function startStsMock(source: KnownCredentials, issue: IssuedCredentials[]): Promise<StsMock> {
  const mock = { source, issue, calls: [] as Record<string, string>[], rejected: [] as string[] } as StsMock;
  let served = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const send = (status: number, xml: string) => {
        res.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(xml) });
        res.end(xml);
      };
      const verdict = verifySigV4({ method: req.method ?? '', url: req.url ?? '', headers, body }, mock.source);
      if (!verdict.ok || verdict.service !== 'sts') {
        const reason = verdict.ok ? `signed for ${verdict.service}, not sts` : verdict.reason;
        mock.rejected.push(reason);
        return send(403, xmlError('SignatureDoesNotMatch', reason));
      }
      if (!String(headers['content-type']).startsWith('application/x-www-form-urlencoded')) {
        mock.rejected.push(`content-type ${headers['content-type']}`);
        return send(400, xmlError('InvalidAction', 'expected a form-encoded Query request'));
      }
      const form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
      if (form.Action !== 'AssumeRole' || form.Version !== '2011-06-15') {
        return send(400, xmlError('InvalidAction', `unknown action ${form.Action}`));
      }
      mock.calls.push(form);
      const c = mock.issue[Math.min(served++, mock.issue.length - 1)]!;
      send(200, assumeRoleXml(form, c));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(mock, {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
