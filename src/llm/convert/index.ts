// Which conversion a request takes: the client's format and the format the provider accepts.
import { completionsFromMessages } from './completions-from-messages.js';
import { converseConversion } from './converse.js';
import { completionsIdentity, messagesIdentity } from './identity.js';
import { messagesFromCompletions } from './messages-from-completions.js';
import type { ConversionOptions } from './options.js';
import type { ApiFormat, Conversion } from './types.js';

export type { ConversionOptions } from './options.js';
export type * from './types.js';

type Stateless = 'completions' | 'messages';

const DEFAULTS = {
  'completions->completions': completionsIdentity,
  'messages->messages': messagesIdentity,
  'completions->messages': messagesFromCompletions(),
  'messages->completions': completionsFromMessages(),
} satisfies Record<`${Stateless}->${Stateless}`, Conversion>;

/**
 * The conversion for a client speaking `client` to a provider speaking `provider`. Without
 * options the shared, stateless instances are returned (Bedrock's excepted) (each `stream()` call still makes its
 * own state machine); options (clock, id source) are for deterministic tests.
 */
export function conversionFor(client: ApiFormat, provider: ApiFormat, options?: ConversionOptions): Conversion {
  // Bedrock conversions carry per-request state (the model, the tool-name map): one per request.
  if (provider === 'converse') return converseConversion(client, options);
  if (client === 'converse') throw new Error('Bedrock Converse clients are served by pass-through routes');
  if (options === undefined) return DEFAULTS[`${client}->${provider}`];
  if (client === provider) return client === 'completions' ? completionsIdentity : messagesIdentity;
  return client === 'completions' ? messagesFromCompletions(options) : completionsFromMessages(options);
}
