// Token usage in one shape for every API format. Providers count differently:
// OpenAI's prompt_tokens include cached tokens, Anthropic's input_tokens exclude cache reads
// and writes. `inputTokens` here is always the *total* prompt (OpenAI's convention), with the
// cached and cache-write parts kept apart so cost and metrics can price them separately.
export interface Usage {
  /** All prompt tokens, including cache reads and cache writes. */
  inputTokens: number;
  outputTokens: number;
  /** Prompt tokens served from the provider's cache. */
  cacheReadTokens?: number;
  /** Prompt tokens written to the provider's cache (Anthropic cache_creation_input_tokens). */
  cacheWriteTokens?: number;
  /** Output tokens spent on reasoning/thinking, when the provider reports them. */
  reasoningTokens?: number;
}

/**
 * Reports usage exactly once per request, whichever comes first: the final stream event, the
 * response body, or the end of the request (client abort, upstream failure) with what was seen.
 */
export class UsageGuard {
  private reported = false;
  private latest: Usage | undefined;
  /** `sink.tokens` receives the report (an object, not a callback: no closure per request). */
  constructor(private readonly sink: { tokens: Usage | undefined }) {}

  /** Record what has been seen so far (later calls replace earlier ones). */
  observe(u: Usage): void {
    this.latest = u;
  }

  get current(): Usage | undefined {
    return this.latest;
  }

  /** Report now; later calls are no-ops. */
  finish(): void {
    if (this.reported) return;
    this.reported = true;
    this.sink.tokens = this.latest;
  }
}
