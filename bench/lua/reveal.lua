-- POST /v1/tokens/{token}/detokenize for random pre-created tokens (CV_TOKENS: file, one per line).
local bearer = "Bearer " .. os.getenv("CV_TOKEN")
local tokens = {}
for line in io.lines(os.getenv("CV_TOKENS")) do tokens[#tokens + 1] = line end
function init(args) math.randomseed(os.time() * 1000 + math.random(1, 100000)) end
function request()
  local t = tokens[math.random(1, #tokens)]
  return wrk.format("POST", "/v1/tokens/" .. t .. "/detokenize",
    {["Authorization"] = bearer, ["Content-Type"] = "application/json"}, '{"purpose":"RECURRING_BILLING"}')
end
