export { anthropic, anthropicKeyFromBearer, ANTHROPIC_VERSION } from './anthropic.js';
export { mock, mockModels, mockRespond, type MockReply, type MockSettings } from './mock.js';
export { openai } from './openai.js';
export type { Provider } from './types.js';
