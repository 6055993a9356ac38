-- POST /v1/detokenizations with 100 random pre-created tokens per request.
local bearer = "Bearer " .. os.getenv("CV_TOKEN")
local tokens = {}
for line in io.lines(os.getenv("CV_TOKENS")) do tokens[#tokens + 1] = line end
function init(args) math.randomseed(os.time() * 1000 + math.random(1, 100000)) end
function request()
  local pick = {}
  for i = 1, 100 do pick[i] = '"' .. tokens[math.random(1, #tokens)] .. '"' end
  return wrk.format("POST", "/v1/detokenizations", {["Authorization"] = bearer, ["Content-Type"] = "application/json"},
    '{"tokens":[' .. table.concat(pick, ",") .. '],"purpose":"RECURRING_BILLING"}')
end
