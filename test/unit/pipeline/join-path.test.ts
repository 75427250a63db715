// Upstream paths: a configured pathPrefix and the provider path join with exactly one slash.
import { describe, expect, it } from 'vitest';
import { joinPath } from '../../../src/pipeline/forward.js';

describe('joinPath', () => {
  it.each([
    ['/v1/custom/', '/chat/completions', '/v1/custom/chat/completions'],
    ['/v1/custom', '/chat/completions', '/v1/custom/chat/completions'],
    ['/v1/custom//', '/messages', '/v1/custom/messages'],
    ['/', '/chat/completions', '/chat/completions'],
    ['', '/chat/completions', '/chat/completions'],
    ['/compat/v1', 'models', '/compat/v1/models'],
    ['/compat/v1/', '', '/compat/v1/'],
  ])('%s + %s = %s', (prefix, rest, joined) => {
    expect(joinPath(prefix, rest)).toBe(joined);
  });
});
