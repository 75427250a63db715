import { describe, expect, it } from 'vitest';
import { hasScheme, Namer, parseServerRequestId, serverRequestId } from '../../../src/mcp/names.js';

describe('federated names (agentgateway multiplexing rules)', () => {
  it('one target, prefixMode conditional: names and URIs pass through', () => {
    const n = new Namer(['only'], 'conditional');
    expect(n.defaultTarget).toBe('only');
    expect(n.outName('only', 'echo')).toBe('echo');
    expect(n.inName('echo')).toEqual({ target: 'only', name: 'echo' });
    expect(n.outUri('only', 'file:///a')).toBe('file:///a');
    expect(n.inUri('file:///a')).toEqual({ target: 'only', uri: 'file:///a' });
  });

  it('one target, prefixMode always: prefixed like a federation', () => {
    const n = new Namer(['only'], 'always');
    expect(n.outName('only', 'echo')).toBe('only_echo');
    expect(n.inName('only_echo')).toEqual({ target: 'only', name: 'echo' });
    expect(n.outUri('only', 'memo:x')).toBe('only+memo:x');
  });

  it('several targets: the first _ splits target and name; unknown targets name nothing', () => {
    const n = new Namer(['web', 'local'], 'conditional');
    expect(n.outName('web', 'get_user')).toBe('web_get_user');
    expect(n.inName('web_get_user')).toEqual({ target: 'web', name: 'get_user' });
    expect(n.inName('other_echo')).toBeNull();
    expect(n.inName('echo')).toBeNull();
    expect(n.inName('_echo')).toBeNull();
  });

  it('URIs with a scheme are namespaced, relative references are not', () => {
    const n = new Namer(['web', 'local'], 'conditional');
    expect(n.outUri('web', 'http://example.com/x')).toBe('web+http://example.com/x');
    expect(n.outUri('web', 'svn+ssh://host/repo')).toBe('web+svn+ssh://host/repo');
    expect(n.outUri('web', 'relative/path')).toBe('relative/path');
    expect(n.inUri('web+svn+ssh://host/repo')).toEqual({ target: 'web', uri: 'svn+ssh://host/repo' });
    expect(n.inUri('nope+memo:x')).toBeNull();
    expect(hasScheme('urn:uuid:1')).toBe(true);
    expect(hasScheme('/abs')).toBe(false);
  });

  it('prefixMode never with several targets: names are looked up', () => {
    const n = new Namer(['a', 'b'], 'never');
    expect(n.lookup).toBe(true);
    expect(n.prefixed).toBe(false);
    expect(n.outName('a', 'echo')).toBe('echo');
    expect(n.inName('echo')).toEqual({ target: '', name: 'echo' });
  });

  it('server-to-client request ids round-trip with their type', () => {
    expect(serverRequestId('web', 0)).toBe('agw_web_n_0');
    expect(serverRequestId('web', 'a_b')).toBe('agw_web_s_a_b');
    expect(parseServerRequestId('agw_web_n_7')).toEqual({ target: 'web', original: 7 });
    expect(parseServerRequestId('agw_web_s_a_b')).toEqual({ target: 'web', original: 'a_b' });
    expect(parseServerRequestId('agw_web_n_x')).toBeNull();
    expect(parseServerRequestId(3)).toBeNull();
    expect(parseServerRequestId('client-id')).toBeNull();
  });
});
