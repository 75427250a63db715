import { formatPath, type Provider } from './types.js';

export const openai: Provider = {
  name: 'openai',
  formats: ['completions', 'responses', 'embeddings'],
  host: 'api.openai.com',
  port: 443,
  basePath: '/v1',
  path: formatPath,
  credential: (key) => ({ name: 'authorization', value: `Bearer ${key}` }),
  requiredHeaders: [],
};
