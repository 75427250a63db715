// Which conversion a request takes: the client's format and the format the provider accepts.
import { GatewayError } from '../../errors.js';
import { completionsFromMessages } from './completions-from-messages.js';
import { converseConversion } from './converse.js';
import { cohereEmbeddings, titanEmbeddings } from './bedrock-embeddings.js';
import { embeddingsIdentity, geminiEmbeddings, vertexEmbeddings } from './embeddings.js';
import { geminiFromCompletions } from './gemini-from-completions.js';
import { geminiFromMessages } from './gemini-from-messages.js';
import { completionsIdentity, geminiIdentity, messagesIdentity } from './identity.js';
import { messagesFromCompletions } from './messages-from-completions.js';
import type { ConversionOptions } from './options.js';
import { responsesIdentity, responsesViaCompletions } from './responses.js';
import type { ApiFormat, Conversion } from './types.js';

export type { ConversionOptions } from './options.js';
export type * from './types.js';

type Pair = `${ApiFormat}->${ApiFormat}`;

/** Every supported pair; a native Gemini client reaches Gemini-speaking providers only (as in agentgateway). */
const MAKERS: Partial<Record<Pair, (options?: ConversionOptions) => Conversion>> = {
  'completions->completions': () => completionsIdentity,
  'messages->messages': () => messagesIdentity,
  'gemini->gemini': () => geminiIdentity,
  'completions->messages': messagesFromCompletions,
  'messages->completions': completionsFromMessages,
  'completions->gemini': geminiFromCompletions,
  'messages->gemini': geminiFromMessages,
  'embeddings->embeddings': () => embeddingsIdentity,
  'embeddings->gemini-embeddings': () => geminiEmbeddings,
  'embeddings->vertex-embeddings': () => vertexEmbeddings,
  'embeddings->titan-embeddings': () => titanEmbeddings,
  'embeddings->cohere-embeddings': () => cohereEmbeddings,
};

const DEFAULTS = new Map<string, Conversion>(Object.entries(MAKERS).map(([pair, make]) => [pair, make()]));

/**
 * The conversion for a client speaking `client` to a provider speaking `provider`. Without
 * options the shared, stateless instances are returned (Bedrock's excepted; each `stream()` call still makes its
 * own state machine); options (clock, id source) are for deterministic tests. A pair with no
 * conversion (a native Gemini client on an Anthropic provider) is a 400 naming the formats.
 */
export function conversionFor(client: ApiFormat, provider: ApiFormat, options?: ConversionOptions): Conversion {
  // Bedrock conversions carry per-request state (the model, the tool-name map): one per request.
  if (provider === 'converse' && (client === 'completions' || client === 'messages')) return converseConversion(client, options);
  // Responses clients reach providers without the Responses API through Chat Completions.
  if (client === 'responses') {
    if (provider === 'responses') return responsesIdentity;
    if (provider === 'messages' || provider === 'completions' || provider === 'gemini' || provider === 'converse') {
      return responsesViaCompletions(conversionFor('completions', provider, options), options);
    }
  }
  const pair: Pair = `${client}->${provider}`;
  const make = MAKERS[pair];
  if (make === undefined) {
    // The path's route type names a format this provider cannot take (400, as a malformed path).
    throw new GatewayError('invalid_path', `requests in ${client} format cannot be sent to a provider that speaks ${provider}`);
  }
  return options === undefined ? DEFAULTS.get(pair)! : make(options);
}
