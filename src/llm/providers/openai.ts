import { formatPath, type Provider } from './types.js';

export const openai: Provider = {
  name: 'openai',
  formats: ['completions'],
  host: 'api.openai.com',
  port: 443,
  basePath: '/v1',
  path: formatPath,
  credentialHeaders: (key) => [['authorization', `Bearer ${key}`]],
  credentialHeaderNames: ['authorization'],
  requiredHeaders: [],
};
