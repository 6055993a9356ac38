-- POST /v1/tokens with a fresh Luhn-valid PAN per request; counts 201s per thread.
-- Env: CV_TOKEN (bearer), CV_SAVE (optional file to append created tokens to).
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

local function luhn_complete(prefix, len)
  local digits = {}
  for c in prefix:gmatch("%d") do digits[#digits + 1] = tonumber(c) end
  while #digits < len - 1 do digits[#digits + 1] = math.random(0, 9) end
  local sum = 0
  for i = #digits, 1, -1 do
    local d = digits[i]
    if (#digits - i) % 2 == 0 then d = d * 2; if d > 9 then d = d - 9 end end
    sum = sum + d
  end
  digits[#digits + 1] = (10 - sum % 10) % 10
  return table.concat(digits)
end

local bearer = "Bearer " .. os.getenv("CV_TOKEN")
local save = os.getenv("CV_SAVE")
local out = nil
created = 0

function init(args)
  math.randomseed(os.time() * 1000 + id * 7919)
  if save and save ~= "" then out = io.open(save .. "." .. id, "a") end
end

function request()
  local body = '{"pan":"' .. luhn_complete("4", 16) .. '","expMonth":12,"expYear":2031}'
  return wrk.format("POST", "/v1/tokens", {["Authorization"] = bearer, ["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
    if out then
      local t = body:match('"token":"([^"]+)"')
      if t then out:write(t, "\n"); out:flush() end
    end
  end
end

function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + (t:get("created") or 0) end
  io.write(string.format("CREATED %d\n", total))
end
