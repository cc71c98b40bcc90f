-- wrk script for the endpoint load runs (bench/endpoint.mjs): each request carries its own legacy
-- token (the reference endpoint exchanges a credential at most once), read from a file of one
-- token per line. When the tokens run out, the connections idle instead of replaying tokens, and
-- the time of that moment is kept, so that exchanges per second count only the time under load.
--
-- Arguments (after `--`): <token file> <format: form|json> <client_id> <number of wrk threads>
-- <run id> (in the idempotency keys: a key sent again with another token is refused)
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
  int clock_gettime(int clock, bench_timespec *t);
]]
local function now_ms()
  local t = ffi.new("bench_timespec")
  ffi.C.clock_gettime(1, t) -- CLOCK_MONOTONIC
  return tonumber(t.tv_sec) * 1000 + tonumber(t.tv_nsec) / 1e6
end

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local tokens, format, client_id, stride, run = {}, "form", "", 1, "run"
local index = 0
started_ms, exhausted_ms, sent, statuses_text = 0, 0, 0, ""
local statuses = {}

local function urlencode(text)
  return (text:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  format, client_id, stride, run = args[2] or "form", args[3] or "", tonumber(args[4] or "1"), args[5] or "run"
  for line in io.lines(args[1]) do
    if #line > 0 then tokens[#tokens + 1] = line end
  end
  -- Threads take every n-th token, starting at their own id, so no two send the same one.
  index = id - 1
end

function delay()
  if index >= #tokens then
    if exhausted_ms == 0 then exhausted_ms = now_ms() end
    return 60000
  end
  return 0
end

function request()
  if started_ms == 0 then started_ms = now_ms() end
  local token = tokens[index + 1]
  if token == nil then
    return wrk.format("GET", "/healthz")
  end
  index = index + stride
  sent = sent + 1
  if format == "json" then
    return wrk.format("POST", nil, { ["Content-Type"] = "application/json" },
      '{"accessToken":"' .. token .. '"}')
  end
  local body = "grant_type=" .. urlencode("urn:ietf:params:oauth:grant-type:token-exchange")
    .. "&client_id=" .. urlencode(client_id)
    .. "&subject_token=" .. token
    .. "&subject_token_type=" .. urlencode("urn:ietf:params:oauth:token-type:access_token")
    .. "&requested_token_type=" .. urlencode("urn:ietf:params:oauth:token-type:refresh_token")
    .. "&idempotency_key=bench-" .. run .. "-" .. id .. "-" .. sent
  return wrk.format("POST", nil, { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local parts = {}
  for code, count in pairs(statuses) do parts[#parts + 1] = '"' .. code .. '":' .. count end
  statuses_text = table.concat(parts, ",")
end

function done(summary, latency, requests)
  local first, last, total_sent = nil, 0, 0
  local merged = {}
  for _, thread in ipairs(threads) do
    local s, e = thread:get("started_ms"), thread:get("exhausted_ms")
    if s > 0 and (first == nil or s < first) then first = s end
    if e > last then last = e end
    total_sent = total_sent + thread:get("sent")
    merged[#merged + 1] = thread:get("statuses_text")
  end
  local p = {}
  for _, q in ipairs({ 50, 90, 99, 99.9 }) do
    p[#p + 1] = string.format('"%s":%.3f', tostring(q), latency:percentile(q) / 1000)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_ms":%.1f,"started_ms":%.3f,"exhausted_ms":%.3f,"sent":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_ms":{%s,"mean":%.3f,"max":%.3f},"statuses":[%s]}\n',
    summary.requests, summary.duration / 1000, first or 0, last, total_sent,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status, summary.errors.timeout,
    table.concat(p, ","), latency.mean / 1000, latency.max / 1000,
    '{' .. table.concat(merged, "},{") .. '}'))
end
