-- wrk -s get-patient.lua URL -- IDS_FILE [PATH_PREFIX]
-- GET {PATH_PREFIX}/Patient/{id} with ids drawn at random (fixed seed) from IDS_FILE, one id a line.
local ids = {}
local prefix = ""

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  prefix = args[2] or ""
  math.randomseed(12345)
end

function request()
  return wrk.format("GET", prefix .. "/Patient/" .. ids[math.random(#ids)])
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  if non2xx > 0 then io.stderr:write(string.format("non-2xx responses: %d\n", non2xx)) end
end
