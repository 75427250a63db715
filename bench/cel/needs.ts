// Expressions written for what the gateway needs from CEL, beyond the conformance suite's
// view: rules over JWT claims, headers and paths; macros; int/uint/double arithmetic with
// overflow errors; missing keys; optional fields; timestamps. Values use the cel-spec JSON
// form so every candidate gets the same input.
import type { PbValue } from './conformance.js';

export interface Need {
  expr: string;
  bindings: Record<string, PbValue>;
  expect: PbValue | 'error';
}

const str = (v: string) => ({ stringValue: v });
const int = (v: number | string) => ({ int64Value: String(v) });
const bool = (v: boolean) => ({ boolValue: v });
const list = (...values: PbValue[]) => ({ listValue: { values } });
const map = (o: Record<string, PbValue>) => ({ mapValue: { entries: Object.entries(o).map(([k, value]) => ({ key: str(k), value })) } });

const jwt = map({
  sub: str('alice'),
  scope: str('openid mcp:read'),
  email: str('alice@example.com'),
  groups: list(str('dev'), str('ops')),
  exp: int(1900000000),
  nested: map({ tier: str('gold') }),
});
const request = map({
  method: str('POST'),
  path: str('/v1/chat/completions'),
  headers: map({ 'x-tenant': str('acme'), 'user-agent': str('curl/8.0') }),
});
const B = { jwt, request };

export const NEEDS: Need[] = [
  { expr: 'jwt.scope.contains("mcp:read")', bindings: B, expect: bool(true) },
  { expr: 'jwt.email.endsWith("@example.com") && jwt.sub.startsWith("al")', bindings: B, expect: bool(true) },
  { expr: 'request.path.matches("^/v1/(chat|messages)")', bindings: B, expect: bool(true) },
  { expr: 'request.headers["x-tenant"] == "acme"', bindings: B, expect: bool(true) },
  { expr: '"x-missing" in request.headers', bindings: B, expect: bool(false) },
  { expr: 'request.headers["x-missing"] == "a"', bindings: B, expect: 'error' },
  { expr: 'has(jwt.email)', bindings: B, expect: bool(true) },
  { expr: 'has(jwt.phone)', bindings: B, expect: bool(false) },
  { expr: 'has(jwt.nested.tier) && jwt.nested.tier == "gold"', bindings: B, expect: bool(true) },
  { expr: 'jwt.groups.exists(g, g == "ops")', bindings: B, expect: bool(true) },
  { expr: 'jwt.groups.all(g, g.size() == 3)', bindings: B, expect: bool(true) },
  { expr: 'jwt.groups.map(g, g + "!")', bindings: B, expect: list(str('dev!'), str('ops!')) },
  { expr: 'jwt.groups.filter(g, g.startsWith("o"))', bindings: B, expect: list(str('ops')) },
  { expr: 'jwt.groups.exists_one(g, g == "dev")', bindings: B, expect: bool(true) },
  { expr: '"dev" in jwt.groups && size(jwt.groups) == 2', bindings: B, expect: bool(true) },
  { expr: 'jwt.exp > 1700000000', bindings: B, expect: bool(true) },
  { expr: '9223372036854775807 + 1', bindings: {}, expect: 'error' },
  { expr: '-9223372036854775808 - 1', bindings: {}, expect: 'error' },
  { expr: '0u - 1u', bindings: {}, expect: 'error' },
  { expr: '1 / 0', bindings: {}, expect: 'error' },
  { expr: '7 / 2', bindings: {}, expect: int(3) },
  { expr: '7.0 / 2.0', bindings: {}, expect: { doubleValue: 3.5 } },
  { expr: '1 + 1.0', bindings: {}, expect: 'error' },
  { expr: 'int("42") + 1', bindings: {}, expect: int(43) },
  { expr: 'string(42) + "x"', bindings: {}, expect: str('42x') },
  { expr: 'request.method == "POST" ? "w" : "r"', bindings: B, expect: str('w') },
  { expr: 'jwt.?phone.orValue("none")', bindings: B, expect: str('none') },
  { expr: 'timestamp("2024-01-01T00:00:00Z") < timestamp("2025-06-01T12:00:00Z")', bindings: {}, expect: bool(true) },
  { expr: 'duration("1h") > duration("30m")', bindings: {}, expect: bool(true) },
  { expr: 'jwt.sub == 1', bindings: B, expect: bool(false) },
  { expr: 'request.headers["user-agent"].split("/")[0]', bindings: B, expect: str('curl') },
  { expr: 'jwt.sub.lowerAscii() == "alice"', bindings: B, expect: bool(true) },
];
