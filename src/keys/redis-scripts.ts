// The Redis store's atomic steps, as Lua: the rules of ledger.ts over hashes every replica
// shares. Each script runs alone in Redis, so admission, extension and settlement of requests on
// any number of gateways are serialised exactly as the event loop serialises them in one.
//
// Keys (one hash tag, so one cluster slot): `<p>spend:<scope>` hashes with the lifetime totals
// (t_usd, t_tok, req), the current day and month (d_id, d_usd, d_tok, m_id, m_usd, m_tok) and what
// requests in flight hold (r_usd, r_tok); `<p>res` (reservation id -> its scopes and amounts) and
// `<p>resexp` (reservation ids by expiry), so a gateway that dies holding reservations does not
// hold them forever; `<p>key:<id>` / `<p>team:<name>` (rec, ver, digest), `<p>digest` (digest -> key
// id), `<p>keyids`, `<p>teams`.
//
// Budgets travel in ARGV after a fixed head: for each scope the number of budgets, then per
// budget its unit (usd|tokens), period (d|m|t), hard limit ('' for none) and soft limit ('').
// Amounts are returned as strings (Redis truncates Lua numbers to integers).

const COMMON = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local EPS = 1e-9
local function num(v) return tonumber(v) or 0 end
local function spent(key, unit, period, day, month)
  if period == 't' then return num(redis.call('HGET', key, 't_' .. unit)) end
  local want = day
  if period == 'm' then want = month end
  if redis.call('HGET', key, period .. '_id') ~= want then return 0 end
  return num(redis.call('HGET', key, period .. '_' .. unit))
end
local function unitKey(u) if u == 'usd' then return 'usd' end return 'tok' end
-- budgets: parsed from ARGV starting at index i, for n scopes (KEYS offset ko)
local function budgets(i, n, ko)
  local out = {}
  for s = 1, n do
    local nb = tonumber(ARGV[i]); i = i + 1
    local list = {}
    for b = 1, nb do
      list[b] = { unit = unitKey(ARGV[i]), period = ARGV[i + 1], limit = tonumber(ARGV[i + 2]), soft = tonumber(ARGV[i + 3]) }
      i = i + 4
    end
    out[s] = { key = KEYS[ko + s], list = list }
  end
  return out, i
end
local function release(resKey, expKey, id)
  local raw = redis.call('HGET', resKey, id)
  if raw then
    local r = cjson.decode(raw)
    for _, k in ipairs(r.s) do
      redis.call('HINCRBYFLOAT', k, 'r_usd', -r.u)
      redis.call('HINCRBYFLOAT', k, 'r_tok', -r.k)
    end
    redis.call('HDEL', resKey, id)
  end
  redis.call('ZREM', expKey, id)
end
local function headroom(sc, b, day, month)
  return b.limit - spent(sc.key, b.unit, b.period, day, month) - num(redis.call('HGET', sc.key, 'r_' .. b.unit))
end
local function eps(b) if b.unit == 'usd' then return EPS end return 0 end
-- reservations whose gateway died: released a few at a time by every admission
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 16)) do release(KEYS[1], KEYS[2], id) end
`;

/**
 * KEYS: res, resexp, spend(scope 1..n), record(1..m). ARGV: resId, ttlMs, day, month, estUsd,
 * estTok, n, m, budgets..., then m expected versions, then mayWait ('1' | '0': see ledger.ts, admit).
 * Returns {'ok', usd, tok} | {'stale', i} | {'exhausted', scope, budget, spent} | {'short'}.
 */
export const ADMIT = `${COMMON}
local n, m = tonumber(ARGV[7]), tonumber(ARGV[8])
local scopes, i = budgets(9, n, 2)
for r = 1, m do
  if redis.call('HGET', KEYS[2 + n + r], 'ver') ~= ARGV[i + r - 1] then return { 'stale', tostring(r) } end
end
local day, month = ARGV[3], ARGV[4]
local g = { usd = tonumber(ARGV[5]), tok = tonumber(ARGV[6]) }
local mayWait = ARGV[#ARGV] == '1'
for s, sc in ipairs(scopes) do
  for b, bu in ipairs(sc.list) do
    if bu.limit then
      local left = headroom(sc, bu, day, month)
      if left <= eps(bu) then return { 'exhausted', tostring(s), tostring(b), tostring(bu.limit - left) } end
    end
  end
end
for s, sc in ipairs(scopes) do
  for b, bu in ipairs(sc.list) do
    if bu.limit then
      local left = headroom(sc, bu, day, month)
      if left < g[bu.unit] then
        if mayWait and num(redis.call('HGET', sc.key, 'r_' .. bu.unit)) > eps(bu) then return { 'short' } end
        g[bu.unit] = left
      end
    end
  end
end
local keys = {}
for s, sc in ipairs(scopes) do
  redis.call('HINCRBYFLOAT', sc.key, 'r_usd', g.usd)
  redis.call('HINCRBYFLOAT', sc.key, 'r_tok', g.tok)
  keys[s] = sc.key
end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode({ s = keys, u = g.usd, k = g.tok }))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return { 'ok', tostring(g.usd), tostring(g.tok) }
`;

/** KEYS: res, resexp, spend... ARGV: resId, ttlMs, day, month, wantUsd, wantTok, n, budgets... -> {usd, tok}. */
export const EXTEND = `${COMMON}
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return { '0', '0' } end
local n = tonumber(ARGV[7])
local scopes = budgets(8, n, 2)
local day, month = ARGV[3], ARGV[4]
local g = { usd = math.max(0, tonumber(ARGV[5])), tok = math.max(0, tonumber(ARGV[6])) }
for _, sc in ipairs(scopes) do
  for _, bu in ipairs(sc.list) do
    if bu.limit then
      local left = math.max(0, headroom(sc, bu, day, month))
      if left <= eps(bu) then left = 0 end
      if left < g[bu.unit] then g[bu.unit] = left end
    end
  end
end
local r = cjson.decode(raw)
for _, k in ipairs(r.s) do
  redis.call('HINCRBYFLOAT', k, 'r_usd', g.usd)
  redis.call('HINCRBYFLOAT', k, 'r_tok', g.tok)
end
r.u = r.u + g.usd
r.k = r.k + g.tok
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(r))
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return { tostring(g.usd), tostring(g.tok) }
`;

/**
 * KEYS: res, resexp, spend... ARGV: resId ('' for none), day, month, usd, tok, inDay (1|0),
 * inMonth (1|0), requests, n, budgets... Returns the soft limits crossed: {scope, budget, spent}...
 */
export const SETTLE = `${COMMON}
if ARGV[1] ~= '' then release(KEYS[1], KEYS[2], ARGV[1]) end
local day, month = ARGV[2], ARGV[3]
local usd, tok = tonumber(ARGV[4]), tonumber(ARGV[5])
local n = tonumber(ARGV[9])
local scopes = budgets(10, n, 2)
local out = {}
for s, sc in ipairs(scopes) do
  local before = {}
  for b, bu in ipairs(sc.list) do before[b] = spent(sc.key, bu.unit, bu.period, day, month) end
  local k = sc.key
  if (redis.call('HGET', k, 'd_id') or '') < day then redis.call('HSET', k, 'd_id', day, 'd_usd', 0, 'd_tok', 0) end
  if (redis.call('HGET', k, 'm_id') or '') < month then redis.call('HSET', k, 'm_id', month, 'm_usd', 0, 'm_tok', 0) end
  redis.call('HINCRBYFLOAT', k, 't_usd', usd)
  redis.call('HINCRBYFLOAT', k, 't_tok', tok)
  redis.call('HINCRBY', k, 'req', tonumber(ARGV[8]))
  redis.call('HSET', k, 'last', now)
  if ARGV[6] == '1' and redis.call('HGET', k, 'd_id') == day then
    redis.call('HINCRBYFLOAT', k, 'd_usd', usd)
    redis.call('HINCRBYFLOAT', k, 'd_tok', tok)
  end
  if ARGV[7] == '1' and redis.call('HGET', k, 'm_id') == month then
    redis.call('HINCRBYFLOAT', k, 'm_usd', usd)
    redis.call('HINCRBYFLOAT', k, 'm_tok', tok)
  end
  for b, bu in ipairs(sc.list) do
    if bu.soft then
      local after = spent(k, bu.unit, bu.period, day, month)
      if before[b] < bu.soft and after >= bu.soft then
        out[#out + 1] = tostring(s); out[#out + 1] = tostring(b); out[#out + 1] = tostring(after)
      end
    end
  end
end
return out
`;

/** KEYS: digest. ARGV: digest, key prefix. -> {id, rec, ver} or nil. */
export const FIND = `
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return nil end
local h = redis.call('HMGET', ARGV[2] .. id, 'rec', 'ver')
if not h[1] then return nil end
return { id, h[1], h[2] }
`;

/**
 * KEYS: digest, key:<id>, keyids. ARGV: id, digest, rec (JSON), channel. Creates or replaces a key
 * (a rotation drops the old digest), bumps its version, tells the other replicas. -> ver | 'clash'.
 */
export const PUT_KEY = `
local clash = redis.call('HGET', KEYS[1], ARGV[2])
if clash and clash ~= ARGV[1] then return 'clash' end
local old = redis.call('HGET', KEYS[2], 'digest')
if old and old ~= ARGV[2] then redis.call('HDEL', KEYS[1], old) end
local ver = redis.call('HINCRBY', KEYS[2], 'ver', 1)
redis.call('HSET', KEYS[2], 'rec', ARGV[3], 'digest', ARGV[2])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[4], 'key ' .. ARGV[1] .. ' ' .. ARGV[2] .. ' ' .. (old or ''))
return tostring(ver)
`;

/** KEYS: team:<name>, teams. ARGV: name, rec, channel. -> ver. */
export const PUT_TEAM = `
local ver = redis.call('HINCRBY', KEYS[1], 'ver', 1)
redis.call('HSET', KEYS[1], 'rec', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('PUBLISH', ARGV[3], 'team ' .. ARGV[1])
return tostring(ver)
`;
