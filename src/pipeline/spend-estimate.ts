// What a request to a virtual key is expected to cost, before it is sent: its input counted
// with the o200k tokenizer, its output taken as max_tokens (or the config's typical output when
// it sets none), priced with the model catalog. Counting a long prompt costs CPU (~70 µs per
// KB), so it is done only when a decision depends on it: for a key or team with a hard budget
// (the reservation), and for a cost cap when even the cheapest bound (every byte a token) could
// exceed it.
import { GatewayError } from '../errors.js';
import type { Json } from '../llm/convert/types.js';
import { countPrompt, o200k, o200kNow, promptTexts, type Count } from '../llm/tokens.js';
import type { Rates } from '../observability/cost.js';
import type { VirtualKeyHit } from '../policies/virtual-keys.js';
import type { Amount } from '../keys/types.js';

export const MAX_COST_HEADER = 'x-agentgateway-max-cost';

export interface Estimate {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly amount: Amount;
}

/** The request's cap: the lowest of the key's, its team's, the config's and the client's header. */
export function capOf(hit: VirtualKeyHit, header: string | undefined): number | undefined {
  if (header === undefined) return hit.maxCostPerRequest;
  const v = Number(header.trim());
  if (header.trim() === '' || !Number.isFinite(v) || v <= 0) {
    throw new GatewayError('invalid_field', `${MAX_COST_HEADER} must be a positive number of US dollars (e.g. 0.25)`, {
      param: MAX_COST_HEADER,
    });
  }
  return hit.maxCostPerRequest === undefined ? v : Math.min(v, hit.maxCostPerRequest);
}

export function outputTokensOf(body: Json, typical: number): number {
  for (const f of ['max_completion_tokens', 'max_tokens'] as const) {
    const v = body[f];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v);
  }
  return typical;
}

function priced(input: number, output: number, rates: Rates | undefined): Estimate {
  const usd = rates === undefined ? 0 : input * rates.input + output * rates.output;
  return { inputTokens: input, outputTokens: output, amount: { usd, tokens: input + output } };
}

/**
 * The estimate, or a refusal when it exceeds the cap. `exact`: the input must be counted (a hard
 * budget applies). May wait once for the tokenizer to load.
 */
export function estimate(
  body: Json,
  output: number,
  rates: Rates | undefined,
  cap: number | undefined,
  exact: boolean,
): Estimate | null | Promise<Estimate | null> {
  const count = o200kNow();
  if (!exact && cap !== undefined) {
    // The most the input can be is one token per byte: if even that fits, no counting is needed.
    const bytes = promptTexts(body).reduce((n, t) => n + Buffer.byteLength(t), 0);
    const bound = priced(bytes + 3 * (Array.isArray(body.messages) ? body.messages.length : 0) + 3, output, rates);
    if (bound.amount.usd <= cap) return null;
  }
  if (!exact && cap === undefined) return null;
  const run = (c: Count) => checked(priced(countPrompt(body, c), output, rates), cap);
  return count !== null ? run(count) : o200k().then(run);
}

function checked(e: Estimate, cap: number | undefined): Estimate {
  if (cap !== undefined && e.amount.usd > cap) {
    throw new GatewayError(
      'cost_cap_exceeded',
      `the request's estimated cost $${fmt(e.amount.usd)} (${e.inputTokens} input tokens, ${e.outputTokens} output tokens at most) exceeds its cap of $${fmt(cap)} (${MAX_COST_HEADER} or maxCostPerRequest); lower max_tokens or shorten the prompt`,
    );
  }
  return e;
}

export function fmt(usd: number): string {
  return usd >= 1 ? usd.toFixed(2) : usd.toPrecision(3).replace(/\.?0+$/, '');
}
