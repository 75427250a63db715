// Reads that fail when the request lacks the data (no token, claim, key, header, basic-auth user
// or model), and the defensive forms that do not.
import { describe, expect, it } from 'vitest';
import { readsOfMissingData } from '../../../src/cel/index.js';

describe('readsOfMissingData', () => {
  it.each([
    ['jwt.sub == "mallory"', ['jwt.sub']],
    ['jwt["sub"] == "mallory"', ['jwt.sub']],
    ['jwt.groups.exists(g, g == "contractors")', ['jwt.groups']],
    ['jwt.realm.roles[0] == "x"', ['jwt.realm']],
    ['apiKey.tier == "free" || jwt.sub == "x"', ['apiKey.tier', 'jwt.sub']],
    ['request.headers["x-block"] == "1"', ['request.headers["x-block"]']],
    ['request.headers[request.path] == "1"', ['request.headers[...]']],
    ['basicAuth.username == "guest"', ['basicAuth.username']],
    ['llm.requestModel.startsWith("o1")', ['llm.requestModel']],
    ['has(jwt.sub) && jwt.aud == "x"', ['jwt.aud']],
  ])('%s reads %j', (source, reads) => {
    expect(readsOfMissingData(source)).toEqual(reads);
  });

  it.each([
    'request.method == "DELETE"',
    'request.path.startsWith("/admin")',
    'source.address == "10.0.0.1"',
    'a2a.method == "tasks/cancel"',
    'has(jwt.sub) && jwt.sub == "mallory"',
    'jwt.sub == "mallory" && has(jwt.sub)',
    'default(jwt.sub, "") == "mallory"',
    'jwt.?sub.orValue("") == "mallory"',
    '"sub" in jwt && jwt.sub == "mallory"',
    '"x-block" in request.headers && request.headers["x-block"] == "1"',
    'default(request.headers["x-block"], "0") == "1"',
    'size(jwt) == 0',
  ])('%s is written defensively (or reads nothing optional)', (source) => {
    expect(readsOfMissingData(source)).toEqual([]);
  });
});
