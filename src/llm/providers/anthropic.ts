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
  // OpenAI-style clients send their Anthropic key as a Bearer token: it goes in x-api-key,
  // except OAuth tokens (`sk-ant-oat…`), which Anthropic takes as Bearer.
  relocateBearer: (token: string) => (token.startsWith('sk-ant-oat') ? undefined : 'x-api-key'),
  requiredHeaders: [['anthropic-version', ANTHROPIC_VERSION]],
  countTokensPath: '/messages/count_tokens',
};
