// The two provider stand-ins most e2e suites need, around the whole file: TLS mocks for
// api.openai.com and api.anthropic.com started before the suite's own hooks run, reset after
// every test, closed at the end.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { MockUpstream, providerMockArgs } from './mock-upstream.js';

export interface ProviderMocks {
  openai: MockUpstream;
  anthropic: MockUpstream;
  /** `--connect-to` arguments pointing the provider hosts at the mocks. */
  args(): string[];
}

export function useProviderMocks(): ProviderMocks {
  const mocks = { args: () => providerMockArgs(mocks.openai, mocks.anthropic) } as ProviderMocks;
  beforeAll(async () => {
    [mocks.openai, mocks.anthropic] = await Promise.all([MockUpstream.start(), MockUpstream.start()]);
  });
  afterAll(async () => {
    await Promise.all([mocks.openai.close(), mocks.anthropic.close()]);
  });
  afterEach(() => {
    mocks.openai.reset();
    mocks.anthropic.reset();
  });
  return mocks;
}
