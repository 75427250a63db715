// Compiles a header rule spec once, at config load, into the normalized program both header
// rewriters run: a drop set, an optional Connection-listed drop, then a fixed list of pairs to
// append. `set` is "drop + append", `add` is "append", `remove` is "drop", and credential
// injection is "drop the client's credentials + append ours". Validation happens here, so a bad
// configured header is a config error, never a runtime surprise.
import { inspect } from 'node:util';
import {
  CLIENT_CREDENTIAL_HEADERS,
  REQUEST_DROP_DEFAULT,
  RESPONSE_DROP_DEFAULT,
  type CompiledHeaderRulesLike,
  type HeaderRuleSpec,
} from '../native/types.js';

/** RFC 9110 token. */
export const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A control character other than HTAB: not allowed in an RFC 9110 field value. */
export const INVALID_VALUE_CHAR = /[\0-\x08\x0a-\x1f\x7f]/;

/** A configured header the gateway cannot send. `path` names the spec field, e.g. `set.x-team`. */
/** Headers whose configured values are redacted from config dumps, whatever rule sets them. */
const SENSITIVE_NAMES = [...CLIENT_CREDENTIAL_HEADERS, 'proxy-authorization', 'cookie'];

export class HeaderRuleError extends Error {
  readonly code = 'AGW_HEADER_RULE';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export class CompiledHeaderRules implements CompiledHeaderRulesLike {
  readonly drop: ReadonlySet<string>;
  readonly dropByLength: readonly (readonly Uint8Array[] | undefined)[];
  readonly append: readonly string[];
  readonly appendBuffers: readonly Uint8Array[];

  constructor(
    drop: ReadonlySet<string>,
    readonly dropConnectionListed: boolean,
    append: readonly string[],
    private readonly secretNames: ReadonlySet<string>,
  ) {
    this.drop = drop;
    this.dropByLength = byLength(drop);
    this.append = Object.freeze([...append]);
    this.appendBuffers = Object.freeze(append.map((s) => Buffer.from(s, 'latin1')));
    Object.freeze(this);
  }

  /** Config dumps and logs show the rule shape, never the credential. */
  toJSON(): unknown {
    const pairs: [string, string][] = [];
    for (let i = 0; i < this.append.length; i += 2) {
      const name = this.append[i]!;
      pairs.push([name, this.secretNames.has(name) ? '<redacted>' : this.append[i + 1]!]);
    }
    return { drop: [...this.drop], dropConnectionListed: this.dropConnectionListed, append: pairs };
  }

  [inspect.custom](): unknown {
    return this.toJSON();
  }
}

export function compileHeaderRules(spec: HeaderRuleSpec): CompiledHeaderRules {
  const managed = (spec.drop ?? (spec.direction === 'request' ? REQUEST_DROP_DEFAULT : RESPONSE_DROP_DEFAULT)).map((n, i) =>
    headerName(n, `drop[${i}]`),
  );
  const drop = new Set(managed);
  (spec.remove ?? []).forEach((n, i) => drop.add(headerName(n, `remove[${i}]`)));

  const append: string[] = [];
  const setPairs = pairsOf(spec.set, 'set', managed);
  const addPairs = pairsOf(spec.add, 'add', managed);
  for (const [name] of setPairs) drop.add(name);

  const secretNames = new Set<string>(SENSITIVE_NAMES);
  let credentialName: string | undefined;
  if (spec.credential !== undefined) {
    credentialName = headerName(spec.credential.name, 'credential.name');
    // The message must not echo the value: it is a secret.
    if (INVALID_VALUE_CHAR.test(spec.credential.value)) {
      throw new HeaderRuleError('credential.value', 'contains a control character (CR, LF, NUL, ...)');
    }
    drop.add(credentialName);
    (spec.clientCredentialHeaders ?? CLIENT_CREDENTIAL_HEADERS).forEach((n, i) => drop.add(headerName(n, `clientCredentialHeaders[${i}]`)));
    secretNames.add(credentialName);
  }
  for (const [name, value] of [...setPairs, ...addPairs]) {
    if (name !== credentialName) append.push(name, value);
  }
  if (spec.credential !== undefined && credentialName !== undefined) append.push(credentialName, spec.credential.value);
  return new CompiledHeaderRules(drop, spec.dropConnectionListed ?? true, append, secretNames);
}

function headerName(name: string, path: string): string {
  if (!TOKEN.test(name)) throw new HeaderRuleError(path, `${JSON.stringify(name)} is not a valid header name`);
  return name.toLowerCase();
}

/** Validated, lowercased pairs of a set/add map; names must be unique and not gateway-managed. */
function pairsOf(map: Readonly<Record<string, string>> | undefined, field: string, managed: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  const seen = new Set<string>();
  for (const [raw, value] of Object.entries(map ?? {})) {
    const path = `${field}.${raw}`;
    const name = headerName(raw, path);
    if (managed.includes(name)) throw new HeaderRuleError(path, `${name} is managed by the gateway and cannot be ${field}`);
    if (seen.has(name)) throw new HeaderRuleError(path, `${name} appears twice (names are case-insensitive)`);
    if (typeof value !== 'string') throw new HeaderRuleError(path, 'value must be a string');
    if (INVALID_VALUE_CHAR.test(value)) throw new HeaderRuleError(path, 'value contains a control character (CR, LF, NUL, ...)');
    seen.add(name);
    pairs.push([name, value]);
  }
  return pairs;
}

function byLength(names: ReadonlySet<string>): (Uint8Array[] | undefined)[] {
  const out: (Uint8Array[] | undefined)[] = [];
  for (const n of names) (out[n.length] ??= []).push(Buffer.from(n, 'latin1'));
  return out;
}
