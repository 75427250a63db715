import { formatPath, type Provider } from './types.js';

export const ANTHROPIC_VERSION = '2023-06-01';

export const anthropic: Provider = {
  name: 'anthropic',
  formats: ['messages'],
  host: 'api.anthropic.com',
  port: 443,
  basePath: '/v1',
  path: formatPath,
  credential: (key) => ({ name: 'x-api-key', value: key }),
  requiredHeaders: [['anthropic-version', ANTHROPIC_VERSION]],
  countTokensPath: '/messages/count_tokens',
};

/**
 * A client that sends `Authorization: Bearer <key>` to Anthropic (OpenAI SDK habits) gets it
 * moved to `x-api-key`, except OAuth tokens (`sk-ant-oat…`), which Anthropic takes as Bearer.
 */
export function anthropicKeyFromBearer(authorization: string): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(authorization);
  if (!m || m[1]!.startsWith('sk-ant-oat')) return undefined;
  return m[1];
}
