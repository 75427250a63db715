export { anthropic, ANTHROPIC_VERSION } from './anthropic.js';
export { bedrockProvider, BEDROCK_SERVICE, type BedrockSettings } from './aws/bedrock.js';
export { azureProvider, type AzureSettings } from './azure/azure.js';
export { gemini } from './google/gemini.js';
export { vertexProvider, type VertexSettings } from './google/vertex.js';
export { mock, mockModels, mockRespond, mockRespondVia, type MockReply, type MockSettings } from './mock.js';
export { openai } from './openai.js';
export { PRESET_NAMES, presetProvider, type PresetName } from './presets.js';
export { providerFormat, type Provider, type UpstreamRequest } from './types.js';
